// The programming line's commands run as the hallmark-station binary: card init,
// install-roster, login, logout, program, rework, scrap, take-over, break-glass and status. LineWorld
// (line_test_support) makes the trust root, enrols and installs station-1 and takes in the
// full-plan combo-1 bundle; devices are hallmark-devsim simulators. Everything the shift
// does after that goes through the binary, which must answer with the documented exit code
// (0 ok, 1 refused, 2 usage, 3 token) and say what happened. PINs reach the binary only as
// environment variable names, and the station's journal must not grow on a refusal.
#include <doctest/doctest.h>

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "verifier/tool/display_json.h"
#include "hallmark/station.pb.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"
#include "verifier/io/file_io.h"
#include "tests/line/line_test_support.h"
#include "tests/support/run_command.h"
#include "tests/support/text.h"

namespace hallmark::line::testing {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::CommandResult;
using hallmark::testing::contains;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;

constexpr const char* kPinEnv = "HALLMARK_LINE_CLI_PIN";
constexpr const char* kWrongPinEnv = "HALLMARK_LINE_CLI_WRONG_PIN";
constexpr const char* kWrongPin = "wrong-pin-9876";

std::string q(const fs::path& path) { return shell_quote(path.string()); }
std::string card_uri(const std::string& who) { return "pkcs11:token=person-" + who; }
std::string pin_of(const char* env) { return std::string(" env:") + env; }

CommandResult station(const std::string& args) {
  ::setenv(kPinEnv, hallmark::testing::SoftHsmFixture::kUserPin, 1);
  ::setenv(kWrongPinEnv, kWrongPin, 1);
  auto r = run_command(shell_quote(HALLMARK_STATION_BIN) + " " + args);
  // Whatever the command did, no PIN is ever echoed.
  CHECK_FALSE(contains(r.out + r.err, hallmark::testing::SoftHsmFixture::kUserPin));
  CHECK_FALSE(contains(r.out + r.err, kWrongPin));
  return r;
}

std::string said(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A LineWorld driven through the binary: the station token and state dir are filled in.
class CliLine {
 public:
  LineWorld lw;

  std::string line_options(const char* pin_env = kPinEnv) const {
    return " --allow-software-token "
           "--token pkcs11:token=station-1 --pin" + pin_of(pin_env) + " --state " + q(lw.state);
  }

  // `command` with the station options; `global` flags (--json) go before the command.
  CommandResult run(const std::string& command, const std::string& args = "",
                    const std::string& global = "") const {
    return station(global + command + line_options() + " " + args);
  }

  fs::path public_key(const std::string& who) const { return lw.w.path(who + ".pub.pem"); }

  CommandResult card_init(const std::string& who, const std::string& out = "") const {
    return station("card init --allow-software-token "
                   "--card " + card_uri(who) + " --card-pin" + pin_of(kPinEnv) +
                   " --public-key-out " + q(out.empty() ? public_key(who) : lw.w.path(out)));
  }

  // The person roster (signed by the custodians on the signer host, in process) of
  // `people` at station-1, from the public keys their `card init` wrote; its file.
  fs::path roster_file(const std::vector<std::pair<std::string, v1::OperatorEntry::Role>>& people,
                       const std::string& name = "roster.json") {
    std::vector<v1::RosterPerson> listed;
    for (const auto& [who, role] : people) {
      auto pem = hallmark::fileio::read_file(public_key(who), 64 * 1024);
      REQUIRE(pem);
      auto key = verifier::PublicKey::from_pem(as_chars(*pem));
      REQUIRE(key);
      listed.push_back(lw.person_with(who, role, *key));
    }
    const fs::path file = lw.w.path(name);
    const std::string json = verifier::envelope_to_json(lw.roster(std::move(listed)));
    REQUIRE(hallmark::fileio::write_file_atomic(file, as_bytes(json)));
    return file;
  }

  std::string card(const std::string& who) const {
    return "--card " + card_uri(who) + " --card-pin" + pin_of(kPinEnv);
  }

  CommandResult program(const hallmark::testing::DevSim& sim, const std::string& serial,
                        const std::string& global = "") const {
    return run("program", "--serial " + serial + " --device " + shell_quote(sim.uri()) +
                              " --bundle " + kSku, global);
  }

  CommandResult status() const {
    auto r = run("status");
    REQUIRE_MESSAGE(r.exit_code == 0, said(r));
    return r;
  }

  // The "journal N records" count that status prints.
  std::uint64_t journal_records() const {
    const auto r = status();
    std::istringstream in(r.out);
    std::string word;
    while (in >> word) {
      if (word == "journal") {
        std::uint64_t n = 0;
        in >> n;
        return n;
      }
    }
    FAIL("status printed no journal line: " << r.out);
    return 0;
  }

  // sam (supervisor) and olga (operator) on the roster, installed; olga logged in.
  void staff() {
    for (const char* who : {"sam", "olga"}) {
      auto r = card_init(who);
      REQUIRE_MESSAGE(r.exit_code == 0, said(r));
    }
    const auto file = roster_file({{"sam", v1::OperatorEntry::SUPERVISOR},
                                   {"olga", v1::OperatorEntry::OPERATOR}});
    auto installed = run("install-roster", q(file));
    REQUIRE_MESSAGE(installed.exit_code == 0, said(installed));
    auto login = run("login", card("olga"));
    REQUIRE_MESSAGE(login.exit_code == 0, said(login));
  }
};

TEST_CASE("a whole shift through the binary: cards, the roster, login, programming and status") {
  CliLine cli;
  // card init makes one key per card and refuses to make a second.
  auto sam_card = cli.card_init("sam");
  REQUIRE_MESSAGE(sam_card.exit_code == 0, said(sam_card));
  CHECK(contains(sam_card.out, "key id"));
  auto olga_card = cli.card_init("olga");
  REQUIRE_MESSAGE(olga_card.exit_code == 0, said(olga_card));
  CHECK(contains(olga_card.out, "key id"));
  auto again = cli.card_init("sam", "sam-again.pub.pem");
  CHECK_MESSAGE(again.exit_code == 1, said(again));
  // A public key file is never overwritten (checked before the card is touched).
  auto over = cli.card_init("olga", "sam.pub.pem");
  CHECK_MESSAGE(over.exit_code == 2, said(over));

  // Nobody may log in before the roster issued on the signer host is installed.
  auto early = cli.run("login", cli.card("olga"));
  CHECK_MESSAGE(early.exit_code == 1, said(early));
  CHECK_MESSAGE(contains(early.err, "no person roster is installed"), said(early));
  const auto file = cli.roster_file({{"sam", v1::OperatorEntry::SUPERVISOR},
                                     {"olga", v1::OperatorEntry::OPERATOR}});
  auto installed = cli.run("install-roster", q(file));
  REQUIRE_MESSAGE(installed.exit_code == 0, said(installed));
  CHECK(contains(installed.out, "roster       v1"));
  CHECK(contains(installed.out, "person       sam (supervisor"));
  CHECK(contains(installed.out, "person       olga (operator"));
  // The same roster again is not newer: refused, nothing journaled.
  auto again_roster = cli.run("install-roster", q(file));
  CHECK_MESSAGE(again_roster.exit_code == 1, said(again_roster));

  auto login = cli.run("login", cli.card("olga"));
  REQUIRE_MESSAGE(login.exit_code == 0, said(login));
  CHECK(contains(login.out, "logged in    olga"));

  auto first = cli.lw.device("HW-1");
  auto passed = cli.program(*first, "SN-1");
  REQUIRE_MESSAGE(passed.exit_code == 0, said(passed));
  CHECK(contains(passed.out, "PASS"));
  CHECK(contains(passed.out, "hardware id  HW-1"));

  // --json prints the signed attestation in the protobuf JSON mapping, and nothing else.
  auto second = cli.lw.device("HW-2");
  auto json = cli.program(*second, "SN-2", "--json ");
  REQUIRE_MESSAGE(json.exit_code == 0, said(json));
  v1::Attestation attestation;
  REQUIRE_MESSAGE(hallmark::tool::parse_display_json(json.out, attestation), json.out);
  CHECK(attestation.serial() == "SN-2");
  CHECK(attestation.hardware_id() == "HW-2");
  CHECK(attestation.operator_name() == "olga");
  CHECK(attestation.result() == v1::Attestation::PASS);

  const auto status = cli.status();
  CHECK(contains(status.out, "running"));
  CHECK(contains(status.out, "olga"));
  CHECK(contains(status.out, "2 passed"));
  CHECK(contains(status.out, "roster       v1: 2 people for this station"));
  // What an operator needs before a unit: when the session ends, the clock, the bundles.
  CHECK(contains(status.out, "expires"));
  CHECK(contains(status.out, "clock        "));
  CHECK(contains(status.out, "bundles      1 taken in"));
  CHECK(contains(status.out, "combo-1"));

  auto logout = cli.run("logout");
  REQUIRE_MESSAGE(logout.exit_code == 0, said(logout));
  CHECK(contains(logout.out, "logged out   olga"));
  CHECK(contains(cli.status().out, "nobody logged in"));
}

TEST_CASE("label swap through the binary stops the line until a supervisor break-glass") {
  CliLine cli;
  cli.staff();
  auto a = cli.lw.device("HW-A");
  auto first = cli.program(*a, "SN-1");
  REQUIRE_MESSAGE(first.exit_code == 0, said(first));

  // Another device carrying SN-1's label.
  auto b = cli.lw.device("HW-B");
  auto swapped = cli.program(*b, "SN-1");
  CHECK_MESSAGE(swapped.exit_code == 1, said(swapped));
  CHECK_MESSAGE(contains(swapped.err, "THE LINE IS STOPPED"), said(swapped));
  CHECK_MESSAGE(contains(swapped.err, "HW-A"), said(swapped));
  CHECK(contains(swapped.out, "LINE STOPPED"));
  CHECK(contains(cli.status().out, "STOPPED"));

  // No further unit, and an operator's card cannot release the line.
  auto c = cli.lw.device("HW-C");
  auto refused = cli.program(*c, "SN-3");
  CHECK_MESSAGE(refused.exit_code == 1, said(refused));
  CHECK_MESSAGE(contains(refused.err, "THE LINE IS STOPPED"), said(refused));
  auto by_operator = cli.run("break-glass", cli.card("olga") + " --reason 'let me through'");
  CHECK_MESSAGE(by_operator.exit_code == 1, said(by_operator));
  CHECK_MESSAGE(contains(by_operator.err, "not a supervisor"), said(by_operator));
  CHECK(contains(cli.status().out, "STOPPED"));

  auto released = cli.run("break-glass", cli.card("sam") + " --reason 'relabelled HW-B as SN-2'");
  REQUIRE_MESSAGE(released.exit_code == 0, said(released));
  CHECK(contains(released.out, "relabelled HW-B as SN-2"));
  const auto status = cli.status();
  CHECK(contains(status.out, "line         running"));
  CHECK(contains(status.out, "1 line stops, 1 break-glass"));

  auto next = cli.program(*c, "SN-3");
  CHECK_MESSAGE(next.exit_code == 0, said(next));
  CHECK(contains(next.out, "PASS"));
}

TEST_CASE("program without an operator logged in is refused and records nothing") {
  CliLine cli;
  cli.staff();
  auto logout = cli.run("logout");
  REQUIRE_MESSAGE(logout.exit_code == 0, said(logout));
  const auto before = cli.journal_records();
  auto sim = cli.lw.device("HW-N");
  auto refused = cli.program(*sim, "SN-N");
  CHECK_MESSAGE(refused.exit_code == 1, said(refused));
  CHECK_MESSAGE(contains(refused.err, "no operator is logged in"), said(refused));
  CHECK(cli.journal_records() == before);
  CHECK(contains(cli.status().out, "0 passed, 0 failed"));
  // Logging out twice is a usage error, not a record.
  auto twice = cli.run("logout");
  CHECK_MESSAGE(twice.exit_code == 2, said(twice));
  CHECK(cli.journal_records() == before);
}

TEST_CASE("write fault mid-flash fails the unit and rework needs a reason then completes it") {
  CliLine cli;
  cli.staff();
  const std::string device_state = cli.lw.w.path("dev-w.state").string();
  auto sim = cli.lw.device("HW-W", {"--state", device_state, "--fail-write-at", "70000"});
  auto failed = cli.program(*sim, "SN-W");
  CHECK_MESSAGE(failed.exit_code == 1, said(failed));
  CHECK_MESSAGE(contains(failed.err, "FAILED"), said(failed));
  CHECK(contains(failed.out, "result       FAIL"));
  CHECK(contains(cli.status().out, "0 passed, 1 failed"));

  sim->restart({"--hardware-id", "HW-W", "--state", device_state});
  // Programming it again is refused: it has a record, so it is reworked.
  auto twice = cli.program(*sim, "SN-W");
  CHECK_MESSAGE(twice.exit_code == 1, said(twice));
  CHECK_MESSAGE(contains(twice.err, "rework"), said(twice));

  const std::string unit = "--serial SN-W --device " + shell_quote(sim->uri()) + " --bundle " +
                           kSku;
  auto no_reason = cli.run("rework", unit);
  CHECK_MESSAGE(no_reason.exit_code == 2, said(no_reason));
  CHECK(contains(no_reason.err, "--reason"));
  auto reworked = cli.run("rework", unit + " --reason 'flash write error'");
  REQUIRE_MESSAGE(reworked.exit_code == 0, said(reworked));
  CHECK(contains(reworked.out, "PASS"));
  CHECK(contains(cli.status().out, "1 passed, 1 failed, 1 reworked"));
}

TEST_CASE("scrapped unit brought back for rework stops the line") {
  CliLine cli;
  cli.staff();
  auto sim = cli.lw.device("HW-S");
  auto passed = cli.program(*sim, "SN-S");
  REQUIRE_MESSAGE(passed.exit_code == 0, said(passed));

  auto neither = cli.run("scrap", "--reason 'cracked enclosure'");
  CHECK_MESSAGE(neither.exit_code == 2, said(neither));
  auto scrapped =
      cli.run("scrap", "--device " + shell_quote(sim->uri()) + " --reason 'cracked enclosure'");
  REQUIRE_MESSAGE(scrapped.exit_code == 0, said(scrapped));
  CHECK(contains(scrapped.out, "scrapped"));
  CHECK(contains(cli.status().out, "1 scrapped"));

  auto back = cli.run("rework", "--serial SN-S --device " + shell_quote(sim->uri()) +
                                    " --bundle " + kSku + " --reason 'try again'");
  CHECK_MESSAGE(back.exit_code == 1, said(back));
  CHECK_MESSAGE(contains(back.err, "THE LINE IS STOPPED"), said(back));
  CHECK_MESSAGE(contains(back.err, "scrapped"), said(back));
  CHECK(contains(cli.status().out, "STOPPED"));
}

TEST_CASE("take-over binds a unit started elsewhere so rework can finish it here") {
  CliLine cli;
  cli.staff();
  auto sim = cli.lw.device("HW-X");
  const std::string device = " --device " + shell_quote(sim->uri());
  // Rework of a unit this station never saw is refused until it is taken over.
  auto unknown = cli.run("rework", "--serial SN-X" + device + " --bundle " + kSku +
                                       " --reason finish");
  CHECK_MESSAGE(unknown.exit_code == 1, said(unknown));
  auto taken = cli.run("take-over", "--serial SN-X" + device +
                                        " --from-station station-2 --reason 'station-2 down'");
  REQUIRE_MESSAGE(taken.exit_code == 0, said(taken));
  CHECK(contains(taken.out, "hardware id  HW-X"));
  auto reworked = cli.run("rework", "--serial SN-X" + device + " --bundle " + kSku +
                                        " --reason finish");
  REQUIRE_MESSAGE(reworked.exit_code == 0, said(reworked));
  CHECK(contains(reworked.out, "PASS"));
}

TEST_CASE("wrong station token PIN exits 3 and adds no journal record") {
  CliLine cli;
  cli.staff();
  const auto before = cli.journal_records();
  auto sim = cli.lw.device("HW-P");
  auto wrong = station("program" + cli.line_options(kWrongPinEnv) + " --serial SN-P --device " +
                       shell_quote(sim->uri()) + " --bundle " + kSku);
  CHECK_MESSAGE(wrong.exit_code == 3, said(wrong));
  auto status = station("status" + cli.line_options(kWrongPinEnv));
  CHECK_MESSAGE(status.exit_code == 3, said(status));
  CHECK(cli.journal_records() == before);
  CHECK(contains(cli.status().out, "0 passed, 0 failed"));
}

TEST_CASE("every programming line command answers --help with exit 0") {
  // Each command with an option its help must name.
  const std::pair<const char*, const char*> commands[] = {
      {"card init", "--card-pin"}, {"install-roster", "--state"}, {"login", "--card"},
      {"logout", "--token"},       {"program", "--serial"},              {"rework", "--reason"},
      {"scrap", "--hardware-id"},  {"take-over", "--from-station"},      {"break-glass", "--reason"},
      {"status", "--state"}};
  for (const auto& [command, option] : commands) {
    CAPTURE(command);
    auto r = station(std::string(command) + " --help");
    CHECK_MESSAGE(r.exit_code == 0, said(r));
    CHECK_MESSAGE(contains(r.out, option), said(r));
  }
}

}  // namespace
}  // namespace hallmark::line::testing
