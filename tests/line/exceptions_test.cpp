// The exceptions around units: label swaps and scrapped devices stop the line until a
// supervisor's break-glass; device faults fail a unit that rework then completes; a changed
// cache, a changing hardware id, foreign eFuses, a missing session or an unsynchronised
// clock are refused; the history survives a reopen and a torn journal tail.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "station-agent/journal/journal_format.h"
#include "station-agent/station/person_events.h"
#include "station-agent/station/station_history.h"
#include "tests/line/line_test_support.h"

namespace hallmark::line::testing {
namespace {

namespace fs = std::filesystem;
using station::UnitMode;
using station::UnitVerdict;

bool says(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE("text was: " << text);
  return false;
}

TEST_CASE("label swap stops the line until a supervisor break-glass with a reason") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto first = lw.device("HW-A");
  REQUIRE(program(*line, release, *first, "SN-1").verdict == UnitVerdict::kPass);

  // Another device carrying SN-1's label.
  auto swapped = lw.device("HW-B");
  const auto stop = program(*line, release, *swapped, "SN-1");
  CHECK(stop.verdict == UnitVerdict::kLineStopped);
  CHECK(says(stop.detail, "already bound to device HW-A"));
  REQUIRE(line->history().line_stop());

  // No further unit, whoever asks.
  auto next = lw.device("HW-C");
  auto refused = try_program(*line, release, *next, "SN-3");
  REQUIRE_FALSE(refused);
  CHECK(says(refused.error().message, "THE LINE IS STOPPED"));

  // An operator's card cannot release it; a reason is required; a supervisor's card can.
  auto by_operator = station::break_glass(*line, lw.card("otto"), "let me through");
  REQUIRE_FALSE(by_operator);
  CHECK(says(by_operator.error().message, "an operator on person roster v1, not a supervisor"));
  auto no_reason = station::break_glass(*line, lw.card("sam"), "  ");
  REQUIRE_FALSE(no_reason);
  auto released = station::break_glass(*line, lw.card("sam"), "relabelled HW-B as SN-2");
  REQUIRE_MESSAGE(released, (released ? "" : released.error().message));
  CHECK_FALSE(line->history().line_stop());
  CHECK(line->history().counts().break_glasses == 1);
  CHECK(program(*line, release, *next, "SN-3").verdict == UnitVerdict::kPass);

  // The bound device under another label stops the line too.
  auto again = try_program(*line, release, *first, "SN-9");
  REQUIRE(again);
  CHECK(again->verdict == UnitVerdict::kLineStopped);
  CHECK(says(again->detail, "already bound to serial SN-1"));
}

TEST_CASE("scrapped device reintroduced stops the line") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-S");
  REQUIRE(program(*line, release, *sim, "SN-S").verdict == UnitVerdict::kPass);
  {
    auto driver = connect(*sim);  // the simulator serves one connection at a time
    auto scrapped = station::scrap_unit(*line, HardwareId(), driver.get(), "cracked enclosure");
    REQUIRE_MESSAGE(scrapped, (scrapped ? "" : scrapped.error().message));
  }
  CHECK(line->history().unit(HardwareId("HW-S")).value()->scrapped);
  const auto back = program(*line, release, *sim, "SN-S", UnitMode::kRework, "try again");
  CHECK(back.verdict == UnitVerdict::kLineStopped);
  CHECK(says(back.detail, "was scrapped"));
}

TEST_CASE("write error mid-flash fails the unit then rework completes it") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  const std::string state = (lw.w.path("dev-w.state")).string();
  auto sim = lw.device("HW-W", {"--state", state, "--fail-write-at", "70000"});
  const auto failed = program(*line, release, *sim, "SN-W");
  CHECK(failed.verdict == UnitVerdict::kFail);
  CHECK(failed.attestation.result() == v1::Attestation::FAIL);
  CHECK(says(failed.detail, "write image"));
  CHECK(line->history().unit(HardwareId("HW-W")).value()->last_result == v1::Attestation::FAIL);

  // Program again is refused: the unit has a record; rework it (device now healthy).
  sim->restart({"--hardware-id", "HW-W", "--state", state});
  auto twice = try_program(*line, release, *sim, "SN-W");
  REQUIRE_FALSE(twice);
  CHECK(says(twice.error().message, "rework"));
  const auto reworked = program(*line, release, *sim, "SN-W", UnitMode::kRework, "flash error");
  CHECK_MESSAGE(reworked.verdict == UnitVerdict::kPass, reworked.detail);
  CHECK(reworked.attestation.event() == v1::Attestation::REWORK);
  REQUIRE(reworked.attestation.linked_sequences_size() == 1);
  CHECK(reworked.attestation.linked_sequences(0) == failed.sequence);
}

