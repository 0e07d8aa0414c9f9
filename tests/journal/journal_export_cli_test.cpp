// `hallmark-verify journal` exit codes: 0 for a good export (alone or chained with
// --previous), 1 for a tampered export or a gap between exports.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "tests/journal/journal_test_util.h"
#include "tests/journal/station_test_key.h"

namespace hallmark::station {
namespace {

using testing::envelope_for;

int run_verify(const std::string& args) {
  const char* bin = std::getenv("HALLMARK_VERIFY_BIN");
  REQUIRE(bin != nullptr);
  const int status = std::system((std::string(bin) + " journal " + args + " >/dev/null 2>&1").c_str());
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

TEST_CASE("hallmark-verify journal: 0 for good exports, 1 for a tampered one or a gap") {
  testing::TempDir dir;
  const testing::Ed25519Key key;
  const auto pem = dir.path() / "station.pem";
  testing::write_all(pem, to_bytes(key.public_pem()));
  auto journal = Journal::open(dir.path() / "journal", StationId("line-7-station-2"));
  REQUIRE(journal.has_value());
  std::uint64_t n = 0;
  for (const char* name : {"e1", "e2", "e3"}) {
    for (int i = 0; i < 2; ++i) REQUIRE(journal->append(envelope_for(++n)).has_value());
    REQUIRE(export_journal(*journal, dir.path() / name, 1, key.station_signer()).has_value());
  }
  const std::string d = dir.path().string() + "/";
  const std::string key_flag = " --station-key " + pem.string();
  CHECK(run_verify(d + "e1" + key_flag) == 0);
  CHECK(run_verify(d + "e2" + key_flag + " --previous " + d + "e1") == 0);
  CHECK(run_verify(d + "e3" + key_flag + " --previous " + d + "e1") == 1);  // e2 missing

  Bytes bytes = testing::read_all(dir.path() / "e1");
  bytes[bytes.size() / 3] ^= std::byte{0x01};
  testing::write_all(dir.path() / "bad", bytes);
  CHECK(run_verify(d + "bad" + key_flag) == 1);

  const testing::Ed25519Key other;
  testing::write_all(dir.path() / "other.pem", to_bytes(other.public_pem()));
  CHECK(run_verify(d + "e1 --station-key " + d + "other.pem") == 1);
}

}  // namespace
}  // namespace hallmark::station
