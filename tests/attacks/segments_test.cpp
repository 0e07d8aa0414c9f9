// Attacks on journal segments (station-agent/journal/journal_seal.h) by someone who holds the
// station's state directory and the archive of its segments, but not the station token nor
// the signer's evidence key. What was sealed was countersigned first (the signer's
// acknowledgement), so every rewrite, drop or reorder of archived history is a fork, a gap
// or a broken chain at the signer and in hallmark-verify's export chain; a seal without a
// valid acknowledgement of that very record is refused by the station.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <utility>

#include "signer/evidence/countersign.h"
#include "signer/evidence/manifest_files.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/journal/journal_format.h"
#include "station-agent/station/seal_acknowledgement.h"
#include "station-agent/station/station_snapshot.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/journal/journal_test_util.h"
#include "verifier/core/document.h"
#include "verifier/journal/station_export.h"
#include "verifier/log/manifest_file.h"

#include <google/protobuf/util/json_util.h>

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;
using evidence::ExportOutcome;
using evidence::testing::EvidenceWorld;
using hallmark::testing::read_all;
using hallmark::testing::write_all;
using v1::Attestation;

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

void reopen(EvidenceWorld& w) {
  w.line.reset();
  w.line = w.lw.open_line();
}

// The manifest file the signer writes for `serial`'s entry: the acknowledgement.
fs::path manifest_of(EvidenceWorld& w, const std::string& serial) {
  const fs::path dir = w.path("manifests");
  evidence::ManifestSelection selection;
  selection.serial = Serial(serial);
  auto written = evidence::write_manifest_files(*w.store, dir, selection);
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(serial + ".")) return entry.path();
  }
  FAIL("no manifest file for " << serial);
  return {};
}

Result<station::SealResult> seal(EvidenceWorld& w, const fs::path& manifest,
                                 const std::string& out) {
  auto ack = station::verify_seal_acknowledgement(as_chars(read_all(manifest)), manifest.string(),
                                                  w.line->root(), w.line->station_id());
  if (!ack) return std::unexpected(ack.error());
  auto sealed = w.line->seal_journal(*ack, w.path(out));
  reopen(w);
  return sealed;
}

// SN-1 recorded, exported, countersigned and sealed into s1.segment; SN-2 after it.
struct Sealed {
  EvidenceWorld w;
  std::uint64_t through = 0;
  Sealed() {
    through = w.record(Attestation::SCRAP, "SN-1", "HW-1");
    auto first = w.countersign({w.export_now("e1.export")});
    REQUIRE(first);
    REQUIRE(first->exports[0].status == ExportOutcome::Status::kAccepted);
    auto sealed = seal(w, manifest_of(w, "SN-1"), "s1.segment");
    REQUIRE_MESSAGE(sealed, (sealed ? "" : sealed.error().message));
    REQUIRE(w.line->journal().sealed().sequence == through);
  }
  v1::StationExport segment(const std::string& name) {
    v1::StationExport s;
    REQUIRE(s.ParseFromString(std::string(as_chars(read_all(w.path(name))))));
    return s;
  }
  const verifier::PublicKey& key() { return w.line->keys().station_key; }
};

bool scrapped(const EvidenceWorld& w, const std::string& hardware_id) {
  auto unit = w.line->history().unit(HardwareId(hardware_id));
  REQUIRE_MESSAGE(unit, (unit ? "" : unit.error().message));
  return *unit != nullptr && (*unit)->scrapped;
}

