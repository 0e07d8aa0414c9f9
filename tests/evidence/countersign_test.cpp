// Countersigning real station exports (SoftHSM station and evidence keys, the station's
// own journal and export code, hallmark-devsim units): each test names the attack or fault
// it must catch, and checks the log and store afterwards.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "signer/evidence/countersign.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "tests/evidence/evidence_test_support.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/log/merkle.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
namespace merkle = verifier::merkle;
using Status = ExportOutcome::Status;

std::uint64_t size_of(EvidenceStore& store) {
  auto size = store.tree_size();
  REQUIRE(size);
  return *size;
}

std::vector<FindingRow> all_findings(EvidenceStore& store) {
  auto rows = store.findings_between(0, INT64_MAX);
  REQUIRE(rows);
  return *rows;
}

CountersignResult accepted(Result<CountersignResult> r) {
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  for (const auto& e : r->exports) CHECK_MESSAGE(e.status != Status::kRefused, e.refusal);
  return std::move(*r);
}

void flip_byte(const fs::path& file, std::size_t from_end) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(f.tellg());
  REQUIRE(size > from_end);
  f.seekg(static_cast<std::streamoff>(size - from_end));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(size - from_end));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("countersign: a shift's export becomes one manifest per event under one evidence signature and every inclusion proof verifies") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  w.program("SN-0002", "HW-B2");
  const auto exported = w.export_now("shift-1.export");
  const std::uint64_t journal_records = w.line->journal().head().sequence;

  auto r = accepted(w.countersign({exported}));
  CHECK(w.signatures == 1);
  CHECK(r.signatures == 1);
  REQUIRE(r.exports.size() == 1);
  CHECK(r.exports[0].status == Status::kAccepted);
  CHECK(r.exports[0].first_new == 1);
  CHECK(r.exports[0].last_new == journal_records);
  CHECK(size_of(*w.store) == journal_records);
  REQUIRE(r.checkpoint);

  // The checkpoint is signed by the trust root's evidence role.
  auto envelope = verifier::parse_envelope_json(as_chars(r.checkpoint->envelope));
  REQUIRE(envelope);
  const auto evidence_keys = w.root.role_keys(v1::EVIDENCE);
  auto verified = verifier::verify_envelope(*envelope, evidence_keys, 1,
                                            verifier::payload_type_of(kCheckpointType));
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  auto checkpoint = verifier::parse_verified<v1::LogCheckpoint>(*verified);
  REQUIRE(checkpoint);
  CHECK(checkpoint->tree_size() == journal_records);

  // Each unit's manifest carries an inclusion proof against that checkpoint.
  auto unit = entries(*w.store, by_serial("SN-0001"));
  REQUIRE(unit.size() == 1);
  CHECK(unit[0].hardware_id == HardwareId("HW-A1"));
  CHECK(unit[0].event == v1::Attestation::PROGRAM);
  CHECK(unit[0].result == v1::Attestation::PASS);
  CHECK_MESSAGE(findings_of(unit[0]).empty(), "a healthy unit has no findings");
  merkle::NodeCache nodes(store_nodes(*w.store));
  for (const LogEntry& e : entries(*w.store)) {
    auto file = manifest_file(e, *r.checkpoint, "{}", nodes.source());
    REQUIRE(file);
    std::vector<verifier::Digest> proof;
    for (const auto& h : file->inclusion().hashes()) proof.push_back(*verifier::Digest::from_bytes(as_bytes(h)));
    CHECK(merkle::verify_inclusion(merkle::leaf_hash(as_bytes(file->manifest())), e.index,
                                   checkpoint->tree_size(), proof, r.checkpoint->root_hash));
    // A manifest changed after countersigning no longer proves.
    std::string tampered = file->manifest();
    tampered[tampered.size() / 2] ^= 0x01;
    CHECK_FALSE(merkle::verify_inclusion(merkle::leaf_hash(as_bytes(tampered)), e.index,
                                         checkpoint->tree_size(), proof, r.checkpoint->root_hash));
  }

  // Traceability: which units received this bundle (the CRA question), and by image digest.
  CHECK(entries(*w.store, by_firmware(w.release.release.bundle_digest)).size() == 2);
  REQUIRE(!w.release.release.native_images.empty());
  auto image = verifier::Digest::from_bytes(as_bytes(w.release.release.native_images[0].native.sha256()));
  REQUIRE(image);
  CHECK(entries(*w.store, by_firmware(*image)).size() == 2);
  CHECK(entries(*w.store, by_hardware_id("HW-B2")).size() == 1);
}

