// Attacks on the station journal by someone who holds the state directory (or by damage
// that looks like a crash): only a genuinely torn final write is ever cut, and every cut is
// itself a station-signed record that reaches the signer's evidence log.
//
// A torn write is what one interrupted O_APPEND write of one frame leaves: at most one
// frame's worth of zeros or of the next record's frame. Anything else — a length prefix
// changed in the middle of the journal, one above the record limit, a tail longer than one
// frame, a tail that is not the next record — would cut committed records if taken for a
// torn write, so it is refused with the record and byte offset named and the file is left
// as it is.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_format.h"
#include "station-agent/station/station_history.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/journal/journal_test_util.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::envelope_for;
using hallmark::testing::read_all;
using hallmark::testing::TempDir;
using hallmark::testing::write_all;
using station::Journal;

constexpr std::string_view kStation = "line-7-station-2";

// Appends `count` records; returns the file size after each (index 0: header only).
std::vector<std::uint64_t> fill(const fs::path& path, std::uint64_t count) {
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal.has_value());
  std::vector<std::uint64_t> sizes{fs::file_size(path)};
  for (std::uint64_t i = 1; i <= count; ++i) {
    REQUIRE(journal->append(envelope_for(i)).has_value());
    sizes.push_back(fs::file_size(path));
  }
  return sizes;
}

void put_length(Bytes& bytes, std::uint64_t at, std::uint32_t length) {
  Bytes prefix;
  station::put_u32_be(prefix, length);
  std::copy(prefix.begin(), prefix.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
}

// The frame append() writes for record `sequence` after `previous`.
Bytes next_frame(std::uint64_t sequence, const verifier::Digest& previous, std::size_t size = 300) {
  const Bytes record = station::encode_record(sequence, previous, envelope_for(sequence, size));
  auto digest = verifier::sha256(record);
  REQUIRE(digest);
  return station::encode_frame(record, *digest);
}

station::JournalHead head_of(const fs::path& path) {
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal);
  return journal->head();
}

// Opening must fail naming `sequence` and `offset`, and leave `bytes` on disk untouched.
void refused(const fs::path& path, const Bytes& bytes, std::uint64_t sequence,
             std::uint64_t offset) {
  write_all(path, bytes);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().code == ErrorCode::kVerificationFailed);
  const std::string& m = journal.error().message;
  CHECK_MESSAGE(m.find(fmt::format("record {} (offset {})", sequence, offset)) != std::string::npos, m);
  CHECK(m.find("not what an interrupted write leaves") != std::string::npos);
  CHECK(read_all(path) == bytes);  // never "repaired"
}

TEST_CASE("a length prefix corrupted mid-journal to run past the end is refused, not cut") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 5);
  Bytes bytes = read_all(path);
  // Record 2's frame now claims every remaining byte and a few more: an old reader took it
  // for a torn tail and cut records 2 to 5.
  const std::uint64_t remaining = sizes[5] - sizes[1];
  put_length(bytes, sizes[1], static_cast<std::uint32_t>(remaining - station::kFrameOverhead + 3));
  refused(path, bytes, 2, sizes[1]);
}

TEST_CASE("a length prefix corrupted mid-journal to less than one frame past the end is refused, not cut") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  Bytes bytes = read_all(path);
  // Record 3 (the last) claims one byte more than it has: the frame looks incomplete, but its
  // own bytes say the record is shorter than the prefix.
  const std::uint32_t length = static_cast<std::uint32_t>(sizes[3] - sizes[2] - station::kFrameOverhead);
  put_length(bytes, sizes[2], length + 1);
  refused(path, bytes, 3, sizes[2]);
}

TEST_CASE("a length prefix above the record limit is refused, not cut, in the middle or at the end") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  const Bytes good = read_all(path);
  Bytes middle = good;
  put_length(middle, sizes[1], static_cast<std::uint32_t>(station::kMaxJournalRecordBytes + 1));
  refused(path, middle, 2, sizes[1]);
  Bytes last = good;
  put_length(last, sizes[2], 0x7fffffffu);
  refused(path, last, 3, sizes[2]);
}

TEST_CASE("a zero-filled tail longer than one frame is refused, not cut, and one frame of zeros is a torn write") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 2);
  const Bytes good = read_all(path);
  Bytes over = good;
  over.resize(over.size() + station::kMaxFrameBytes + 1);
  refused(path, over, 3, sizes[2]);

  Bytes at_limit = good;
  at_limit.resize(at_limit.size() + station::kMaxFrameBytes);
  write_all(path, at_limit);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
  REQUIRE(journal->recovered_tail());
  CHECK(journal->recovered_tail()->bytes == station::kMaxFrameBytes);
  CHECK(journal->head().sequence == 2);
}

