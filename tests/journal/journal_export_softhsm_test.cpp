// `hallmark-station export` run as the binary with the station key on a throwaway SoftHSM
// token (made by `hallmark-station enroll`), checked by `hallmark-verify journal` with the
// station public key from the enrollment request. Covers what export_journal() promises
// (station-agent/journal/journal_export.h): the records after the last recorded export, the
// state advanced only after the export file is committed, so an unrecorded export repeats.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "tests/journal/journal_test_util.h"
#include "tests/support/run_command.h"
#include "testkit/softhsm_fixture.h"
#include "tests/support/text.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"

namespace {

using hallmark::Bytes;
using hallmark::testing::CommandResult;
using hallmark::testing::contains;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
using hallmark::testing::SoftHsmFixture;
namespace fs = std::filesystem;
namespace v1 = hallmark::v1;

constexpr const char* kStationId = "line-3-station-1";

std::string attestation(std::uint64_t n) {
  return "{\"payloadType\":\"unit-" + std::to_string(n) + "\",\"marker\":\"record-" +
         std::to_string(n) + "-body\"}";
}

struct Station {
  SoftHsmFixture hsm{{"station-token"}};
  std::uint64_t appended = 0;

  Station() {
    ::setenv("HALLMARK_TEST_PIN", SoftHsmFixture::kUserPin, 1);
    ::setenv("HALLMARK_WRONG_PIN", "not-the-pin", 1);
    // The station key is made the way a station makes it: by `hallmark-station enroll`.
    auto r = station("enroll --allow-software-token "
                     "--token pkcs11:token=station-token --station-id " +
                     std::string(kStationId) + " --pin env:HALLMARK_TEST_PIN --out " +
                     q("request.json"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const Bytes bytes = hallmark::testing::read_all(path("request.json"));
    auto envelope = hallmark::verifier::parse_envelope_json(hallmark::as_chars(bytes));
    REQUIRE(envelope.has_value());
    v1::StationEnrollment enrollment;
    REQUIRE(enrollment.ParseFromString(envelope->payload()));
    auto key = hallmark::verifier::PublicKey::from_proto(enrollment.station_key());
    REQUIRE(key.has_value());
    hallmark::testing::write_all(path("station.pem"), hallmark::to_bytes(key->to_pem()));
  }

  fs::path path(const std::string& name) const { return hsm.dir() / name; }
  std::string q(const std::string& name) const { return shell_quote(path(name).string()); }

  static CommandResult station(const std::string& args) {
    return run_command(shell_quote(HALLMARK_STATION_BIN) + " " + args);
  }

  // Appends `n` records and closes the journal again (it is flock'd while open).
  void append(int n) {
    auto journal = hallmark::station::Journal::open(path("journal"), hallmark::StationId(kStationId));
    REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().message));
    for (int i = 0; i < n; ++i) {
      auto seq = journal->append(hallmark::to_bytes(attestation(++appended)));
      REQUIRE(seq.has_value());
      REQUIRE(*seq == appended);
    }
  }

  CommandResult export_to(const std::string& out, const std::string& pin_env = "HALLMARK_TEST_PIN",
                          const std::string& journal = "journal") const {
    return station("export --allow-software-token "
                   "--token pkcs11:token=station-token --pin env:" + pin_env +
                   " --journal " + q(journal) + " --station-id " + kStationId + " --out " +
                   q(out));
  }

  CommandResult verify(const std::string& file, const std::string& previous = "") const {
    std::string args = "journal " + q(file) + " --station-key " + q("station.pem");
    if (!previous.empty()) args += " --previous " + q(previous);
    return run_command(shell_quote(HALLMARK_VERIFY_BIN) + " " + args);
  }

