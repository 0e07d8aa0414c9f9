// Sealing the journal into segments (journal_seal.h) and exports that read only what is new
// (the export state's resume point): each test names the fault or the cost it covers.
#include <doctest/doctest.h>

#include <filesystem>
#include <utility>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/journal/journal_format.h"
#include "station-agent/journal/journal_seal.h"
#include "tests/journal/journal_test_util.h"
#include "tests/journal/station_test_key.h"
#include "verifier/journal/station_export.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;
using testing::Ed25519Key;
using testing::envelope_for;
using testing::TempDir;

constexpr std::string_view kStation = "line-7-station-2";
constexpr std::int64_t kTime = 1'700'000'000;

struct Fixture {
  TempDir dir;
  Ed25519Key key;
  fs::path file = dir.path() / "journal";
  std::optional<Journal> journal = open();

  Journal open(const std::optional<JournalResume>& resume = {}) {
    auto j = Journal::open(file, StationId(kStation), resume);
    REQUIRE_MESSAGE(j.has_value(), (j ? "" : j.error().message));
    return std::move(*j);
  }
  void reopen() {
    journal.reset();
    journal.emplace(open());
  }
  void append(std::uint64_t count) {
    const std::uint64_t start = journal->head().sequence;
    for (std::uint64_t i = start + 1; i <= start + count; ++i) {
      REQUIRE(journal->append(envelope_for(i)).has_value());
    }
  }
  v1::StationExport export_now(const std::string& name) {
    auto exported = export_journal(*journal, dir.path() / name, kTime, key.station_signer());
    REQUIRE_MESSAGE(exported.has_value(), (exported ? "" : exported.error().message));
    return std::move(*exported);
  }
  SealRequest request(std::uint64_t through, const std::string& out) {
    SealRequest r;
    r.through = through;
    r.out = dir.path() / out;
    r.time_unix = kTime;
    r.acknowledged = [](const JournalEntry&) -> Result<void> { return {}; };
    return r;
  }
  Result<SealResult> seal(std::uint64_t through, const std::string& out) {
    auto sealed = seal_journal(*journal, request(through, out), key.station_signer());
    if (sealed) reopen();
    return sealed;
  }
  v1::StationExport read(const std::string& name) {
    v1::StationExport exported;
    REQUIRE(exported.ParseFromString(std::string(as_chars(testing::read_all(dir.path() / name)))));
    return exported;
  }
};

TEST_CASE("seal: the segment and the live journal chain end to end, and appends go on") {
  Fixture f;
  f.append(6);
  f.export_now("e1");
  const JournalHead head = f.journal->head();
  auto sealed = f.seal(4, "s1.segment");
  REQUIRE_MESSAGE(sealed, (sealed ? "" : sealed.error().message));
  CHECK(f.journal->sealed().sequence == 4);
  CHECK(f.journal->head().sequence == head.sequence);
  CHECK(f.journal->head().hash == head.hash);
  auto segment = verifier::verify_station_export(f.read("s1.segment"), f.key.public_key(), {});
  REQUIRE_MESSAGE(segment, (segment ? "" : segment.error().message));
  CHECK(segment->anchored);
  CHECK(segment->head.sequence == 4);
  CHECK(segment->head.hash == f.journal->sealed().hash);
  f.append(2);
  const v1::StationExport next = f.export_now("e2");
  CHECK(next.first_sequence() == 7);
  // The live journal's records, exported after the segment, link to it.
  auto r = f.journal->records_since(4);
  REQUIRE(r);
  v1::StationExport live;
  live.set_station_id(std::string(kStation));
  live.set_first_sequence(5);
  live.set_last_sequence(8);
  for (;;) {
    auto e = r->next();
    REQUIRE(e);
    if (!*e) break;
    live.add_records(std::string(as_chars((*e)->record_bytes)));
  }
  live.set_checkpoint_envelope(next.checkpoint_envelope());
  CHECK(verifier::verify_station_export(live, f.key.public_key(), segment->head));
  // A second seal continues from the first.
  auto again = f.seal(7, "s2.segment");
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  auto second = verifier::verify_station_export(f.read("s2.segment"), f.key.public_key(),
                                                segment->head);
  REQUIRE_MESSAGE(second, (second ? "" : second.error().message));
  CHECK(second->first_sequence == 5);
}

TEST_CASE("seal: records sealed are no longer read from the journal, and say where they are") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  REQUIRE(f.seal(3, "s.segment"));
  auto before = f.journal->records_since(2);
  REQUIRE_FALSE(before);
  CHECK(before.error().code == ErrorCode::kPolicyRefused);
  CHECK(before.error().message.find("sealed into segments") != std::string::npos);
  CHECK(f.journal->records_since(3));
}

TEST_CASE("seal: records not yet exported are not sealed") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  f.append(2);
  auto sealed = seal_journal(*f.journal, f.request(6, "s.segment"), f.key.station_signer());
  REQUIRE_FALSE(sealed);
  CHECK(sealed.error().code == ErrorCode::kPolicyRefused);
  CHECK(sealed.error().message.find("only records up to 5 were exported") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir.path() / "s.segment"));
}

TEST_CASE("seal: records already sealed, or past the head, are not sealed again") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  REQUIRE(f.seal(3, "s1.segment"));
  auto old = seal_journal(*f.journal, f.request(3, "s2.segment"), f.key.station_signer());
  REQUIRE_FALSE(old);
  CHECK(old.error().message.find("sealed already") != std::string::npos);
  auto past = seal_journal(*f.journal, f.request(6, "s2.segment"), f.key.station_signer());
  REQUIRE_FALSE(past);
  CHECK(past.error().message.find("ends at record 5") != std::string::npos);
}