TEST_CASE("a tail that is part of another record's frame is refused, not cut") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 3);
  const Bytes good = read_all(path);
  // Half of record 2's frame again after record 3: the right size for a torn write, but not
  // the start of record 4.
  Bytes bytes = good;
  const auto frame2 = ByteView(good).subspan(sizes[1], sizes[2] - sizes[1]);
  bytes.insert(bytes.end(), frame2.begin(), frame2.begin() + static_cast<std::ptrdiff_t>(frame2.size() / 2));
  refused(path, bytes, 4, sizes[3]);

  // Record 4's frame, but linked to the wrong record.
  Bytes forged = good;
  const Bytes wrong = next_frame(4, *verifier::sha256(as_bytes(std::string_view("another journal"))));
  forged.insert(forged.end(), wrong.begin(), wrong.begin() + static_cast<std::ptrdiff_t>(wrong.size() - 10));
  refused(path, forged, 4, sizes[3]);
}

TEST_CASE("a half-written next record is a torn write that open() reports and only the next append cuts") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  const auto sizes = fill(path, 2);
  const station::JournalHead head = head_of(path);
  const Bytes frame = next_frame(3, head.hash);
  Bytes torn = read_all(path);
  torn.insert(torn.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(frame.size() / 2));
  write_all(path, torn);
  {
    auto journal = Journal::open(path, StationId(kStation));
    REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
    REQUIRE(journal->recovered_tail());
    CHECK(journal->recovered_tail()->offset == sizes[2]);
    CHECK(journal->recovered_tail()->bytes == frame.size() / 2);
  }
  CHECK(read_all(path) == torn);  // nothing cut without a record of the cut
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE(journal);
  REQUIRE(journal->recovered_tail());
  REQUIRE(journal->append(envelope_for(3, 300)));
  CHECK(fs::file_size(path) == sizes[2] + frame.size());
}

TEST_CASE("a torn write whose unwritten blocks read as zeros is still a torn write") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  fill(path, 2);
  const station::JournalHead head = head_of(path);
  const Bytes frame = next_frame(3, head.hash, 9000);
  Bytes torn = read_all(path);
  Bytes partly = frame;
  std::fill(partly.begin() + 4096, partly.end(), std::byte{0});  // the file grew, the block was never written
  torn.insert(torn.end(), partly.begin(), partly.end());
  write_all(path, torn);
  auto journal = Journal::open(path, StationId(kStation));
  REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
  REQUIRE(journal->recovered_tail());
  CHECK(journal->recovered_tail()->reason.find("checksum") != std::string::npos);
  CHECK(journal->head().sequence == 2);
}

// The station line: the cut is a station-signed JOURNAL_REPAIRED record, written first.
TEST_CASE("a torn final write is cut only with a signed JOURNAL_REPAIRED record that the signer countersigns") {
  evidence::testing::EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const station::JournalHead head = w.line->journal().head();
  w.line.reset();
  const fs::path journal = station::journal_file(w.lw.state);
  const std::uint64_t size = fs::file_size(journal);
  const Bytes frame = next_frame(head.sequence + 1, head.hash);
  const std::size_t torn = frame.size() / 3;
  {
    std::ofstream out(journal, std::ios::app | std::ios::binary);
    out << as_chars(ByteView(frame).first(torn));
  }
  w.line = w.lw.open_line();
  REQUIRE(w.line->recovered_tail());
  REQUIRE(w.line->repair_sequence() == head.sequence + 1);
  CHECK(w.line->journal().head().sequence == head.sequence + 1);

  {  // The record is the station's signed statement of the cut, naming offset, bytes and why.
    auto cursor = w.line->journal().records_since(head.sequence);  // shares the journal's lock
    REQUIRE(cursor);
    auto entry = cursor->next();
    REQUIRE(entry);
    REQUIRE(entry->has_value());
    auto event = station::verify_event((*entry)->attestation_envelope, w.line->keys().station_key);
    REQUIRE_MESSAGE(event, (event ? "" : event.error().message));
    CHECK(event->event() == v1::Attestation::JOURNAL_REPAIRED);
    CHECK(event->detail().find(fmt::format("cut {} bytes at offset {}", torn, size)) != std::string::npos);
    CHECK(event->detail().find("incomplete frame") != std::string::npos);
  }

  // The line reopens over it (the history knows the event) and the signer logs it.
  w.line.reset();
  w.line = w.lw.open_line();
  CHECK_FALSE(w.line->recovered_tail());
  auto r = w.countersign({w.export_now("after-crash.export")});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  REQUIRE(r->exports.size() == 1);
  CHECK(r->exports[0].status == evidence::ExportOutcome::Status::kAccepted);
  bool logged = false;
  for (const auto& e : evidence::testing::entries(*w.store)) {
    if (e.station_sequence != head.sequence + 1) continue;
    logged = e.event == v1::Attestation::JOURNAL_REPAIRED;
    v1::ProvisioningManifest manifest;
    REQUIRE(manifest.ParseFromArray(e.manifest.data(), static_cast<int>(e.manifest.size())));
    CHECK(manifest.event() == v1::Attestation::JOURNAL_REPAIRED);
  }
  CHECK(logged);
}

}  // namespace
}  // namespace hallmark::attacks
