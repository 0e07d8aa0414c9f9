// Journal export: the station side (export_journal, its state file) and the verifier side
// (verify_station_export) together; each test names the break it must catch.
#include <doctest/doctest.h>

#include <utility>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "tests/journal/journal_test_util.h"
#include "tests/journal/station_test_key.h"
#include "verifier/core/document.h"
#include "verifier/journal/station_export.h"

namespace hallmark::station {
namespace {

using testing::Ed25519Key;
using testing::envelope_for;
using testing::TempDir;

constexpr std::string_view kStation = "line-7-station-2";
constexpr std::int64_t kTime = 1'700'000'000;

void append_records(Journal& journal, std::uint64_t count) {
  const std::uint64_t start = journal.head().sequence;
  for (std::uint64_t i = start + 1; i <= start + count; ++i) {
    REQUIRE(journal.append(envelope_for(i)).has_value());
  }
}

v1::StationExport read_export(const std::filesystem::path& path) {
  v1::StationExport exported;
  REQUIRE(exported.ParseFromString(std::string(as_chars(testing::read_all(path)))));
  return exported;
}

struct Fixture {
  TempDir dir;
  Ed25519Key key;
  Journal journal = [this] {
    auto j = Journal::open(dir.path() / "journal", StationId(kStation));
    REQUIRE(j.has_value());
    return std::move(*j);
  }();