// The live journal's frames re-encoded so that it starts after `base` (header and links):
// what someone holding the state directory can write without any key.
void rewrite_live_journal(const fs::path& file, std::string_view station_id,
                          verifier::ChainPoint base, std::uint64_t drop_first = 0) {
  const Bytes bytes = read_all(file);
  auto header = station::parse_header(bytes);
  REQUIRE(header);
  std::vector<v1::JournalRecord> records;
  for (std::size_t at = header->size; at + 8 <= bytes.size();) {
    const std::uint32_t n = station::get_u32_be(ByteView(bytes).subspan(at));
    v1::JournalRecord record;
    REQUIRE(record.ParseFromString(std::string(as_chars(ByteView(bytes).subspan(at + 4, n)))));
    records.push_back(std::move(record));
    at += 4 + n + 4;
  }
  for (std::uint64_t i = 0; i < drop_first; ++i) {
    auto digest = verifier::sha256(verifier::deterministic_bytes(records.front()));
    REQUIRE(digest);
    base = verifier::ChainPoint{records.front().sequence(), *digest};
    records.erase(records.begin());
  }
  auto out = station::encode_header(station_id, base);
  REQUIRE(out);
  verifier::Digest previous = base.hash;
  for (auto& record : records) {
    record.set_previous_hash(std::string(as_chars(previous.bytes())));
    const Bytes encoded = verifier::deterministic_bytes(record);
    auto digest = verifier::sha256(encoded);
    REQUIRE(digest);
    const Bytes frame = station::encode_frame(encoded, *digest);
    out->insert(out->end(), frame.begin(), frame.end());
    previous = *digest;
  }
  write_all(file, *out);
}

