#include "tests/evidence/evidence_test_support.h"

#include <chrono>

#include <doctest/doctest.h>

#include "station-agent/journal/journal_export.h"
#include "tests/support/production_signers.h"
#include "signer/evidence/event_findings.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::evidence::testing {
namespace {

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

EvidenceWorld::EvidenceWorld() : root(lw.w.anchor()) {
  line = lw.open_line();
  lw.staff(*line);
  release = lw.release(*line);
  auto opened = open_store("sqlite:" + path("evidence.db").string());
  REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().message));
  store = std::move(*opened);
  evidence_ = hallmark::testing::fixture_signer(lw.w.tokens, "signer-hsm", "evidence");
  register_release();
}

EvidenceWorld::~EvidenceWorld() = default;

std::int64_t EvidenceWorld::now() const { return system_now(); }

void EvidenceWorld::register_release() {
  auto verified = bundle::verify_promoted_bundle(lw.promoted, lw.w.trust(now()), {});
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  REQUIRE(store->begin());
  REQUIRE(store->put_release(release_row(*verified)));
  REQUIRE(store->commit());
}

void EvidenceWorld::program(const std::string& serial, const std::string& hardware_id) {
  auto sim = lw.device(hardware_id);
  auto outcome = line::testing::program(*line, release, *sim, serial);
  REQUIRE(outcome.attestation.result() == v1::Attestation::PASS);
}

std::uint64_t EvidenceWorld::record(v1::Attestation::Event event, const std::string& serial,
                                    const std::string& hardware_id, bool clock_synced) {
  v1::Attestation a;
  a.set_event(event);
  a.set_serial(serial);
  a.set_hardware_id(hardware_id);
  a.set_bundle_digest(std::string(as_chars(release.release.bundle_digest.bytes())));
  a.set_result(event == v1::Attestation::SCRAP ? v1::Attestation::SCRAPPED : v1::Attestation::PASS);
  auto sequence = line->record(a, station::ClockState{clock_synced, "test"});
  REQUIRE_MESSAGE(sequence, (sequence ? "" : sequence.error().message));
  return *sequence;
}

std::filesystem::path EvidenceWorld::export_now(const std::string& name) {
  const std::filesystem::path out = path(name);
  const auto& keys = line->keys();
  auto exported = station::export_journal(line->journal(), out, now(), keys.station_signer);
  REQUIRE_MESSAGE(exported, (exported ? "" : exported.error().message));
  return out;
}

people::RosterHistory EvidenceWorld::rosters() {
  people::RosterHistory history;
  auto verified = people::verify_roster(lw.staff_roster(), root);
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  REQUIRE(history.add(std::move(*verified)));
  return history;
}

StationsById EvidenceWorld::stations() const {
  auto verified = verifier::verify_station_registration(lw.station.registration, root, now());
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  StationsById out;
  out.insert_or_assign(StationId(line::testing::kStationId),
                       KnownStation{std::move(*verified),
                                    verifier::envelope_to_json(lw.station.registration)});
  return out;
}

CountersignInput EvidenceWorld::countersign_input(const std::vector<std::filesystem::path>& exports,
                                                 bool know_station) {
  CountersignInput input;
  input.root = &root;
  if (know_station) input.stations = stations();
  input.rosters = rosters();
  input.exports = exports;
  input.station_software =
      station_software != nullptr ? station_software : &stored_station_software();
  input.now_unix = now();
  input.threads = 2;
  return input;
}

const StationSoftwareReleases& EvidenceWorld::stored_station_software() {
  auto releases = StationSoftwareReleases::in_force(*store, {}, lw.w.trust(now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  stored_releases_.reset();
  stored_releases_.emplace(std::move(*releases));
  return *stored_releases_;
}

EvidenceKey EvidenceWorld::evidence_key() {
  EvidenceKey key;
  // The test-only path: these tests count and fail signatures (the real path is
  // attacks/production_signer and the CLI tests).
  key.open = [this]() -> Result<hsm::ProductionSigner> {
    auto* signer = evidence_->signer.get();
    return hsm::ProductionSignerTestAccess::unchecked(
        hsm::ProductionRole::kEvidence, signer->public_key(),
        [this, signer](ByteView pae) -> Result<Bytes> {
          if (fail_signing) return fail(ErrorCode::kToken, "test: the evidence token was removed");
          ++signatures;
          return signer->sign(pae);
        });
  };
  return key;
}

Result<CountersignResult> EvidenceWorld::countersign(const std::vector<std::filesystem::path>& exports,
                                                     bool know_station) {
  return evidence::countersign(*store, countersign_input(exports, know_station), evidence_key());
}

std::vector<LogEntry> entries(EvidenceStore& store, const EntryQuery& query) {
  std::vector<LogEntry> out;
  auto ok = store.query(query, [&out](const LogEntry& e) -> Result<void> {
    out.push_back(e);
    return {};
  });
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().message));
  return out;
}

EntryQuery by_serial(const std::string& serial) {
  EntryQuery q;
  q.serial = Serial(serial);
  return q;
}

EntryQuery by_hardware_id(const std::string& hardware_id) {
  EntryQuery q;
  q.hardware_id = HardwareId(hardware_id);
  return q;
}

EntryQuery by_firmware(const verifier::Digest& digest) {
  EntryQuery q;
  q.firmware = digest;
  return q;
}

std::vector<v1::Finding> findings_of(const LogEntry& entry) {
  v1::ProvisioningManifest m;
  REQUIRE(m.ParseFromArray(entry.manifest.data(), static_cast<int>(entry.manifest.size())));
  return {m.findings().begin(), m.findings().end()};
}

bool has_finding(const LogEntry& entry, v1::Finding::Kind kind) {
  for (const auto& f : findings_of(entry)) {
    if (f.kind() == kind) return true;
  }
  return false;
}

std::string detail_of(const LogEntry& entry, v1::Finding::Kind kind) {
  for (const auto& f : findings_of(entry)) {
    if (f.kind() == kind) return f.detail();
  }
  return {};
}

LogEntry entry_of(EvidenceWorld& w, const std::string& serial) {
  auto found = entries(*w.store, by_serial(serial));
  REQUIRE(found.size() == 1);
  return found.front();
}

}  // namespace hallmark::evidence::testing
