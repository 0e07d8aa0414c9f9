// hallmark-signer's evidence commands as an operator runs them: countersign (exit codes,
// the evidence key on the signer-hsm SoftHSM token), query in its three formats, report
// and retention export, on exports made by the station code.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "station-agent/station/person_events.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/support/run_command.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/tool/display_json.h"

namespace hallmark::evidence::testing {
namespace {

using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
namespace fs = std::filesystem;
constexpr const char* kPinEnv = "HALLMARK_EVIDENCE_CLI_PIN";

CommandResult signer(const std::string& args) {
  ::setenv(kPinEnv, hallmark::testing::SoftHsmFixture::kUserPin, 1);
  return run_command(shell_quote(HALLMARK_SIGNER_BIN) + " " + args);
}

fs::path write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
  return path;
}

struct CliWorld {
  EvidenceWorld w;
  std::string store = w.path("cli-evidence.db").string();
  std::string common;

  CliWorld() {
    const auto root = write(w.path("trust-root-v1.json"), verifier::envelope_to_json(w.lw.w.v1_root));
    const auto registration = write(w.path("station-1.registration.json"),
                                    verifier::envelope_to_json(w.lw.station.registration));
    common = " --store " + shell_quote(store) + " --trust-root " + shell_quote(root.string()) +
             " --registration " + shell_quote(registration.string()) + " --release " +
             shell_quote(w.lw.promoted.string()) +
             " --allow-software-token "
             "--key 'pkcs11:token=signer-hsm;object=evidence' --pin env:" + kPinEnv;
  }
};

}  // namespace

TEST_CASE("signer countersign: exit 0 and one signature for a good export and exit 1 naming a tampered one and a replay reported") {
  CliWorld c;
  c.w.program("SN-0001", "HW-A1");
  const auto good = c.w.export_now("good.export");
  auto r = signer("countersign " + shell_quote(good.string()) + c.common + " --manifests " +
                  shell_quote(c.w.path("manifests").string()));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("ACCEPTED") != std::string::npos);
  CHECK(r.out.find("1 signature for the batch") != std::string::npos);
  CHECK(fs::exists(c.w.path("manifests")));
  CHECK_FALSE(fs::is_empty(c.w.path("manifests")));

  auto again = signer("countersign " + shell_quote(good.string()) + c.common + " --json");
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("\"replay\"") != std::string::npos);
  CHECK(again.out.find("\"evidenceSignatures\"") == std::string::npos);  // 0: not printed

  // A run stopped after its commit left manifest files unwritten (here: removed): the same
  // countersign again finds the export countersigned and writes them, checking the rest.
  std::size_t files = 0;
  std::optional<fs::path> lost;
  for (const auto& e : fs::directory_iterator(c.w.path("manifests"))) {
    ++files;
    lost = e.path();
  }
  REQUIRE(lost);
  fs::remove(*lost);
  auto rerun = signer("countersign " + shell_quote(good.string()) + c.common + " --manifests " +
                      shell_quote(c.w.path("manifests").string()));
  INFO(rerun.err);
  CHECK(rerun.exit_code == 0);
  CHECK(rerun.out.find("REPLAY") != std::string::npos);
  CHECK(fs::exists(*lost));
  const std::string present =
      files > 1 ? fmt::format(" ({} already there, identical)", files - 1) : std::string();
  CHECK(rerun.err.find(fmt::format("Wrote 1 manifest files to {}{}\n",
                                   c.w.path("manifests").string(), present)) != std::string::npos);

  c.w.program("SN-0002", "HW-B2");
  const auto next = c.w.export_now("next.export");
  const auto bad = c.w.path("bad.export");
  fs::copy_file(next, bad);
  {
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  auto refused = signer("countersign " + shell_quote(bad.string()) + c.common);
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.find("REFUSED") != std::string::npos);
  CHECK(refused.out.find(bad.string()) != std::string::npos);
}