  v1::StationExport read_export(const std::string& name) const {
    const Bytes bytes = hallmark::testing::read_all(path(name));
    v1::StationExport exported;
    REQUIRE(exported.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    return exported;
  }

  std::uint64_t last_exported() const {
    auto last = hallmark::station::read_last_exported(path("journal"));
    REQUIRE_MESSAGE(last.has_value(), (last ? "" : last.error().message));
    return *last;
  }
};

// The attestation envelope bytes carried by one exported record.
std::string attestation_of(const std::string& record_bytes) {
  v1::JournalRecord record;
  REQUIRE(record.ParseFromString(record_bytes));
  return record.attestation_envelope();
}

}  // namespace

TEST_CASE("export signs the journal with the token's station key and hallmark-verify accepts it") {
  Station s;
  s.append(3);
  auto r = s.export_to("e1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "station id   " + std::string(kStationId)));
  CHECK(contains(r.out, "records      1..3 (3 records)"));
  const auto exported = s.read_export("e1");
  CHECK(exported.station_id() == kStationId);
  CHECK(exported.first_sequence() == 1);
  CHECK(exported.last_sequence() == 3);
  REQUIRE(exported.records_size() == 3);
  CHECK(attestation_of(exported.records(2)) == attestation(3));
  CHECK(s.last_exported() == 3);

  auto v = s.verify("e1");
  INFO(v.err);
  CHECK(v.exit_code == 0);
  CHECK(contains(v.out, "records      1..3 (3 records)"));
  CHECK(contains(v.out, "anchored"));
  CHECK_FALSE(contains(v.out, "NOT anchored"));
}

TEST_CASE("a second export after new records starts after the last exported sequence") {
  Station s;
  s.append(2);
  REQUIRE(s.export_to("e1").exit_code == 0);
  s.append(3);
  auto r = s.export_to("e2");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "records      3..5 (3 records)"));
  const auto e2 = s.read_export("e2");
  CHECK(e2.first_sequence() == 3);
  CHECK(e2.last_sequence() == 5);
  REQUIRE(e2.records_size() == 3);
  CHECK(attestation_of(e2.records(0)) == attestation(3));
  CHECK(s.last_exported() == 5);

  auto chained = s.verify("e2", "e1");
  INFO(chained.err);
  CHECK(chained.exit_code == 0);
  CHECK(contains(chained.out, "records      3..5 (3 records)"));
  // Alone it verifies but cannot be anchored: the link to e1 is what --previous checks.
  auto alone = s.verify("e2");
  CHECK(alone.exit_code == 0);
  CHECK(contains(alone.out, "NOT anchored"));
}

TEST_CASE("an export reads the records after the last export, not the whole journal") {
  Station s;
  s.append(200);
  auto first = s.export_to("e1");
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(contains(first.out, "(the whole journal)"));
  s.append(2);
  auto r = s.export_to("e2");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "records      201..202 (2 records)"));
  // The resume frame, then the 2 new records checked at open and read for the export.
  CHECK_MESSAGE(contains(r.out, "read         5 journal records (from record 200)"), r.out);
  CHECK(s.verify("e2", "e1").exit_code == 0);
}

TEST_CASE("a second export with no new records carries none and chains to the first") {
  Station s;
  s.append(2);
  REQUIRE(s.export_to("e1").exit_code == 0);
  auto r = s.export_to("e2");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "records      3..2 (0 records)"));
  const auto e2 = s.read_export("e2");
  CHECK(e2.first_sequence() == 3);
  CHECK(e2.last_sequence() == 2);
  CHECK(e2.records_size() == 0);
  CHECK(s.last_exported() == 2);
  auto v = s.verify("e2", "e1");
  INFO(v.err);
  CHECK(v.exit_code == 0);

  // Records after an empty export still continue from e1's head: nothing is skipped.
  s.append(1);
  REQUIRE(s.export_to("e3").exit_code == 0);
  const auto e3 = s.read_export("e3");
  CHECK(e3.first_sequence() == 3);
  CHECK(e3.records_size() == 1);
  CHECK(s.verify("e3", "e1").exit_code == 0);
}