TEST_CASE("countersign: a replayed export changes nothing and makes no signature") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto exported = w.export_now("shift-1.export");
  accepted(w.countersign({exported}));
  const auto size = size_of(*w.store);
  const auto findings = all_findings(*w.store).size();

  auto again = accepted(w.countersign({exported}));
  REQUIRE(again.exports.size() == 1);
  CHECK(again.exports[0].status == Status::kReplay);
  CHECK_FALSE(again.checkpoint);
  CHECK(again.signatures == 0);
  CHECK(w.signatures == 1);
  CHECK(size_of(*w.store) == size);
  CHECK(all_findings(*w.store).size() == findings);
}

TEST_CASE("countersign: an export repeated after a station crash adds only its new records") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto first = w.export_now("first.export");
  accepted(w.countersign({first}));
  const auto before = size_of(*w.store);
  // The station crashed before it recorded the export: its next export starts at 1 again.
  REQUIRE(station::record_exported(station::journal_file(w.line->dir()), 0));
  w.program("SN-0002", "HW-B2");
  const auto overlapping = w.export_now("overlapping.export");
  auto r = accepted(w.countersign({overlapping}));
  REQUIRE(r.exports.size() == 1);
  CHECK(r.exports[0].first_new == before + 1);
  CHECK(size_of(*w.store) == w.line->journal().head().sequence);
  CHECK(entries(*w.store, by_serial("SN-0001")).size() == 1);
}

TEST_CASE("countersign: a tampered export (one flipped byte) is refused and nothing of it is merged") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto exported = w.export_now("shift-1.export");
  for (std::size_t from_end : {std::size_t{40}, std::size_t{900}, std::size_t{2500}}) {
    CAPTURE(from_end);
    const auto copy = w.path("tampered-" + std::to_string(from_end) + ".export");
    fs::copy_file(exported, copy);
    flip_byte(copy, from_end);
    auto r = w.countersign({copy});
    REQUIRE(r);
    REQUIRE(r->exports.size() == 1);
    CHECK(r->exports[0].status == Status::kRefused);
    CHECK(r->exports[0].refusal.find(copy.string()) != std::string::npos);
    CHECK(size_of(*w.store) == 0);
    CHECK(r->signatures == 0);
  }
  auto refused = all_findings(*w.store);
  REQUIRE(refused.size() == 3);
  CHECK_FALSE(refused[0].log_index);
  // The genuine export is still accepted afterwards.
  accepted(w.countersign({exported}));
  CHECK(size_of(*w.store) == w.line->journal().head().sequence);
}

// Every entry of the store proves its inclusion under `checkpoint`.
void every_entry_included(EvidenceStore& store, const CheckpointRow& checkpoint) {
  for (const LogEntry& e : entries(store)) {
    auto proof = merkle::inclusion_proof(e.index, checkpoint.tree_size, store_nodes(store));
    REQUIRE(proof);
    CHECK(merkle::verify_inclusion(e.leaf_hash, e.index, checkpoint.tree_size, *proof,
                                   checkpoint.root_hash));
  }
}