TEST_CASE("disconnect mid-flash fails the unit and nothing is reported good") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-D", {"--disconnect-at", "30000"});
  const auto failed = program(*line, release, *sim, "SN-D");
  CHECK(failed.verdict == UnitVerdict::kFail);
  CHECK(line->history().counts().passed == 0);
  CHECK(line->history().counts().failed == 1);
}

TEST_CASE("tampered bundle in the cache is refused before the device is touched") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  const auto head = line->journal().head().sequence;
  REQUIRE(::chmod(release.cached.c_str(), 0644) == 0);
  {
    std::fstream f(release.cached, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(release.cached) / 2));
    const char byte = 0x5a;
    f.write(&byte, 1);
  }
  auto sim = lw.device("HW-T");
  auto refused = try_program(*line, release, *sim, "SN-T");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kVerificationFailed);
  CHECK(line->journal().head().sequence == head);
  CHECK(line->history().unit(HardwareId("HW-T")).value() == nullptr);
}

TEST_CASE("hardware id changing on re-read fails the unit and stops the line") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-R", {"--hardware-id-on-reread", "HW-OTHER"});
  const auto outcome = program(*line, release, *sim, "SN-R");
  CHECK(outcome.verdict == UnitVerdict::kLineStopped);
  CHECK(says(outcome.detail, "hardware id changed"));
  CHECK(line->history().counts().failed == 1);
}

TEST_CASE("device whose eFuses are burned with another key fails and is not bricked further") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-F", {"--efuses-burned"});
  const auto outcome = program(*line, release, *sim, "SN-F");
  CHECK(outcome.verdict == UnitVerdict::kFail);
  CHECK(says(outcome.detail, "already burned with another key"));
}

TEST_CASE("no operator session refuses programming and records nothing") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  REQUIRE(station::end_session(*line));
  const auto release = lw.release(*line);
  const auto head = line->journal().head().sequence;
  auto sim = lw.device("HW-N");
  auto refused = try_program(*line, release, *sim, "SN-N");
  REQUIRE_FALSE(refused);
  CHECK(says(refused.error().message, "no operator is logged in"));
  CHECK(line->journal().head().sequence == head);
}

