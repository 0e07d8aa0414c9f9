// Attacks on what a station claims (docs/threat-model.md): its word on images, read-backs,
// eFuses, the device tool, the hardware id and its clock, and on the signer's ability to
// go on when one station's registration is gone or a manifest file is lost. Every forged
// event is signed by the station key through the line's own record() (exactly what a
// station whose state or tool is in an attacker's hands would sign) and exported with the
// station's own export code; countersign must flag it, not take it.
#include <doctest/doctest.h>
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>

#include "ceremony/src/revoke_ceremony.h"
#include "signer/evidence/known_stations.h"
#include "signer/evidence/manifest_files.h"
#include "signer/evidence/weekly_report.h"
#include "station-agent/journal/journal_export.h"
#include "tests/support/trusted_root_access.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/line/forwarding_driver.h"
#include "tests/support/production_signers.h"
#include "verifier/bundle/unit_claims.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/log/manifest_file.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
using Status = ExportOutcome::Status;
using v1::Attestation;
using v1::Finding;

CountersignResult accepted(Result<CountersignResult> r) {
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  for (const auto& e : r->exports) CHECK_MESSAGE(e.status != Status::kRefused, e.refusal);
  return std::move(*r);
}

// A unit really programmed on a hallmark-devsim device: the attestation as signed.
Attestation programmed(EvidenceWorld& w, const std::string& serial, const std::string& hardware_id) {
  auto sim = w.lw.device(hardware_id);
  auto outcome = line::testing::program(*w.line, w.release, *sim, serial);
  REQUIRE(outcome.attestation.result() == Attestation::PASS);
  return outcome.attestation;
}

// `event` (a copy of a real one, edited) signed by the station key and journaled.
std::uint64_t forge(EvidenceWorld& w, Attestation event, const std::string& serial,
                    const std::string& hardware_id) {
  event.set_serial(serial);
  event.set_hardware_id(hardware_id);
  auto sequence = w.line->record(event, station::ClockState{true, "test"});
  REQUIRE_MESSAGE(sequence, (sequence ? "" : sequence.error().message));
  return *sequence;
}


std::string other_digest(char fill) { return std::string(32, fill); }

}  // namespace