  v1::StationExport export_to(const std::string& name) {
    auto exported = export_journal(journal, dir.path() / name, kTime, key.station_signer());
    REQUIRE(exported.has_value());
    const v1::StationExport on_disk = read_export(dir.path() / name);
    CHECK(on_disk.SerializeAsString() == exported->SerializeAsString());
    return on_disk;
  }
  Result<verifier::VerifiedExport> verify(const v1::StationExport& exported,
                                          std::optional<verifier::ChainPoint> previous = {}) {
    return verifier::verify_station_export(exported, key.public_key(), previous);
  }
};

// Re-encodes record `index` of `exported` with `edit` applied.
template <typename Edit>
void edit_record(v1::StationExport& exported, int index, Edit edit) {
  v1::JournalRecord record;
  REQUIRE(record.ParseFromString(exported.records(index)));
  edit(record);
  *exported.mutable_records(index) = std::string(as_chars(verifier::deterministic_bytes(record)));
}

TEST_CASE("export: a fresh export verifies and returns every attestation and the head") {
  Fixture f;
  append_records(f.journal, 3);
  const v1::StationExport exported = f.export_to("export-1");
  CHECK(exported.first_sequence() == 1);
  CHECK(exported.last_sequence() == 3);
  auto verified = f.verify(exported);
  REQUIRE(verified.has_value());
  CHECK(verified->station_id == StationId(kStation));
  CHECK(verified->anchored);
  CHECK(verified->head.sequence == 3);
  CHECK(verified->head.hash == f.journal.head().hash);
  CHECK(verified->checkpoint_time_unix == kTime);
  REQUIRE(verified->attestations.size() == 3);
  for (std::uint64_t i = 0; i < 3; ++i) {
    CHECK(verified->attestations[i].sequence == i + 1);
    CHECK(verified->attestations[i].envelope == envelope_for(i + 1));
  }
  auto last = read_last_exported(f.journal.path());
  REQUIRE(last.has_value());
  CHECK(*last == 3);
}

TEST_CASE("export: a record removed from the export is refused") {
  Fixture f;
  append_records(f.journal, 4);
  v1::StationExport exported = f.export_to("export");
  SUBCASE("range left as declared") {}
  SUBCASE("range shortened to match") { exported.set_last_sequence(3); }
  exported.mutable_records()->DeleteSubrange(1, 1);
  CHECK_FALSE(f.verify(exported).has_value());
}

TEST_CASE("export: the last record removed (range and count adjusted) is refused") {
  Fixture f;
  append_records(f.journal, 3);
  v1::StationExport exported = f.export_to("export");
  exported.mutable_records()->RemoveLast();
  exported.set_last_sequence(2);
  auto verified = f.verify(exported);
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().message.find("checkpoint") != std::string::npos);
}

TEST_CASE("export: reordered records are refused") {
  Fixture f;
  append_records(f.journal, 3);
  v1::StationExport exported = f.export_to("export");
  exported.mutable_records()->SwapElements(0, 1);
  auto verified = f.verify(exported);
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("export: an edited attestation is refused, in the middle or at the end") {
  Fixture f;
  append_records(f.journal, 3);
  const v1::StationExport original = f.export_to("export");
  REQUIRE(f.verify(original).has_value());
  for (int index = 0; index < 3; ++index) {
    CAPTURE(index);
    v1::StationExport exported = original;
    edit_record(exported, index, [](v1::JournalRecord& r) {
      r.mutable_attestation_envelope()->front() ^= 1;
    });
    CHECK_FALSE(f.verify(exported).has_value());
  }
}

TEST_CASE("export: a record whose bytes are not a record is refused") {
  Fixture f;
  append_records(f.journal, 2);
  v1::StationExport exported = f.export_to("export");
  *exported.mutable_records(1) = "\xff\xff\xff";
  CHECK_FALSE(f.verify(exported).has_value());
}

TEST_CASE("export: a checkpoint signed by another key is refused") {
  Fixture f;
  append_records(f.journal, 2);
  const Ed25519Key other;
  auto exported = build_export(f.journal, 0, kTime, other.station_signer());
  REQUIRE(exported.has_value());
  auto verified = f.verify(*exported);
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().message.find("station key") != std::string::npos);
  // The same export verifies under the key that did sign it: only the key is wrong.
  CHECK(verifier::verify_station_export(*exported, other.public_key(), {}).has_value());
}

TEST_CASE("export: a checkpoint that does not name the exported head is refused") {
  Fixture f;
  append_records(f.journal, 3);
  v1::StationExport exported = f.export_to("export");
  SUBCASE("checkpoint of a later head") {
    append_records(f.journal, 1);
    auto later = f.journal.make_checkpoint(kTime, f.key.station_signer());
    REQUIRE(later.has_value());
    exported.set_checkpoint_envelope(verifier::envelope_to_json(*later));
  }
  SUBCASE("checkpoint of another journal with as many records") {
    auto twin = Journal::open(f.dir.path() / "twin", StationId(kStation));
    REQUIRE(twin.has_value());
    for (std::uint64_t i = 1; i <= 3; ++i) REQUIRE(twin->append(envelope_for(i + 10)).has_value());
    auto checkpoint = twin->make_checkpoint(kTime, f.key.station_signer());
    REQUIRE(checkpoint.has_value());
    exported.set_checkpoint_envelope(verifier::envelope_to_json(*checkpoint));
  }
  SUBCASE("export relabelled as another station") { exported.set_station_id("line-8"); }
  CHECK_FALSE(f.verify(exported).has_value());
}

TEST_CASE("export: a second export continues from the first; a gap between exports is caught") {
  Fixture f;
  append_records(f.journal, 3);
  const v1::StationExport first = f.export_to("export-1");
  append_records(f.journal, 2);
  const v1::StationExport second = f.export_to("export-2");
  append_records(f.journal, 1);
  const v1::StationExport third = f.export_to("export-3");
  CHECK(second.first_sequence() == 4);
  CHECK(second.last_sequence() == 5);
  CHECK(third.first_sequence() == 6);

  auto one = f.verify(first);
  REQUIRE(one.has_value());
  auto two = f.verify(second, one->head);
  REQUIRE(two.has_value());
  CHECK(two->anchored);
  auto three = f.verify(third, two->head);
  REQUIRE(three.has_value());
  CHECK(three->start.hash == two->head.hash);

  // Alone, a later export still checks its own chain and checkpoint, but is not anchored.
  auto alone = f.verify(second);
  REQUIRE(alone.has_value());
  CHECK_FALSE(alone->anchored);

  auto gap = f.verify(third, one->head);  // export-2 missing
  REQUIRE_FALSE(gap.has_value());
  CHECK(gap.error().message.find("missing") != std::string::npos);
  CHECK_FALSE(f.verify(second, verifier::ChainPoint{3, verifier::Digest{}}).has_value());
}

TEST_CASE("export: interrupted before the state was recorded, the next export repeats it") {
  Fixture f;
  append_records(f.journal, 2);
  (void)f.export_to("export-1");
  append_records(f.journal, 2);
  // The crash: the export file is committed, the state file not yet updated.
  auto after = read_last_exported(f.journal.path());
  REQUIRE(after.has_value());
  auto interrupted = build_export(f.journal, *after, kTime, f.key.station_signer());
  REQUIRE(interrupted.has_value());
  testing::write_all(f.dir.path() / "export-2",
                     verifier::deterministic_bytes(*interrupted));
  CHECK(read_last_exported(f.journal.path()).value_or(0) == 2);

  const v1::StationExport retried = f.export_to("export-2");
  CHECK(retried.first_sequence() == interrupted->first_sequence());
  CHECK(retried.last_sequence() == interrupted->last_sequence());
  CHECK(retried.records().size() == interrupted->records().size());
  for (int i = 0; i < retried.records_size(); ++i) {
    CHECK(retried.records(i) == interrupted->records(i));
  }
  CHECK(read_last_exported(f.journal.path()).value_or(0) == 4);

  // The repeated export chains to the first one like the interrupted one would have.
  auto one = f.verify(read_export(f.dir.path() / "export-1"));
  REQUIRE(one.has_value());
  CHECK(f.verify(retried, one->head).has_value());
}

TEST_CASE("export: nothing new gives an empty export that chains to the previous head") {
  Fixture f;
  append_records(f.journal, 2);
  const v1::StationExport first = f.export_to("export-1");
  const v1::StationExport empty = f.export_to("export-2");
  CHECK(empty.records_size() == 0);
  CHECK(empty.first_sequence() == 3);
  CHECK(empty.last_sequence() == 2);
  auto one = f.verify(first);
  REQUIRE(one.has_value());
  auto verified = f.verify(empty, one->head);
  REQUIRE(verified.has_value());
  CHECK(verified->head.hash == one->head.hash);
}

TEST_CASE("export: a state file beyond the journal's head is refused, not silently reset") {
  Fixture f;
  append_records(f.journal, 2);
  REQUIRE(record_exported(f.journal.path(), 5).has_value());
  auto exported = export_journal(f.journal, f.dir.path() / "export", kTime, f.key.station_signer());
  REQUIRE_FALSE(exported.has_value());
  CHECK(exported.error().code == ErrorCode::kVerificationFailed);
  CHECK_FALSE(std::filesystem::exists(f.dir.path() / "export"));
}

}  // namespace
}  // namespace hallmark::station