TEST_CASE("countersign: an export found damaged at its end after its records were appended is rolled back alone and the batch's good export stays") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto first = w.export_now("first.export");
  const auto first_size = w.line->journal().head().sequence;
  w.program("SN-0002", "HW-B2");
  w.program("SN-0003", "HW-C3");
  const auto second = w.export_now("second.export");
  const auto damaged = w.path("second-damaged.export");
  fs::copy_file(second, damaged);
  flip_byte(damaged, 40);  // inside the station's checkpoint: every record reads fine

  auto r = w.countersign({first, damaged});
  REQUIRE(r);
  REQUIRE(r->exports.size() == 2);
  CHECK(r->exports[0].status == Status::kAccepted);
  CHECK(r->exports[1].status == Status::kRefused);
  CHECK(r->exports[1].entries == 0);
  CHECK(size_of(*w.store) == first_size);
  REQUIRE(r->checkpoint);
  CHECK(r->checkpoint->tree_size == first_size);
  CHECK(r->signatures == 1);
  every_entry_included(*w.store, *r->checkpoint);
  CHECK(all_findings(*w.store).back().kind == v1::Finding::EXPORT_REFUSED);

  // The genuine second export continues the same log.
  auto again = accepted(w.countersign({second}));
  CHECK(size_of(*w.store) == w.line->journal().head().sequence);
  REQUIRE(again.checkpoint);
  every_entry_included(*w.store, *again.checkpoint);
}

TEST_CASE("countersign: a gap between exports is refused and the exports given together in any order chain") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto first = w.export_now("first.export");
  w.program("SN-0002", "HW-B2");
  const auto second = w.export_now("second.export");

  auto gap = w.countersign({second});
  REQUIRE(gap);
  REQUIRE(gap->exports.size() == 1);
  CHECK(gap->exports[0].status == Status::kRefused);
  CHECK(gap->exports[0].refusal.find("missing") != std::string::npos);
  CHECK(size_of(*w.store) == 0);
  auto rows = all_findings(*w.store);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].kind == v1::Finding::LOG_GAP);

  auto both = accepted(w.countersign({second, first}));
  CHECK(both.signatures == 1);
  CHECK(size_of(*w.store) == w.line->journal().head().sequence);
}

TEST_CASE("countersign: a forked journal (a record differing from the countersigned one) is refused as a fork") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  accepted(w.countersign({w.export_now("first.export")}));
  // A copy of the station's state taken now (a backup restored later, or a cloned disk).
  const fs::path original = w.lw.state;
  const fs::path copy = w.path("state-copy");
  fs::copy(original, copy, fs::copy_options::recursive);
  w.program("SN-0002", "HW-B2");
  accepted(w.countersign({w.export_now("second.export")}));
  const auto size = size_of(*w.store);

  w.lw.state = copy;
  auto forked_line = w.lw.open_line();
  v1::Attestation other;
  other.set_event(v1::Attestation::PROGRAM);
  other.set_serial("SN-0777");
  other.set_hardware_id("HW-77");
  other.set_result(v1::Attestation::PASS);
  REQUIRE(forked_line->record(other, station::ClockState{true, "test"}));
  const auto fork = w.path("fork.export");
  const auto& keys = forked_line->keys();
  REQUIRE(station::export_journal(forked_line->journal(), fork, w.now(), keys.station_signer));
  auto r = w.countersign({fork});
  REQUIRE(r);
  REQUIRE(r->exports.size() == 1);
  CHECK(r->exports[0].status == Status::kRefused);
  CHECK(r->exports[0].refusal.find("forked") != std::string::npos);
  CHECK(size_of(*w.store) == size);
  CHECK(all_findings(*w.store).back().kind == v1::Finding::FORK);
}