TEST_CASE("a sealed journal keeps the history before the seal (from its snapshot) and exports after it") {
  Sealed s;
  CHECK(scrapped(s.w, "HW-1"));
  s.w.record(Attestation::SCRAP, "SN-2", "HW-2");
  auto r = s.w.countersign({s.w.export_now("e2.export")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kAccepted);
  auto segment = verifier::verify_station_export(s.segment("s1.segment"), s.key(), std::nullopt);
  REQUIRE_MESSAGE(segment, (segment ? "" : segment.error().message));
  CHECK(segment->anchored);
  CHECK(segment->head.hash == s.w.line->journal().sealed().hash);
}

TEST_CASE("an edited segment is refused by the signer (fork) and by the export chain") {
  Sealed s;
  v1::StationExport edited = s.segment("s1.segment");
  v1::JournalRecord record;
  REQUIRE(record.ParseFromString(edited.records(0)));
  record.set_attestation_envelope(record.attestation_envelope() + " ");
  *edited.mutable_records(0) = std::string(as_chars(verifier::deterministic_bytes(record)));
  write_all(s.w.path("edited.segment"), verifier::deterministic_bytes(edited));
  CHECK_FALSE(verifier::verify_station_export(edited, s.key(), std::nullopt));
  auto r = s.w.countersign({s.w.path("edited.segment")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kRefused);
}

TEST_CASE("a truncated segment is refused by the signer and by the export chain") {
  Sealed s;
  const Bytes bytes = read_all(s.w.path("s1.segment"));
  write_all(s.w.path("cut.segment"), ByteView(bytes).first(bytes.size() / 2));
  v1::StationExport cut;
  const bool parses = cut.ParseFromString(std::string(as_chars(ByteView(bytes).first(bytes.size() / 2))));
  CHECK_FALSE((parses && verifier::verify_station_export(cut, s.key(), std::nullopt)));
  auto r = s.w.countersign({s.w.path("cut.segment")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kRefused);
}

TEST_CASE("a replayed old segment changes nothing at the signer") {
  Sealed s;
  auto r = s.w.countersign({s.w.path("s1.segment")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kReplay);
  CHECK(r->new_size == r->old_size);
}

TEST_CASE("a dropped segment is a gap at the signer and breaks the export chain") {
  Sealed s;
  s.w.record(Attestation::SCRAP, "SN-2", "HW-2");
  s.w.countersign({s.w.export_now("e2.export")});
  auto sealed = seal(s.w, manifest_of(s.w, "SN-2"), "s2.segment");
  REQUIRE_MESSAGE(sealed, (sealed ? "" : sealed.error().message));
  s.w.record(Attestation::SCRAP, "SN-3", "HW-3");
  s.w.countersign({s.w.export_now("e3.export")});
  REQUIRE(seal(s.w, manifest_of(s.w, "SN-3"), "s3.segment"));
  // The archive without s2: s3 does not continue s1.
  auto first = verifier::verify_station_export(s.segment("s1.segment"), s.key(), std::nullopt);
  REQUIRE(first);
  auto third = verifier::verify_station_export(s.segment("s3.segment"), s.key(), first->head);
  REQUIRE_FALSE(third);
  // A signer that never had s2's records (a fresh store): the gap is found.
  s.w.store.reset();
  auto fresh = evidence::open_store("sqlite:" + s.w.path("fresh.db").string());
  REQUIRE(fresh);
  s.w.store = std::move(*fresh);
  s.w.register_release();
  auto r = s.w.countersign({s.w.path("s1.segment"), s.w.path("s3.segment")});
  REQUIRE(r);
  REQUIRE(r->exports.size() == 2);
  CHECK(r->exports[0].status == ExportOutcome::Status::kAccepted);
  CHECK(r->exports[1].status == ExportOutcome::Status::kRefused);
  CHECK_MESSAGE(has(r->exports[1].refusal, "missing"), r->exports[1].refusal);
}

TEST_CASE("two segments swapped do not chain in either order") {
  Sealed s;
  s.w.record(Attestation::SCRAP, "SN-2", "HW-2");
  s.w.countersign({s.w.export_now("e2.export")});
  REQUIRE(seal(s.w, manifest_of(s.w, "SN-2"), "s2.segment"));
  auto first = verifier::verify_station_export(s.segment("s1.segment"), s.key(), std::nullopt);
  auto second = verifier::verify_station_export(s.segment("s2.segment"), s.key(), first->head);
  REQUIRE(first);
  REQUIRE(second);
  // s2 where s1 belongs (the journal's beginning), then s1 after s2.
  CHECK_FALSE(verifier::verify_station_export(s.segment("s2.segment"), s.key(),
                                              verifier::ChainPoint{}));
  CHECK_FALSE(verifier::verify_station_export(s.segment("s1.segment"), s.key(), second->head));
}

TEST_CASE("a fork across the boundary (the live journal relinked to another sealed record) is refused by the signer") {
  Sealed s;
  s.w.record(Attestation::SCRAP, "SN-2", "HW-2");
  const fs::path file = station::journal_file(s.w.lw.state);
  const auto keys = s.w.line->keys();
  s.w.line.reset();
  verifier::ChainPoint other{s.through, verifier::Digest{}};
  rewrite_live_journal(file, line::testing::kStationId, other);
  // The station itself no longer opens its line: the snapshot does not match the journal,
  // and a sealed journal's history comes only from it.
  auto refused = s.w.lw.try_open_line();
  REQUIRE_FALSE(refused);
  CHECK_MESSAGE(has(refused.error().message, "sealed through record"), refused.error().message);
  {
    auto journal = station::Journal::open(file, StationId(line::testing::kStationId));
    REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
    auto exported = station::export_journal(*journal, s.w.path("forked.export"), s.w.now(),
                                            keys.station_signer);
    REQUIRE(exported);
  }
  auto r = s.w.countersign({s.w.path("forked.export")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kRefused);
}

TEST_CASE("a gap across the boundary (a record dropped from the live journal's start) is refused by the signer") {
  Sealed s;
  s.w.record(Attestation::SCRAP, "SN-2", "HW-2");  // not exported: dropped below
  s.w.record(Attestation::SCRAP, "SN-3", "HW-3");
  const fs::path file = station::journal_file(s.w.lw.state);
  const auto keys = s.w.line->keys();
  s.w.line.reset();
  rewrite_live_journal(file, line::testing::kStationId, {}, /*drop_first=*/1);
  auto header = station::parse_header(read_all(file));
  REQUIRE(header);
  REQUIRE(station::record_exported(file, header->sealed.sequence));
  {
    auto journal = station::Journal::open(file, StationId(line::testing::kStationId));
    REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
    auto exported = station::export_journal(*journal, s.w.path("gap.export"), s.w.now(),
                                            keys.station_signer);
    REQUIRE(exported);
    CHECK(exported->first_sequence() == s.through + 2);
  }
  auto r = s.w.countersign({s.w.path("gap.export")});
  REQUIRE(r);
  CHECK(r->exports[0].status == ExportOutcome::Status::kRefused);
  CHECK_MESSAGE(has(r->exports[0].refusal, "missing"), r->exports[0].refusal);
}

TEST_CASE("a seal of records the signer has not acknowledged is refused") {
  Sealed s;
  const std::uint64_t second = s.w.record(Attestation::SCRAP, "SN-2", "HW-2");
  s.w.export_now("e2.export");  // exported, never countersigned
  const fs::path ack = manifest_of(s.w, "SN-1");

  SUBCASE("an acknowledgement of records already sealed") {
    auto again = seal(s.w, ack, "again.segment");
    REQUIRE_FALSE(again);
    CHECK_MESSAGE(has(again.error().message, "sealed already"), again.error().message);
  }
  SUBCASE("an acknowledgement edited to name a later record") {
    auto file = verifier::parse_manifest_file_json(as_chars(read_all(ack)), ack.string());
    REQUIRE(file);
    v1::ProvisioningManifest manifest;
    REQUIRE(manifest.ParseFromString(file->manifest()));
    manifest.set_station_sequence(second);
    file->set_manifest(std::string(as_chars(verifier::deterministic_bytes(manifest))));
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(*file, &json).ok());
    write_all(s.w.path("edited.manifest.json"), to_bytes(json));
    auto edited = seal(s.w, s.w.path("edited.manifest.json"), "edited.segment");
    REQUIRE_FALSE(edited);
    CHECK(edited.error().code == ErrorCode::kVerificationFailed);
  }
  CHECK(s.w.line->journal().sealed().sequence == s.through);
  CHECK_FALSE(fs::exists(s.w.path("again.segment")));
  CHECK_FALSE(fs::exists(s.w.path("edited.segment")));
}

TEST_CASE("an acknowledgement of a record this journal does not hold (a forked journal) is refused") {
  EvidenceWorld w;
  w.record(Attestation::SCRAP, "SN-1", "HW-1");
  const fs::path copy = w.path("state-copy");
  w.line.reset();
  fs::copy(w.lw.state, copy, fs::copy_options::recursive);
  w.line = w.lw.open_line();
  w.record(Attestation::SCRAP, "SN-2", "HW-2");
  REQUIRE(w.countersign({w.export_now("e1.export")}));
  const fs::path ack = manifest_of(w, "SN-2");
  // The copy (restored from a backup) records another event as that record and exports it.
  w.line.reset();
  w.lw.state = copy;
  w.line = w.lw.open_line();
  w.record(Attestation::SCRAP, "SN-9", "HW-9");
  w.export_now("fork.export");
  auto sealed = seal(w, ack, "fork.segment");
  REQUIRE_FALSE(sealed);
  CHECK(sealed.error().code == ErrorCode::kPolicyRefused);
  CHECK_MESSAGE(has(sealed.error().message, "forked"), sealed.error().message);
  CHECK(w.line->journal().sealed().sequence == 0);
}

TEST_CASE("a sealed journal without its snapshot does not open with part of its history") {
  Sealed s;
  s.w.line.reset();
  fs::remove_all(station::snapshot_dir(s.w.lw.state));
  auto opened = s.w.lw.try_open_line();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::kVerificationFailed);
  CHECK_MESSAGE(has(opened.error().message, "sealed through record"), opened.error().message);
}

}  // namespace
}  // namespace hallmark::attacks