TEST_CASE("an export whose state was never recorded is repeated by the next export") {
  Station s;
  s.append(2);
  REQUIRE(s.export_to("e1").exit_code == 0);
  // A crash between committing e1 and recording the state: the state file is missing.
  fs::remove(hallmark::station::export_state_path(s.path("journal")));
  s.append(1);
  auto r = s.export_to("again");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto again = s.read_export("again");
  CHECK(again.first_sequence() == 1);
  CHECK(again.last_sequence() == 3);
  CHECK(again.records_size() == 3);
  CHECK(s.verify("again").exit_code == 0);
}

TEST_CASE("a wrong PIN exits 3 writes no export and does not advance the export state") {
  Station s;
  s.append(2);
  auto r = s.export_to("e1", "HALLMARK_WRONG_PIN");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "station-token"));
  CHECK_FALSE(contains(r.err + r.out, "not-the-pin"));
  CHECK_FALSE(fs::exists(s.path("e1")));
  CHECK_FALSE(fs::exists(hallmark::station::export_state_path(s.path("journal"))));
  CHECK(s.last_exported() == 0);
}

TEST_CASE("a damaged journal exits 1 naming it before any PIN is asked and exports nothing") {
  Station s;
  s.append(3);
  // Flip one byte inside the first record: damage before the last frame is tampering, not a
  // torn tail, so the journal is refused as it is.
  Bytes bytes = hallmark::testing::read_all(s.path("journal"));
  const std::string text(hallmark::as_chars(bytes));
  const auto at = text.find("record-1-body");
  REQUIRE(at != std::string::npos);
  bytes[at] ^= std::byte{0x01};
  hallmark::testing::write_all(s.path("journal"), bytes);

  auto r = s.export_to("e1");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, s.path("journal").string()));
  CHECK_FALSE(contains(r.err, "PIN state"));  // the token was never opened
  CHECK_FALSE(fs::exists(s.path("e1")));
  CHECK_FALSE(fs::exists(hallmark::station::export_state_path(s.path("journal"))));
  // Left as it was, for the investigation.
  CHECK(hallmark::testing::read_all(s.path("journal")) == bytes);
}

TEST_CASE("a torn journal tail is reported, left for the station to cut and journal, and the committed records are exported") {
  Station s;
  s.append(2);
  const Bytes whole = hallmark::testing::read_all(s.path("journal"));
  s.append(1);
  // Cut the third frame short, as a crash in the middle of its write would.
  Bytes torn = hallmark::testing::read_all(s.path("journal"));
  torn.resize(whole.size() + (torn.size() - whole.size()) / 2);
  hallmark::testing::write_all(s.path("journal"), torn);

  auto r = s.export_to("e1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.err, "ends in a torn write"));
  CHECK(contains(r.err, "JOURNAL_REPAIRED"));
  CHECK(contains(r.out, "records      1..2 (2 records)"));
  CHECK(s.verify("e1").exit_code == 0);
  // Export never appends, so it never cuts: the cut waits for the record of it.
  CHECK(hallmark::testing::read_all(s.path("journal")) == torn);
}

TEST_CASE("export of a journal that does not exist exits 4 and signs nothing") {
  Station s;
  auto r = s.export_to("e1", "HALLMARK_TEST_PIN", "no-such-journal");
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "no-such-journal"));
  CHECK_FALSE(contains(r.err, "PIN state"));
  // A mistyped --journal must not create an empty journal and sign a checkpoint of it.
  CHECK_FALSE(fs::exists(s.path("no-such-journal")));
  CHECK_FALSE(fs::exists(s.path("e1")));
}

TEST_CASE("an export that cannot be written exits 4 and does not advance the export state") {
  Station s;
  s.append(2);
  auto r = s.export_to("no-such-dir/e1");
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "no-such-dir"));
  CHECK(s.last_exported() == 0);
  // The next export still carries every record.
  REQUIRE(s.export_to("e1").exit_code == 0);
  CHECK(s.read_export("e1").first_sequence() == 1);
}
