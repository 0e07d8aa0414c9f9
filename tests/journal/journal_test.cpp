// Journal round trip, torn-tail recovery at every byte of the last record, and tampering.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_format.h"
#include "tests/journal/journal_test_util.h"

namespace hallmark::station {
namespace {

using testing::envelope_for;
using testing::read_all;
using testing::TempDir;
using testing::write_all;

constexpr std::string_view kStation = "line-7-station-2";

// Appends `count` records; returns the file size after each (index 0: header only).
std::vector<std::uint64_t> fill(const std::filesystem::path& path, std::uint64_t count) {
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal.has_value());
  std::vector<std::uint64_t> sizes{std::filesystem::file_size(path)};
  for (std::uint64_t i = 1; i <= count; ++i) {
    auto seq = journal->append(envelope_for(i));
    REQUIRE(seq.has_value());
    CHECK(*seq == i);
    sizes.push_back(std::filesystem::file_size(path));
  }
  return sizes;
}

// Reads every record through a cursor (which re-verifies the chain).
std::vector<JournalEntry> all_records(const Journal& journal, std::uint64_t after = 0) {
  auto cursor = journal.records_since(after);
  REQUIRE(cursor.has_value());
  std::vector<JournalEntry> out;
  for (;;) {
    auto entry = cursor->next();
    REQUIRE(entry.has_value());
    if (!entry->has_value()) break;
    out.push_back(std::move(**entry));
  }
  return out;
}

TEST_CASE("journal: appended records survive a reopen, in order, with their envelopes") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  fill(path, 5);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal.has_value());
  CHECK_FALSE(journal->recovered_tail().has_value());
  CHECK(journal->head().sequence == 5);
  const auto records = all_records(*journal);
  REQUIRE(records.size() == 5);
  for (std::uint64_t i = 0; i < 5; ++i) {
    CHECK(records[i].sequence == i + 1);
    CHECK(records[i].attestation_envelope == envelope_for(i + 1));
  }
  auto last = verifier::sha256(records[4].record_bytes);
  REQUIRE(last.has_value());
  CHECK(journal->head().hash == *last);
  const auto since = all_records(*journal, 3);
  REQUIRE(since.size() == 2);
  CHECK(since[0].sequence == 4);
  CHECK(all_records(*journal, 5).empty());
  auto next = journal->append(envelope_for(6));
  REQUIRE(next.has_value());
  CHECK(*next == 6);
}

TEST_CASE("journal: another station's journal and a second writer are refused") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  fill(path, 1);
  auto other = Journal::open(path, StationId("line-9-station-1"));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message.find("line-9-station-1") != std::string::npos);
  auto first = Journal::open(path, StationId(kStation));
  REQUIRE(first.has_value());
  auto second = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::kIo);
}

TEST_CASE("journal: a crash at any byte of the last record loses only that record") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  const Bytes full = read_all(path);
  const std::uint64_t start = sizes[2];
  for (std::uint64_t cut = start; cut < sizes[3]; ++cut) {
    CAPTURE(cut);
    write_all(path, ByteView(full).first(cut));
    {
      auto journal = Journal::open(path, StationId(kStation));
      REQUIRE(journal.has_value());
      CHECK(journal->head().sequence == 2);
      if (cut == start) {
        CHECK_FALSE(journal->recovered_tail().has_value());
      } else {
        REQUIRE(journal->recovered_tail().has_value());
        CHECK(journal->recovered_tail()->offset == start);
        CHECK(journal->recovered_tail()->bytes == cut - start);
      }
      CHECK(std::filesystem::file_size(path) == cut);  // open() alone never cuts
      CHECK(all_records(*journal).size() == 2);
      auto seq = journal->append(envelope_for(3));
      REQUIRE(seq.has_value());
      CHECK(*seq == 3);
    }
    auto reopened = Journal::open(path, StationId(kStation));
    REQUIRE(reopened.has_value());
    CHECK_FALSE(reopened->recovered_tail().has_value());
    CHECK(reopened->head().sequence == 3);
    CHECK(read_all(path) == full);  // the re-append is byte-identical to the lost record
  }
}