TEST_CASE("a PASS naming no bundle is flagged") {
  EvidenceWorld w;
  Attestation real = programmed(w, "SN-REAL", "HW-REAL");
  Attestation forged = real;
  forged.clear_bundle_digest();
  forge(w, forged, "SN-NOBUNDLE", "HW-NOBUNDLE");
  accepted(w.countersign({w.export_now("e.export")}));

  // A unit the station really programmed matches its bundle: no finding.
  CHECK_FALSE(has_finding(entry_of(w, "SN-REAL"), Finding::CLAIM_MISMATCH));
  const auto flagged = entry_of(w, "SN-NOBUNDLE");
  REQUIRE(has_finding(flagged, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(flagged, Finding::CLAIM_MISMATCH).find("names no bundle") != std::string::npos);
}

TEST_CASE("a read-back that differs from the bundle image is flagged") {
  EvidenceWorld w;
  Attestation forged = programmed(w, "SN-REAL", "HW-REAL");
  // A tool that answers the read-back from somewhere else than the bundle's image.
  REQUIRE(forged.measured_size() > 0);
  forged.mutable_measured(0)->set_sha256(other_digest('\x5a'));
  forge(w, forged, "SN-READBACK", "HW-READBACK");
  // And one that claims an image digest of another build.
  Attestation other_image = programmed(w, "SN-REAL-2", "HW-REAL-2");
  other_image.mutable_image_digests(0)->set_sha256(other_digest('\x33'));
  forge(w, other_image, "SN-IMAGE", "HW-IMAGE");
  // And a PASS that leaves an image of the plan out.
  Attestation missing = programmed(w, "SN-REAL-3", "HW-REAL-3");
  missing.mutable_image_digests()->RemoveLast();
  forge(w, missing, "SN-MISSING", "HW-MISSING");
  accepted(w.countersign({w.export_now("e.export")}));

  const auto readback = entry_of(w, "SN-READBACK");
  REQUIRE(has_finding(readback, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(readback, Finding::CLAIM_MISMATCH).find("read-back of image") != std::string::npos);
  const auto image = entry_of(w, "SN-IMAGE");
  REQUIRE(has_finding(image, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(image, Finding::CLAIM_MISMATCH).find("the bundle's is") != std::string::npos);
  const auto incomplete = entry_of(w, "SN-MISSING");
  REQUIRE(has_finding(incomplete, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(incomplete, Finding::CLAIM_MISMATCH).find("missing") != std::string::npos);
  for (const char* real : {"SN-REAL", "SN-REAL-2", "SN-REAL-3"}) {
    CHECK_FALSE(has_finding(entry_of(w, real), Finding::CLAIM_MISMATCH));
  }
}

TEST_CASE("an eFuse value not in the bundle's plan is flagged") {
  EvidenceWorld w;
  Attestation forged = programmed(w, "SN-REAL", "HW-REAL");
  bool burned = false;
  for (auto& m : *forged.mutable_measured()) {
    if (m.region() != bundle::kKeyDigestRegion) continue;
    m.set_sha256(other_digest('\x77'));  // another key: a unit that boots someone else's code
    burned = true;
  }
  REQUIRE(burned);  // the full plan burns the release key digest
  forge(w, forged, "SN-EFUSE", "HW-EFUSE");
  accepted(w.countersign({w.export_now("e.export")}));

  const auto flagged = entry_of(w, "SN-EFUSE");
  REQUIRE(has_finding(flagged, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(flagged, Finding::CLAIM_MISMATCH).find("eFuse key digest") != std::string::npos);
  CHECK_FALSE(has_finding(entry_of(w, "SN-REAL"), Finding::CLAIM_MISMATCH));
}

TEST_CASE("a device tool config changed between units is flagged as drift") {
  EvidenceWorld w;
  Attestation real = programmed(w, "SN-REAL", "HW-REAL");
  CHECK(real.device_tool().driver() == "sim");  // the station names its device tool
  accepted(w.countersign({w.export_now("1.export")}));
  CHECK_FALSE(has_finding(entry_of(w, "SN-REAL"), Finding::DEVICE_TOOL_DRIFT));

  // The next shift runs a command config whose "read" echoes the cached image back: every
  // digest matches the bundle, but the tool is not the one the station used before.
  Attestation echoed = real;
  v1::DeviceTool& tool = *echoed.mutable_device_tool();
  tool.set_driver("cmd");
  tool.set_config_sha256(other_digest('\x11'));
  auto* program = tool.add_programs();
  program->set_path("/bin/cat");
  program->set_sha256(other_digest('\x22'));
  forge(w, echoed, "SN-ECHO", "HW-ECHO");
  forge(w, echoed, "SN-ECHO-2", "HW-ECHO-2");           // the same tool again: no new change
  tool.set_config_sha256(other_digest('\x12'));          // its config edited between units
  forge(w, echoed, "SN-ECHO-3", "HW-ECHO-3");
  Attestation anonymous = real;
  anonymous.clear_device_tool();                          // a unit naming no tool at all
  forge(w, anonymous, "SN-NOTOOL", "HW-NOTOOL");
  accepted(w.countersign({w.export_now("2.export")}));

  const auto changed = entry_of(w, "SN-ECHO");  // against the previous export's last unit
  REQUIRE(has_finding(changed, Finding::DEVICE_TOOL_DRIFT));
  CHECK(detail_of(changed, Finding::DEVICE_TOOL_DRIFT).find("was sim") != std::string::npos);
  CHECK_FALSE(has_finding(changed, Finding::CLAIM_MISMATCH));
  CHECK_FALSE(has_finding(entry_of(w, "SN-ECHO-2"), Finding::DEVICE_TOOL_DRIFT));
  CHECK(has_finding(entry_of(w, "SN-ECHO-3"), Finding::DEVICE_TOOL_DRIFT));
  CHECK(has_finding(entry_of(w, "SN-NOTOOL"), Finding::DEVICE_TOOL_DRIFT));
  auto report = weekly_report(*w.store, verifier::iso_week(w.now()));
  REQUIRE(report);
  REQUIRE(report->stations_size() == 1);
  CHECK(report->stations(0).drift_incidents() >= 3);
}

TEST_CASE("an empty hardware id fails the unit") {
  EvidenceWorld w;
  // A driver whose identify answers nothing (a broken tool, or one that hides the chip).
  class Blank final : public line::testing::ForwardingDriver {
   public:
    using ForwardingDriver::ForwardingDriver;
    Result<device::HardwareId> identify() override { return device::HardwareId{""}; }
  };

  auto sim = w.lw.device("HW-HIDDEN");
  auto driver = line::testing::connect(*sim);
  Blank blank(*driver);
  auto outcome = station::program_unit(*w.line, w.release, blank,
                                       {Serial("SN-BLANK"), station::UnitMode::kProgram, ""});
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(outcome->verdict == station::UnitVerdict::kFail);
  CHECK(outcome->attestation.result() == Attestation::FAIL);
  CHECK(outcome->attestation.detail().find("hardware id") != std::string::npos);
  CHECK(w.line->journal().head().sequence == outcome->sequence);  // recorded, durable

  // A station that signs a PASS without a hardware id anyway is flagged at countersign.
  Attestation real = programmed(w, "SN-REAL", "HW-REAL");
  forge(w, real, "SN-NOID", "");
  accepted(w.countersign({w.export_now("e.export")}));
  const auto failed = entry_of(w, "SN-BLANK");
  CHECK(failed.result == Attestation::FAIL);
  CHECK(has_finding(failed, Finding::CLAIM_MISMATCH));
  const auto passed = entry_of(w, "SN-NOID");
  REQUIRE(has_finding(passed, Finding::CLAIM_MISMATCH));
  CHECK(detail_of(passed, Finding::CLAIM_MISMATCH).find("names no hardware id") != std::string::npos);
}

TEST_CASE("a station clock an hour off is flagged") {
  EvidenceWorld w;
  programmed(w, "SN-1", "HW-1");
  const auto& keys = w.line->keys();
  const fs::path ahead = w.path("ahead.export");
  auto exported = station::export_journal(w.line->journal(), ahead, w.now() + 3600,
                                          keys.station_signer);
  REQUIRE(exported);
  auto r = accepted(w.countersign({ahead}));
  REQUIRE(r.exports.size() == 1);
  CHECK(r.exports[0].findings >= 1);
  auto rows = w.store->findings_between(0, INT64_MAX);
  REQUIRE(rows);
  int offsets = 0;
  for (const auto& row : *rows) {
    if (row.kind != Finding::CLOCK_OFFSET) continue;
    ++offsets;
    CHECK_FALSE(row.log_index.has_value());  // the export's finding, not an event's
    CHECK(row.station_id == StationId(line::testing::kStationId));
    Finding f;
    REQUIRE(f.ParseFromArray(row.finding.data(), static_cast<int>(row.finding.size())));
    CHECK(f.detail().find("ahead") != std::string::npos);
  }
  CHECK(offsets == 1);
  auto report = weekly_report(*w.store, verifier::iso_week(w.now()));
  REQUIRE(report);
  REQUIRE(report->stations_size() == 1);
  CHECK(report->stations(0).time_sync_failures() >= 1);

  // A clock that agrees with the signer's raises nothing.
  programmed(w, "SN-2", "HW-2");
  auto on_time = accepted(w.countersign({w.export_now("on-time.export")}));
  CHECK(on_time.exports[0].findings == 0);
}

TEST_CASE("one revoked registration does not stop other stations' countersign") {
  EvidenceWorld w;
  programmed(w, "SN-1", "HW-1");
  const fs::path good = w.export_now("station-1.export");

  // station-2 was enrolled properly, then revoked.
  const auto station2 = intake::testing::enroll(w.lw.w, "station-2", "s2-");
  hallmark::testing::RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.lw.w.now), {}};
  const std::vector<v1::Envelope> chain{w.lw.w.v1_root};
  ceremony::RevokeInput rin{chain, {}, &w.lw.w.plan,
                            {{}, {}, {"station-2"}, {}, "token lost", std::nullopt}};
  auto revoked = ceremony::run_revoke(rin, context);
  REQUIRE_MESSAGE(revoked.ok(), (revoked.error ? revoked.error->message : ""));
  REQUIRE(verifier::TrustedRootTestAccess::add_revocation(w.root, *revoked.document));
  // Its export, in the same batch (refused on its header: its records are never read).
  v1::StationExport header;
  header.set_station_id("station-2");
  header.set_first_sequence(1);
  header.set_last_sequence(1);
  const fs::path other = w.path("station-2.export");
  REQUIRE(fileio::write_file_atomic(other, as_bytes(header.SerializeAsString())));

  auto known = known_stations({{"station-1.json", w.lw.station.registration},
                               {"station-2.json", station2.registration}},
                              w.root, w.now());
  REQUIRE_MESSAGE(known, (known ? "" : known.error().message));
  CHECK(known->valid.contains(StationId("station-1")));
  REQUIRE(known->invalid.contains(StationId("station-2")));
  CHECK(known->invalid.at(StationId("station-2")).find("revoked") != std::string::npos);

  CountersignInput input;
  input.root = &w.root;
  input.stations = known->valid;
  input.invalid_stations = known->invalid;
  input.exports = {good, other};
  input.station_software = &w.stored_station_software();
  input.now_unix = w.now();
  EvidenceKey key;
  int signatures = 0;
  auto evidence = hallmark::testing::fixture_signer(w.lw.w.tokens, "signer-hsm", "evidence");
  key.open = [&]() -> Result<hsm::ProductionSigner> {
    auto* signer = evidence->signer.get();
    return hsm::ProductionSignerTestAccess::unchecked(  // counts signatures
        hsm::ProductionRole::kEvidence, signer->public_key(), [&signatures, signer](ByteView pae) {
          ++signatures;
          return signer->sign(pae);
        });
  };
  auto r = countersign(*w.store, input, key);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  REQUIRE(r->exports.size() == 2);
  CHECK(r->exports[0].station_id == StationId("station-1"));
  CHECK(r->exports[0].status == Status::kAccepted);
  CHECK(r->exports[1].station_id == StationId("station-2"));
  CHECK(r->exports[1].status == Status::kRefused);
  CHECK(r->exports[1].refusal.find("revoked") != std::string::npos);
  CHECK(signatures == 1);
  CHECK(entries(*w.store, by_serial("SN-1")).size() == 1);
  auto rows = w.store->findings_between(0, INT64_MAX);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().kind == Finding::REVOKED_STATION);
  CHECK(rows->front().station_id == StationId("station-2"));

  // Expired: the registration is past its validity at the signer's clock. The station's
  // exports are refused with REGISTRATION_INVALID; the run goes on and commits.
  v1::StationRegistration registered;
  {
    auto verified = verifier::verify_station_registration(w.lw.station.registration, w.root, w.now());
    REQUIRE(verified);
    registered = verified->registration;
  }
  auto expired = known_stations({{"station-1.json", w.lw.station.registration}}, w.root,
                                registered.expires_unix() + 1);
  REQUIRE_MESSAGE(expired, (expired ? "" : expired.error().message));
  CHECK(expired->valid.empty());
  REQUIRE(expired->invalid.contains(StationId("station-1")));
  programmed(w, "SN-2", "HW-2");
  input.stations = expired->valid;
  input.invalid_stations = expired->invalid;
  input.exports = {w.export_now("late.export")};
  input.now_unix = registered.expires_unix() + 1;
  auto late = countersign(*w.store, input, key);
  REQUIRE_MESSAGE(late, (late ? "" : late.error().message));
  REQUIRE(late->exports.size() == 1);
  CHECK(late->exports[0].status == Status::kRefused);
  CHECK(late->exports[0].refusal.find("no valid registration") != std::string::npos);
  rows = w.store->findings_between(0, INT64_MAX);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK(rows->back().kind == Finding::REGISTRATION_INVALID);
  CHECK(rows->back().station_id == StationId("station-1"));
}

TEST_CASE("a lost manifest is written again byte-identical") {
  EvidenceWorld w;
  programmed(w, "SN-1", "HW-1");
  programmed(w, "SN-2", "HW-2");
  auto first = accepted(w.countersign({w.export_now("1.export")}));
  const fs::path dir = w.path("manifests");
  ManifestSelection batch;
  batch.first = first.old_size;
  batch.last = first.new_size;
  auto written = write_manifest_files(*w.store, dir, batch);
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  CHECK(written->written == 2);
  programmed(w, "SN-3", "HW-3");  // a later batch: a later checkpoint
  auto second = accepted(w.countersign({w.export_now("2.export")}));
  batch.first = second.old_size;
  batch.last = second.new_size;
  REQUIRE(write_manifest_files(*w.store, dir, batch));

  const fs::path lost = dir / manifest_file_name("SN-1", entry_of(w, "SN-1").index);
  const fs::path kept = dir / manifest_file_name("SN-3", entry_of(w, "SN-3").index);
  auto original = fileio::read_file(lost, 1 << 20);
  REQUIRE(original);
  auto original_kept = fileio::read_file(kept, 1 << 20);
  REQUIRE(original_kept);
  fs::permissions(lost, fs::perms::owner_write, fs::perm_options::add);
  fs::remove(lost);

  auto again = write_manifest_files(*w.store, dir, {});
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(again->written == 1);
  CHECK(again->present == 2);
  auto rewritten = fileio::read_file(lost, 1 << 20);
  REQUIRE(rewritten);
  CHECK(*rewritten == *original);  // the proof against its own batch's checkpoint, as before
  CHECK(*fileio::read_file(kept, 1 << 20) == *original_kept);
  CHECK((fs::status(lost).permissions() & fs::perms::owner_write) == fs::perms::none);

  v1::ManifestFile file;
  REQUIRE(google::protobuf::util::JsonStringToMessage(std::string(as_chars(*rewritten)), &file).ok());
  auto verified = verifier::verify_manifest_file(file, w.root);
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  CHECK(verified->manifest.serial() == "SN-1");

  // A file altered on disk is never overwritten: the run names it.
  fs::permissions(kept, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(kept, std::ios::app) << " ";
  auto altered = write_manifest_files(*w.store, dir, {});
  REQUIRE_FALSE(altered);
  CHECK(altered.error().message.find(kept.string()) != std::string::npos);
}

}  // namespace hallmark::evidence::testing