TEST_CASE("signer query and report and retention export answer from the store and bad input is a usage error") {
  CliWorld c;
  c.w.program("SN-0001", "HW-A1");
  c.w.program("SN-0002", "HW-B2");
  REQUIRE(signer("countersign " + shell_quote(c.w.export_now("shift.export").string()) + c.common)
              .exit_code == 0);
  const std::string store = " --store " + shell_quote(c.store);

  auto text = signer("query" + store + " --serial SN-0001");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("HW-A1") != std::string::npos);
  CHECK(text.out.find("1 entries") != std::string::npos);
  auto csv = signer("query" + store + " --hardware-id HW-B2 --csv");
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.rfind("log_index,", 0) == 0);
  CHECK(csv.out.find("SN-0002") != std::string::npos);
  auto json = signer("--json query" + store + " --serial SN-0002");
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.find("\"serial\":\"SN-0002\"") != std::string::npos);
  CHECK(signer("query" + store + " --firmware not-hex").exit_code == 2);
  CHECK(signer("query" + store + " --from 2026-13-01").exit_code == 2);

  auto report = signer("report" + store + " --week " + verifier::iso_week(c.w.now()));
  REQUIRE(report.exit_code == 0);
  CHECK(report.out.find("station-1") != std::string::npos);
  CHECK(signer("report" + store + " --week 47").exit_code == 2);

  const std::string day = verifier::utc_day(c.w.now());
  const std::string out = " --out " + shell_quote(c.w.path("retention").string());
  auto segment = signer("retention export" + store + " --day " + day + out);
  INFO(segment.err);
  REQUIRE(segment.exit_code == 0);
  auto twice = signer("retention export" + store + " --day " + day + out);
  CHECK(twice.exit_code == 4);
  CHECK(twice.err.find("write-once") != std::string::npos);
}

// "This week's exceptions, with who and why" took query --json and a reading of base64;
// break-glass rows had no serial and a unit scrapped after it passed was listed as PASS.
TEST_CASE("signer query --exceptions --week: every exception with who and why and findings by kind, in text, CSV and JSON") {
  CliWorld c;
  c.w.program("SN-0001", "HW-A1");
  // Board HW-B2 carries SN-0001's label: the line stops; sam releases it with his card.
  c.w.record(v1::Attestation::LINE_STOP, "SN-0001", "HW-B2");
  auto released = station::break_glass(*c.w.line, c.w.lw.card("sam"), "board HW-B2 relabelled");
  REQUIRE_MESSAGE(released, (released ? "" : released.error().message));
  c.w.record(v1::Attestation::SCRAP, "SN-0001", "HW-A1");
  c.w.record(v1::Attestation::PROGRAM, "SN-0003", "HW-C3", /*clock_synced=*/false);
  auto cs = signer("countersign " + shell_quote(c.w.export_now("shift.export").string()) + c.common);
  REQUIRE_MESSAGE(cs.exit_code == 0, cs.err);
  const std::string store = " --store " + shell_quote(c.store);
  const std::string week = " --week " + verifier::iso_week(c.w.now());

  auto text = signer("query" + store + " --exceptions" + week);
  REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  CHECK(text.out.find("supervisor sam (operator olga)") != std::string::npos);
  CHECK(text.out.find("board HW-B2 relabelled") != std::string::npos);
  CHECK(text.out.find("CLOCK_UNSYNCED") != std::string::npos);
  CHECK(text.out.find("SESSION_START") == std::string::npos);  // not an exception

  auto csv = signer("query" + store + " --exceptions --csv" + week);
  REQUIRE(csv.exit_code == 0);
  bool glass_row = false;
  std::istringstream rows(csv.out);
  for (std::string row; std::getline(rows, row);) {
    if (row.find(",BREAK_GLASS,") == std::string::npos) continue;
    glass_row = true;
    CHECK(row.find(",SN-0001,") != std::string::npos);  // the serial of the line stop released
    CHECK(row.find(",olga,sam,board HW-B2 relabelled,") != std::string::npos);
  }
  CHECK(glass_row);

  auto json = signer("--json query" + store + " --exceptions --event BREAK_GLASS" + week);
  REQUIRE(json.exit_code == 0);
  v1::LogEntryRecord record;
  REQUIRE(tool::parse_display_json(json.out, record));
  CHECK(record.supervisor_name() == "sam");
  CHECK(record.released_serial() == "SN-0001");
  CHECK(record.why() == "board HW-B2 relabelled");
  CHECK(json.out.find("\"eventUtc\":\"" + verifier::format_utc(record.manifest().event_unix())) !=
        std::string::npos);

  // Filters compose: one unsynchronised event, by its finding's kind.
  auto clock = signer("query" + store + " --finding clock_unsynced --csv");
  REQUIRE(clock.exit_code == 0);
  CHECK(std::count(clock.out.begin(), clock.out.end(), '\n') == 2);
  CHECK(clock.out.find(",SN-0003,") != std::string::npos);
  auto passed = signer("query" + store + " --event PROGRAM --result PASS --serial SN-0001");
  REQUIRE(passed.exit_code == 0);
  CHECK(passed.out.find("PASS (scrapped at entry") != std::string::npos);
  CHECK(passed.out.find("1 entries") != std::string::npos);

  CHECK(signer("query" + store + " --event NOT_AN_EVENT").exit_code == 2);
  CHECK(signer("query" + store + " --finding CLOCK").exit_code == 2);
  CHECK(signer("query" + store + " --week 2026-W54").exit_code == 2);
}

}  // namespace hallmark::evidence::testing
