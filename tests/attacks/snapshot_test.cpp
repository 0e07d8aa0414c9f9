// Attacks on the station's state snapshot (station-agent/station/station_snapshot.h) by
// someone who holds the state directory but not the station token: the snapshot is a cache
// of the journal and is never trusted more than it. Edited, another station's, or of
// another journal (rolled back, truncated, forked): ignored and the whole journal replayed.
// An old copy: used, and the records after it replayed. An edited unit bucket: refused, never
// read as "this device is new". The journal and the snapshot rolled back together: what a
// rolled-back journal always was, a fork the signer refuses.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "signer/evidence/countersign.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/station/station_snapshot.h"
#include "station-agent/station/unit_index.h"
#include "station-agent/station/unit_programmer.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/journal/journal_test_util.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;
using evidence::testing::EvidenceWorld;
using hallmark::testing::read_all;
using hallmark::testing::write_all;
using v1::Attestation;

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

void save(EvidenceWorld& w) {
  auto saved = w.line->save_snapshot();
  REQUIRE_MESSAGE(saved, (saved ? "" : saved.error().message));
}

// The snapshot file's envelope and its payload, for an attacker to edit.
std::pair<v1::Envelope, v1::StationSnapshot> read_snapshot(const fs::path& file) {
  auto envelope = verifier::parse_envelope_json(as_chars(read_all(file)));
  REQUIRE(envelope);
  v1::StationSnapshot snapshot;
  REQUIRE(snapshot.ParseFromString(envelope->payload()));
  return {std::move(*envelope), std::move(snapshot)};
}

void reopen(EvidenceWorld& w) {
  w.line.reset();
  w.line = w.lw.open_line();
}

bool scrapped(const EvidenceWorld& w, const std::string& hardware_id) {
  auto unit = w.line->history().unit(HardwareId(hardware_id));
  REQUIRE_MESSAGE(unit, (unit ? "" : unit.error().message));
  return *unit != nullptr && (*unit)->scrapped;
}

TEST_CASE("a snapshot restores the history and only the records after it are replayed") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  const auto at = w.line->journal().head().sequence;
  w.record(Attestation::SCRAP, "SN-2", "HW-2");
  reopen(w);
  CHECK_MESSAGE(has(w.line->snapshot_note(), fmt::format("snapshot at record {}, 1 record(s)", at)),
                w.line->snapshot_note());
  CHECK(w.line->journal().resumed());
  CHECK(scrapped(w, "HW-1"));
  CHECK(scrapped(w, "HW-2"));
  CHECK(w.line->history().session());  // olga is still logged in
  CHECK(w.line->history().roster() != nullptr);
  CHECK(w.line->history().counts().scrapped == 2);
}

TEST_CASE("an edited snapshot (payload changed, signature kept) is ignored and the whole journal replayed") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  w.line.reset();
  const fs::path file = station::snapshot_file(w.lw.state);
  auto [envelope, edited] = read_snapshot(file);
  edited.mutable_counts()->set_scrapped(0);
  edited.clear_session();  // olga logged out, say
  envelope.set_payload(std::string(as_chars(verifier::deterministic_bytes(edited))));
  write_all(file, as_bytes(verifier::envelope_to_json(envelope)));

  w.line = w.lw.open_line();
  CHECK_MESSAGE(has(w.line->snapshot_note(), "ignored: not signed by this station's key"),
                w.line->snapshot_note());
  CHECK_FALSE(w.line->journal().resumed());
  CHECK(w.line->history().counts().scrapped == 1);
  CHECK(w.line->history().session());
}

TEST_CASE("a snapshot signed by another key (another station's token) is ignored") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  w.line.reset();
  // Re-signed with the device-CA key: a real key on a real token, but not the station key.
  const fs::path file = station::snapshot_file(w.lw.state);
  auto [envelope, edited] = read_snapshot(file);
  edited.clear_session();
  auto line = w.lw.open_line();
  const auto& keys = line->keys();
  auto resigned = verifier::sign_envelope(
      verifier::payload_type_of("station-snapshot"), verifier::deterministic_bytes(edited),
      keys.device_ca_key.key_id(), [&](ByteView pae) -> Result<Bytes> {
        auto signature = keys.sign_certificate(pae);
        if (!signature) return std::unexpected(signature.error());
        return *signature;
      });
  REQUIRE_MESSAGE(resigned, (resigned ? "" : resigned.error().message));
  line.reset();
  write_all(file, as_bytes(verifier::envelope_to_json(*resigned)));

  w.line = w.lw.open_line();
  CHECK_MESSAGE(has(w.line->snapshot_note(), "ignored: not signed by this station's key"),
                w.line->snapshot_note());
  CHECK(w.line->history().session());
}