TEST_CASE("an expired operator session refuses programming, names when it expired and records nothing") {
  LineWorld lw;
  {
    std::ofstream policy(lw.state / "policy.textproto", std::ios::app);
    policy << "session_max_seconds: 1\n";
  }
  auto line = lw.open_line();
  lw.staff(*line);
  const auto session = line->history().session();
  REQUIRE(session);
  CHECK(line->session_expires_unix(*session) == session->started_unix + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const auto release = lw.release(*line);
  const auto head = line->journal().head().sequence;
  auto sim = lw.device("HW-X");
  auto refused = try_program(*line, release, *sim, "SN-X");
  REQUIRE_FALSE(refused);
  CHECK(says(refused.error().message, "expired at"));
  CHECK(says(refused.error().message, "log in again"));
  CHECK(line->journal().head().sequence == head);
}

TEST_CASE("people come from the signer's roster: a card not on it, or for another station, "
          "cannot log in, and an older roster is never installed over a newer one") {
  LineWorld lw;
  auto line = lw.open_line();
  // Before any roster, nobody works here.
  auto nobody = station::start_session(*line, lw.card("olga"));
  REQUIRE_FALSE(nobody);
  CHECK(says(nobody.error().message, "no person roster is installed"));
  lw.staff(*line);
  auto stranger = station::start_session(*line, lw.card("mallory"));
  REQUIRE_FALSE(stranger);
  CHECK(says(stranger.error().message, "is not on person roster v1"));

  // v2 moves otto to another station and adds mallory; v1 can no longer be installed.
  const auto v2 = lw.roster({lw.person("sam", v1::OperatorEntry::SUPERVISOR),
                             lw.person("olga", v1::OperatorEntry::OPERATOR),
                             lw.person("otto", v1::OperatorEntry::OPERATOR, {"station-2"}),
                             lw.person("mallory", v1::OperatorEntry::OPERATOR)},
                            lw.staff_roster());
  REQUIRE(station::install_roster(*line, v2));
  auto moved = station::start_session(*line, lw.card("otto"));
  REQUIRE_FALSE(moved);
  CHECK(says(moved.error().message, "not for station 'station-1'"));
  CHECK(station::start_session(*line, lw.card("mallory")));
  auto rollback = station::install_roster(*line, lw.staff_roster());
  REQUIRE_FALSE(rollback);
  CHECK(says(rollback.error().message, "never rolled back"));

  // The whole history replays the same way from the journal.
  const auto head = line->journal().head().sequence;
  line.reset();
  auto reopened = lw.open_line();
  CHECK(reopened->journal().head().sequence == head);
  CHECK(reopened->history().roster_version() == 2);
  CHECK(reopened->history().session()->operator_name == "mallory");
}

TEST_CASE("unsynchronised clock is refused when the policy requires it and flagged otherwise") {
  LineWorld lw;
  {
    auto line = lw.open_line(false);
    lw.staff(*line);
    const auto release = lw.release(*line);
    auto sim = lw.device("HW-C1");
    const auto flagged = program(*line, release, *sim, "SN-C1");
    CHECK(flagged.verdict == UnitVerdict::kPass);
    CHECK_FALSE(flagged.attestation.clock_synced());
  }
  {
    std::ofstream policy(lw.state / "policy.textproto", std::ios::app);
    policy << "require_synced_clock: true\n";
  }
  auto line = lw.open_line(false);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-C2");
  auto refused = try_program(*line, release, *sim, "SN-C2");
  REQUIRE_FALSE(refused);
  CHECK(says(refused.error().message, "not synchronised"));
}

TEST_CASE("history survives a reopen and a torn journal tail loses no committed unit") {
  LineWorld lw;
  station::JournalHead committed;
  {
    auto line = lw.open_line();
    lw.staff(*line);
    const auto release = lw.release(*line);
    auto a = lw.device("HW-1");
    REQUIRE(program(*line, release, *a, "SN-1").verdict == UnitVerdict::kPass);
    auto swap = lw.device("HW-2");
    REQUIRE(program(*line, release, *swap, "SN-1").verdict == UnitVerdict::kLineStopped);
    committed = line->journal().head();
  }
  // A crash in the middle of the next append: half of the next record's frame at the end.
  {
    const Bytes record = station::encode_record(committed.sequence + 1, committed.hash,
                                                as_bytes(std::string(300, 'e')));
    auto digest = verifier::sha256(record);
    REQUIRE(digest);
    const Bytes frame = station::encode_frame(record, *digest);
    std::ofstream out(station::journal_file(lw.state), std::ios::app | std::ios::binary);
    out << as_chars(ByteView(frame).first(frame.size() / 2));
  }
  auto line = lw.open_line();
  REQUIRE(line->recovered_tail());
  // The cut is itself journaled, first thing: committed records are all still there.
  CHECK(line->journal().head().sequence == committed.sequence + 1);
  CHECK(line->repair_sequence() == committed.sequence + 1);
  CHECK(line->history().line_stop());  // still stopped after the restart
  CHECK(line->history().hardware_id_of(Serial("SN-1")).value() != nullptr);
  CHECK(*line->history().hardware_id_of(Serial("SN-1")).value() == "HW-1");
  CHECK(line->history().session());
}

TEST_CASE("take-over binds a unit started elsewhere so it can be reworked here") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  auto sim = lw.device("HW-X");
  auto driver = connect(*sim);
  auto taken = station::take_over_unit(*line, *driver, Serial("SN-X"), StationId("station-2"),
                                       "station-2 down");
  REQUIRE_MESSAGE(taken, (taken ? "" : taken.error().message));
  driver.reset();  // the simulator serves one connection at a time
  CHECK(taken->attestation.event() == v1::Attestation::TAKE_OVER);
  CHECK(taken->attestation.previous_station_id() == "station-2");
  const auto reworked = program(*line, release, *sim, "SN-X", UnitMode::kRework, "finish");
  CHECK(reworked.verdict == UnitVerdict::kPass);
  CHECK(reworked.attestation.linked_sequences(0) == taken->sequence);
}

}  // namespace
}  // namespace hallmark::line::testing