TEST_CASE("seal: a record the signer did not acknowledge is not sealed and nothing changes") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  const Bytes before = testing::read_all(f.file);
  SealRequest r = f.request(4, "s.segment");
  r.acknowledged = [](const JournalEntry& e) -> Result<void> {
    return fail(ErrorCode::kPolicyRefused, "record " + std::to_string(e.sequence) + " differs");
  };
  auto sealed = seal_journal(*f.journal, r, f.key.station_signer());
  REQUIRE_FALSE(sealed);
  CHECK(sealed.error().code == ErrorCode::kPolicyRefused);
  CHECK(sealed.error().message.find("record 4 differs") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir.path() / "s.segment"));
  CHECK(testing::read_all(f.file) == before);
}

TEST_CASE("seal: an archived segment is never replaced by another seal's") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  testing::write_all(f.dir.path() / "s.segment", to_bytes(std::string("archived")));
  auto sealed = seal_journal(*f.journal, f.request(3, "s.segment"), f.key.station_signer());
  REQUIRE_FALSE(sealed);
  CHECK(testing::read_all(f.dir.path() / "s.segment") == to_bytes(std::string("archived")));
  CHECK(f.journal->sealed().sequence == 0);
}

TEST_CASE("seal: a sealed header whose record hash was changed (check recomputed) is refused") {
  Fixture f;
  f.append(5);
  f.export_now("e1");
  REQUIRE(f.seal(3, "s.segment"));
  f.journal.reset();
  Bytes bytes = testing::read_all(f.file);
  auto header = parse_header(bytes);
  REQUIRE(header);
  verifier::ChainPoint forged = header->sealed;
  Bytes hash(forged.hash.bytes().begin(), forged.hash.bytes().end());
  hash[0] ^= std::byte{1};
  forged.hash = *verifier::Digest::from_bytes(hash);
  auto edited = encode_header(kStation, forged);
  REQUIRE(edited);
  std::copy(edited->begin(), edited->end(), bytes.begin());
  testing::write_all(f.file, bytes);
  auto opened = Journal::open(f.file, StationId(kStation));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("seal: a sealed header naming record 2^63 or beyond (sequences could wrap) is malformed") {
  for (std::uint64_t sealed : {std::uint64_t{1} << 63, ~std::uint64_t{0}}) {
    auto header = encode_header(kStation, verifier::ChainPoint{sealed, verifier::Digest{}});
    REQUIRE(header);
    CHECK_FALSE(parse_header(*header));
  }
  auto fine = encode_header(kStation, verifier::ChainPoint{(std::uint64_t{1} << 63) - 1, {}});
  REQUIRE(fine);
  auto parsed = parse_header(*fine);
  REQUIRE(parsed);
  CHECK(parsed->sealed.sequence == (std::uint64_t{1} << 63) - 1);
}

TEST_CASE("export: the next export reads only the records after the last one, however long the journal") {
  Fixture f;
  f.append(300);
  f.export_now("e1");
  f.append(3);
  f.journal.reset();
  auto state = read_export_state(f.file);
  REQUIRE(state);
  REQUIRE(state->resume);
  CHECK(state->resume->sequence == 300);
  f.journal.emplace(f.open(state->resume));
  CHECK(f.journal->resumed());
  const v1::StationExport second = f.export_now("e2");
  CHECK(second.first_sequence() == 301);
  CHECK(second.records_size() == 3);
  // The resume frame, then the 3 new records twice (checked at open, read by the export):
  // a few, not the 303 of the whole journal.
  CHECK(f.journal->records_read() <= 1 + 2 * 3 + 1);
  auto verified = verifier::verify_station_export(second, f.key.public_key(), std::nullopt);
  CHECK(verified);
}

TEST_CASE("export: a resume point that is not the journal's record costs a whole check, never a wrong export") {
  Fixture f;
  f.append(10);
  f.export_now("e1");
  f.append(2);
  f.journal.reset();
  auto state = read_export_state(f.file);
  REQUIRE(state);
  REQUIRE(state->resume);
  JournalResume wrong = *state->resume;
  wrong.offset -= 1;
  f.journal.emplace(f.open(wrong));
  CHECK_FALSE(f.journal->resumed());
  const v1::StationExport second = f.export_now("e2");
  CHECK(second.first_sequence() == 11);
  CHECK(f.journal->records_read() >= 12);
}

TEST_CASE("export: after a seal the export state moves with the journal and still resumes") {
  Fixture f;
  f.append(20);
  f.export_now("e1");
  REQUIRE(f.seal(15, "s.segment"));
  f.append(2);
  f.export_now("e2");  // records 21..22
  f.append(1);
  f.journal.reset();
  auto state = read_export_state(f.file);
  REQUIRE(state);
  REQUIRE(state->resume);
  f.journal.emplace(f.open(state->resume));
  CHECK(f.journal->resumed());
  CHECK(f.export_now("e3").first_sequence() == 23);
}

TEST_CASE("export: the state written before resume points were kept is still read") {
  Fixture f;
  f.append(3);
  testing::write_all(export_state_path(f.file),
                     to_bytes(std::string("hallmark-journal-export last-sequence 2\n")));
  auto state = read_export_state(f.file);
  REQUIRE(state);
  CHECK(state->last_sequence == 2);
  CHECK_FALSE(state->resume);
  testing::write_all(export_state_path(f.file),
                     to_bytes(std::string("hallmark-journal-export last-sequence 2 hash zz\n")));
  CHECK_FALSE(read_export_state(f.file));
}

}  // namespace
}  // namespace hallmark::station