TEST_CASE("an edited unit bucket (a scrapped device made new) is refused, never read as a new device") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  reopen(w);
  REQUIRE(w.line->journal().resumed());
  // Every bucket file rewritten with its units made unscrapped (the attacker's goal).
  w.line.reset();
  int edited = 0;
  for (const auto& entry : fs::directory_iterator(station::snapshot_dir(w.lw.state))) {
    if (entry.path().extension() != ".bucket") continue;
    v1::SnapshotBucket bucket;
    const Bytes bytes = read_all(entry.path());
    REQUIRE(bucket.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    for (auto& u : *bucket.mutable_units()) u.set_scrapped(false);
    ::chmod(entry.path().c_str(), 0644);
    write_all(entry.path(), verifier::deterministic_bytes(bucket));
    ++edited;
  }
  REQUIRE(edited > 0);
  w.line = w.lw.open_line();
  auto unit = w.line->history().unit(HardwareId("HW-1"));
  REQUIRE_FALSE(unit);
  CHECK(unit.error().code == ErrorCode::kVerificationFailed);
  CHECK_MESSAGE(has(unit.error().message, "does not hash to the digest the signed snapshot lists"),
                unit.error().message);
  CHECK(has(unit.error().message, ".bucket"));
  // Scrapping it "again" (or programming it) stops at the same check: nothing is recorded.
  const auto head = w.line->journal().head().sequence;
  auto again = station::scrap_unit(*w.line, HardwareId("HW-1"), nullptr, "again");
  CHECK_FALSE(again);
  CHECK(w.line->journal().head().sequence == head);

  // Removing the snapshot (as the error says) replays the journal: the device is scrapped.
  w.line.reset();
  fs::remove_all(station::snapshot_dir(w.lw.state));
  w.line = w.lw.open_line();
  CHECK(scrapped(w, "HW-1"));
}

TEST_CASE("a deleted unit bucket is refused, never read as an empty one") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  w.line.reset();
  for (const auto& entry : fs::directory_iterator(station::snapshot_dir(w.lw.state))) {
    if (entry.path().extension() == ".bucket") fs::remove(entry.path());
  }
  w.line = w.lw.open_line();
  REQUIRE(w.line->journal().resumed());
  auto unit = w.line->history().unit(HardwareId("HW-1"));
  REQUIRE_FALSE(unit);
  CHECK(has(unit.error().message, "cannot be read"));
}

TEST_CASE("an edited unit index (a bucket pointed at an empty one) is refused") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  w.line.reset();
  int edited = 0;
  for (const auto& entry : fs::directory_iterator(station::snapshot_dir(w.lw.state))) {
    if (entry.path().extension() != ".index") continue;
    Bytes bytes = read_all(entry.path());
    std::fill(bytes.begin(), bytes.end(), std::byte{0});  // every bucket "empty"
    ::chmod(entry.path().c_str(), 0644);
    write_all(entry.path(), bytes);
    ++edited;
  }
  REQUIRE(edited == 1);
  w.line = w.lw.open_line();
  auto unit = w.line->history().unit(HardwareId("HW-1"));
  REQUIRE_FALSE(unit);
  CHECK_MESSAGE(has(unit.error().message, ".index does not hash to the digest"), unit.error().message);
}

