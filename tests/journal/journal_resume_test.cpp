// Opening a journal at a resume point (the head a state snapshot names): only the records
// after it are scanned, anything that does not match makes open() scan the whole file, and
// the records before it are still checked when a cursor reads them.
#include <doctest/doctest.h>

#include <filesystem>

#include "station-agent/journal/journal.h"
#include "tests/journal/journal_test_util.h"

namespace hallmark::station {
namespace {

using testing::envelope_for;
using testing::read_all;
using testing::TempDir;
using testing::write_all;

constexpr std::string_view kStation = "line-7-station-2";

// A journal of `count` records and the resume point at record `at`.
JournalResume fill(const std::filesystem::path& path, std::uint64_t count, std::uint64_t at) {
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal);
  JournalResume resume;
  for (std::uint64_t i = 1; i <= count; ++i) {
    REQUIRE(journal->append(envelope_for(i)));
    if (i == at) resume = JournalResume{i, journal->head().hash, journal->head_offset()};
  }
  return resume;
}

std::uint64_t count_records(const Journal& journal, std::uint64_t after) {
  auto cursor = journal.records_since(after);
  REQUIRE(cursor);
  std::uint64_t n = 0, expected = after + 1;
  for (;;) {
    auto entry = cursor->next();
    REQUIRE_MESSAGE(entry, (entry ? "" : entry.error().message));
    if (!entry->has_value()) break;
    CHECK((*entry)->sequence == expected++);
    ++n;
  }
  return n;
}

TEST_CASE("journal resume: a matching resume point scans only after it, and every record is still readable") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto resume = fill(path, 10, 6);
  auto journal = Journal::open(path, StationId(kStation), resume);
  REQUIRE(journal);
  CHECK(journal->resumed());
  CHECK(journal->head().sequence == 10);
  CHECK(count_records(*journal, 0) == 10);   // before the resume point: read from the start
  CHECK(count_records(*journal, 3) == 7);
  CHECK(count_records(*journal, 6) == 4);    // at it
  CHECK(count_records(*journal, 8) == 2);    // after it
  CHECK(journal->append(envelope_for(11)));
  CHECK(count_records(*journal, 10) == 1);
}

TEST_CASE("journal resume: a resume point with another hash, offset or beyond the end is not used") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto resume = fill(path, 10, 6);
  JournalResume wrong_hash = resume;
  wrong_hash.hash = JournalResume{}.hash;
  JournalResume wrong_offset = resume;
  wrong_offset.offset += 1;
  JournalResume beyond = resume;
  beyond.offset = std::filesystem::file_size(path) + 100;
  JournalResume wrong_sequence = resume;
  wrong_sequence.sequence = 7;
  for (const auto& r : {wrong_hash, wrong_offset, beyond, wrong_sequence}) {
    auto journal = Journal::open(path, StationId(kStation), r);
    REQUIRE(journal);
    CHECK_FALSE(journal->resumed());
    CHECK_FALSE(journal->resume_refused().empty());
    CHECK(journal->head().sequence == 10);
  }
}

TEST_CASE("journal resume: damage after the resume point is refused as on a whole scan") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto resume = fill(path, 10, 6);
  Bytes bytes = read_all(path);
  bytes[bytes.size() - 40] ^= std::byte{1};  // inside record 10
  bytes.push_back(std::byte{0});             // and not a torn write
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation), resume);
  CHECK_FALSE(journal);
}

TEST_CASE("journal resume: a record changed before the resume point is caught when it is read") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto resume = fill(path, 10, 6);
  Bytes bytes = read_all(path);
  bytes[resume.offset / 2] ^= std::byte{1};  // inside an early record
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation), resume);
  REQUIRE(journal);  // not scanned at open
  CHECK(journal->resumed());
  auto cursor = journal->records_since(0);
  REQUIRE(cursor);
  bool refused = false;
  for (int i = 0; i < 12 && !refused; ++i) {
    auto entry = cursor->next();
    if (!entry) refused = entry.error().code == ErrorCode::kVerificationFailed;
    else if (!entry->has_value()) break;
  }
  CHECK(refused);
}

}  // namespace
}  // namespace hallmark::station