TEST_CASE("countersign: a journal record whose attestation signature is bad under a good station checkpoint stops the batch and nothing is written") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  // A compromised or broken station: its key seals a journal holding an attestation that
  // its key did not sign (a valid signature, over other bytes).
  const auto keys = w.line->keys();  // signs through the test's token session
  const fs::path journal_path = w.line->journal().path();
  w.line.reset();  // lets go of the journal
  auto journal = station::Journal::open(journal_path, StationId(line::testing::kStationId));
  REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
  v1::Attestation forged;
  forged.set_station_id(line::testing::kStationId);
  forged.set_event(v1::Attestation::PROGRAM);
  forged.set_serial("SN-0666");
  forged.set_hardware_id("HW-66");
  const std::string payload = forged.SerializeAsString();
  auto envelope = verifier::sign_envelope(
      verifier::payload_type_of("attestation"), as_bytes(payload), keys.station_key.key_id(),
      [&](ByteView) { return keys.sign_event(as_bytes(std::string("other bytes"))); });
  REQUIRE(envelope);
  auto appended = journal->append(as_bytes(verifier::envelope_to_json(*envelope)));
  REQUIRE(appended);
  const std::uint64_t forged_sequence = *appended;
  for (int i = 0; i < 3; ++i) REQUIRE(journal->append(as_bytes(verifier::envelope_to_json(*envelope))));
  const fs::path out = w.path("sealed.export");
  REQUIRE(station::export_journal(*journal, out, w.now(), keys.station_signer));

  auto r = w.countersign({out});
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().message.find(fmt::format("record {} of station \"station-1\"", forged_sequence)) != std::string::npos);
  CHECK(r.error().message.find("does not verify although") != std::string::npos);
  CHECK(size_of(*w.store) == 0);
  CHECK(all_findings(*w.store).empty());
  CHECK(w.signatures == 0);
}

TEST_CASE("countersign: an export of a station without a registration is refused") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  auto r = w.countersign({w.export_now("shift.export")}, /*know_station=*/false);
  REQUIRE(r);
  CHECK(r->exports[0].status == Status::kRefused);
  CHECK(r->exports[0].refusal.find("no verified registration") != std::string::npos);
  CHECK(all_findings(*w.store).back().kind == v1::Finding::UNKNOWN_STATION);
  CHECK(size_of(*w.store) == 0);
}

TEST_CASE("countersign: a unit programmed with a bundle the signer never promoted is logged with a finding") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto exported = w.export_now("shift.export");
  // A signer store that never saw this release (another factory's signer, say).
  auto other = open_store("sqlite:" + w.path("other.db").string());
  REQUIRE(other);
  w.store = std::move(*other);
  accepted(w.countersign({exported}));
  auto unit = entries(*w.store, by_serial("SN-0001"));
  REQUIRE(unit.size() == 1);
  CHECK(has_finding(unit[0], v1::Finding::UNPROMOTED_BUNDLE));
}

TEST_CASE("countersign: clones are found: a serial with a second hardware id and a hardware id with a second serial") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  w.record(v1::Attestation::PROGRAM, "SN-0001", "HW-ZZ");   // the label moved to another board
  w.record(v1::Attestation::PROGRAM, "SN-0099", "HW-A1");   // the board relabelled
  accepted(w.countersign({w.export_now("shift.export")}));
  auto first = entries(*w.store, by_hardware_id("HW-A1"));
  REQUIRE(first.size() == 2);
  CHECK_FALSE(has_finding(first[0], v1::Finding::HARDWARE_CLONE));
  CHECK(has_finding(first[1], v1::Finding::HARDWARE_CLONE));
  auto moved = entries(*w.store, by_hardware_id("HW-ZZ"));
  REQUIRE(moved.size() == 1);
  CHECK(has_finding(moved[0], v1::Finding::SERIAL_CLONE));
  std::vector<v1::Finding> f;  // a hand-made event is flagged otherwise too (no images)
  for (const auto& finding : findings_of(moved[0])) {
    if (finding.kind() == v1::Finding::SERIAL_CLONE) f.push_back(finding);
  }
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].log_indexes_size() == 1);
  CHECK(f[0].log_indexes(0) == first[0].index);
}

TEST_CASE("countersign: a scrapped hardware id programmed again is found and even in a later batch") {
  EvidenceWorld w;
  w.record(v1::Attestation::SCRAP, "SN-0005", "HW-55");
  accepted(w.countersign({w.export_now("first.export")}));
  w.record(v1::Attestation::PROGRAM, "SN-0005", "HW-55");
  accepted(w.countersign({w.export_now("second.export")}));
  auto units = entries(*w.store, by_hardware_id("HW-55"));
  REQUIRE(units.size() == 2);
  CHECK_FALSE(has_finding(units[0], v1::Finding::SCRAPPED_RETURNED));
  CHECK(has_finding(units[1], v1::Finding::SCRAPPED_RETURNED));
}