TEST_CASE("an old snapshot copied over the new one is used and the records after it replayed") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  const auto old_at = w.line->journal().head().sequence;
  const fs::path old_copy = w.path("old-snapshot");
  fs::copy(station::snapshot_dir(w.lw.state), old_copy, fs::copy_options::recursive);
  w.record(Attestation::SCRAP, "SN-2", "HW-2");
  save(w);
  w.line.reset();
  fs::remove_all(station::snapshot_dir(w.lw.state));
  fs::copy(old_copy, station::snapshot_dir(w.lw.state), fs::copy_options::recursive);

  w.line = w.lw.open_line();
  CHECK_MESSAGE(has(w.line->snapshot_note(), fmt::format("snapshot at record {}, 1 record(s)", old_at)),
                w.line->snapshot_note());
  CHECK(scrapped(w, "HW-1"));
  CHECK(scrapped(w, "HW-2"));  // the journal after the old snapshot is not forgotten
}

TEST_CASE("a snapshot of a truncated or forked journal is ignored and the journal replayed") {
  EvidenceWorld w;
  const auto before = w.line->journal().head().sequence;
  const fs::path journal = station::journal_file(w.lw.state);
  const auto size_before = fs::file_size(journal);
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  const fs::path snap_copy = w.path("snapshot-copy");
  fs::copy(station::snapshot_dir(w.lw.state), snap_copy, fs::copy_options::recursive);
  w.line.reset();

  // Truncated below the snapshot's head: ignored, the journal's (shorter) history stands.
  fs::resize_file(journal, size_before);
  w.line = w.lw.open_line();
  CHECK_MESSAGE(has(w.line->snapshot_note(), "ignored"), w.line->snapshot_note());
  CHECK(has(w.line->snapshot_note(), "beyond the journal"));
  CHECK(w.line->journal().head().sequence == before);
  CHECK_FALSE(scrapped(w, "HW-1"));

  // A different record at the snapshot's sequence (a fork): ignored, never mixed in.
  w.record(Attestation::SCRAP, "SN-9", "HW-9");
  w.line.reset();
  fs::remove_all(station::snapshot_dir(w.lw.state));
  fs::copy(snap_copy, station::snapshot_dir(w.lw.state), fs::copy_options::recursive);
  w.line = w.lw.open_line();
  CHECK_MESSAGE(has(w.line->snapshot_note(), "is not its record"), w.line->snapshot_note());
  CHECK_FALSE(scrapped(w, "HW-1"));
  CHECK(scrapped(w, "HW-9"));
}

TEST_CASE("a record forged after the snapshot's head is refused as on a whole replay") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  const auto head = w.line->journal().head();
  w.line.reset();
  {  // The next record, chained right, holding an envelope the station never signed for it.
    auto journal = station::Journal::open(station::journal_file(w.lw.state), StationId(line::testing::kStationId));
    REQUIRE(journal);
    REQUIRE(journal->append(hallmark::testing::envelope_for(head.sequence + 1)));
  }
  auto opened = w.lw.try_open_line();
  REQUIRE_FALSE(opened);
  CHECK_MESSAGE(has(opened.error().message, fmt::format("record {}", head.sequence + 1)),
                opened.error().message);
}

TEST_CASE("the journal and its snapshot rolled back together fork the chain and the signer refuses it") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  save(w);
  REQUIRE(w.countersign({w.export_now("first.export")}));
  const fs::path copy = w.path("state-copy");
  fs::copy(w.lw.state, copy, fs::copy_options::recursive);  // journal and snapshot together
  w.record(Attestation::SCRAP, "SN-2", "HW-2");
  save(w);
  auto second = w.countersign({w.export_now("second.export")});
  REQUIRE(second);
  REQUIRE(second->exports[0].status == evidence::ExportOutcome::Status::kAccepted);

  w.line.reset();
  w.lw.state = copy;
  w.line = w.lw.open_line();
  CHECK(w.line->journal().resumed());  // consistent with each other: the station cannot tell
  CHECK_FALSE(scrapped(w, "HW-2"));
  w.record(Attestation::SCRAP, "SN-3", "HW-3");
  auto r = w.countersign({w.export_now("rolled-back.export")});
  REQUIRE(r);
  REQUIRE(r->exports.size() == 1);
  CHECK(r->exports[0].status == evidence::ExportOutcome::Status::kRefused);
  CHECK_MESSAGE(has(r->exports[0].refusal, "forked"), r->exports[0].refusal);
}

}  // namespace
}  // namespace hallmark::attacks