TEST_CASE("journal: a last record whose checksum fails, or a zero-filled tail, is torn") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 2);
  Bytes bytes = read_all(path);
  bytes[sizes[2] - 10] ^= std::byte{0x01};  // in the last record's envelope
  write_all(path, bytes);
  {
    auto journal = Journal::open(path, StationId(kStation));
    REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().message));
    CHECK(journal->head().sequence == 1);
    REQUIRE(journal->recovered_tail().has_value());
    CHECK(journal->recovered_tail()->reason.find("checksum") != std::string::npos);
  }
  Bytes zeros = read_all(path);
  zeros.resize(sizes[1]);  // what a cut would have left (open() alone cuts nothing)
  zeros.resize(zeros.size() + 4096);
  write_all(path, zeros);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal.has_value());
  CHECK(journal->head().sequence == 1);
  REQUIRE(journal->recovered_tail().has_value());
  CHECK(journal->recovered_tail()->bytes == 4096);
}

TEST_CASE("journal: every encoded record starts with the frame prefix open() expects of a torn write") {
  const verifier::Digest previous = *verifier::sha256(as_bytes(std::string_view("previous")));
  for (std::size_t size : {std::size_t{1}, std::size_t{127}, std::size_t{128}, std::size_t{20000},
                           std::size_t{3'000'000}}) {
    CAPTURE(size);
    for (std::uint64_t sequence : {std::uint64_t{1}, std::uint64_t{300}, std::uint64_t{1} << 40}) {
      const Bytes record = encode_record(sequence, previous, Bytes(size, std::byte{'x'}));
      auto digest = verifier::sha256(record);
      REQUIRE(digest);
      const Bytes frame = encode_frame(record, *digest);
      const auto prefix = frame_prefix(sequence, previous, static_cast<std::uint32_t>(record.size()));
      REQUIRE(prefix.has_value());
      REQUIRE(prefix->size() < frame.size());
      CHECK(std::equal(prefix->begin(), prefix->end(), frame.begin()));
    }
  }
  CHECK_FALSE(frame_prefix(1, previous, 10).has_value());  // too short for any record
}

TEST_CASE("journal: a flipped byte in an earlier record is refused, naming the record") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  Bytes bytes = read_all(path);
  bytes[sizes[1] + 20] ^= std::byte{0x40};  // inside record 2
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().code == ErrorCode::kVerificationFailed);
  CHECK(journal.error().message.find("record 2") != std::string::npos);
  CHECK(read_all(path) == bytes);  // never "repaired"
}

TEST_CASE("journal: an edited record with a recomputed checksum breaks the chain") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  Bytes bytes = read_all(path);
  const std::size_t body = sizes[0] + 4;
  const std::size_t length = sizes[1] - sizes[0] - kFrameOverhead;
  bytes[body + length - 1] ^= std::byte{0x01};  // last envelope byte of record 1
  auto digest = verifier::sha256(ByteView(bytes).subspan(body, length));
  REQUIRE(digest.has_value());
  Bytes check;
  put_u32_be(check, frame_check(*digest));
  std::copy(check.begin(), check.end(), bytes.begin() + static_cast<std::ptrdiff_t>(body + length));
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().message.find("record 2") != std::string::npos);
  CHECK(journal.error().message.find("chain") != std::string::npos);
}

TEST_CASE("journal: a removed or reordered record is refused") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  const Bytes full = read_all(path);
  auto frame = [&](std::size_t i) { return ByteView(full).subspan(sizes[i - 1], sizes[i] - sizes[i - 1]); };
  auto header = ByteView(full).first(sizes[0]);

  Bytes removed(header.begin(), header.end());
  for (std::size_t i : {1u, 3u}) removed.insert(removed.end(), frame(i).begin(), frame(i).end());
  write_all(path, removed);
  auto a = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(a.has_value());
  CHECK(a.error().message.find("sequence 3, expected 2") != std::string::npos);

  Bytes swapped(header.begin(), header.end());
  for (std::size_t i : {1u, 3u, 2u}) swapped.insert(swapped.end(), frame(i).begin(), frame(i).end());
  write_all(path, swapped);
  auto b = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().code == ErrorCode::kVerificationFailed);
  CHECK(b.error().message.find("record 2") != std::string::npos);
}

TEST_CASE("journal: a damaged header is refused") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  fill(path, 1);
  Bytes bytes = read_all(path);
  bytes[kJournalMagic.size() + 3] ^= std::byte{0x01};  // station id byte
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().code == ErrorCode::kVerificationFailed);
}

}  // namespace
}  // namespace hallmark::station