TEST_CASE("countersign: an unsynchronised station clock is a finding on the event") {
  EvidenceWorld w;
  w.record(v1::Attestation::PROGRAM, "SN-0001", "HW-A1", /*clock_synced=*/false);
  accepted(w.countersign({w.export_now("shift.export")}));
  auto unit = entries(*w.store, by_serial("SN-0001"));
  REQUIRE(unit.size() == 1);
  CHECK(has_finding(unit[0], v1::Finding::CLOCK_UNSYNCED));
}

TEST_CASE("countersign: station drift: a configuration changed after enrollment is a finding") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  w.line.reset();
  intake::testing::write_policy(w.lw.state, {line::testing::kSku, "another-sku"});
  w.line = w.lw.open_line();
  w.record(v1::Attestation::PROGRAM, "SN-0002", "HW-B2");
  accepted(w.countersign({w.export_now("shift.export")}));
  auto before = entries(*w.store, by_serial("SN-0001"));
  auto after = entries(*w.store, by_serial("SN-0002"));
  REQUIRE(before.size() == 1);
  REQUIRE(after.size() == 1);
  CHECK_FALSE(has_finding(before[0], v1::Finding::STATION_DRIFT));
  CHECK(has_finding(after[0], v1::Finding::STATION_DRIFT));
}

TEST_CASE("countersign: the evidence key failing at the end leaves the log and store as they were") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto exported = w.export_now("shift.export");
  w.fail_signing = true;
  auto r = w.countersign({exported});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kToken);
  CHECK(size_of(*w.store) == 0);
  auto head = w.store->station_head(StationId(line::testing::kStationId));
  REQUIRE(head);
  CHECK_FALSE(*head);
  auto latest = w.store->latest_checkpoint();
  REQUIRE(latest);
  CHECK_FALSE(*latest);
  w.fail_signing = false;
  accepted(w.countersign({exported}));
  CHECK(size_of(*w.store) == w.line->journal().head().sequence);
}

TEST_CASE("countersign: two exports in one batch cost one evidence signature and the next batch extends the same log") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto first = w.export_now("first.export");
  w.program("SN-0002", "HW-B2");
  const auto second = w.export_now("second.export");
  auto r = accepted(w.countersign({first, second}));
  CHECK(r.signatures == 1);
  REQUIRE(r.checkpoint);
  const auto old_root = r.checkpoint->root_hash;
  const auto old_size = r.checkpoint->tree_size;
  w.program("SN-0003", "HW-C3");
  auto next = accepted(w.countersign({w.export_now("third.export")}));
  REQUIRE(next.checkpoint);
  CHECK(w.signatures == 2);
  auto proof = merkle::consistency_proof(old_size, next.checkpoint->tree_size, store_nodes(*w.store));
  REQUIRE(proof);
  CHECK(merkle::verify_consistency(old_size, next.checkpoint->tree_size, old_root,
                                   next.checkpoint->root_hash, *proof));
}

}  // namespace hallmark::evidence::testing

namespace hallmark::evidence::testing {

TEST_CASE("countersign: a label swap the station caught (line stop) is not taken for a clone") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  // Board HW-B2 arrived carrying SN-0001's label: the station stopped the line.
  w.record(v1::Attestation::LINE_STOP, "SN-0001", "HW-B2");
  w.record(v1::Attestation::PROGRAM, "SN-0002", "HW-B2");
  accepted(w.countersign({w.export_now("shift.export")}));
  auto board = entries(*w.store, by_hardware_id("HW-B2"));
  REQUIRE(board.size() == 2);
  CHECK(board[0].event == v1::Attestation::LINE_STOP);
  CHECK_FALSE(has_finding(board[1], v1::Finding::HARDWARE_CLONE));
  CHECK_FALSE(has_finding(board[1], v1::Finding::SERIAL_CLONE));
}

}  // namespace hallmark::evidence::testing
