// Attacks by someone who holds a station, its state directory or its token, on what the
// evidence says people did: copied records (a break-glass or a log-in replayed as a new,
// correctly chained record), people the station invents (a supervisor not on the roster, an
// enrolment by the station itself, a roster the station signs), and card statements
// re-wrapped by the station token for another line stop or another session. Each forged
// input is made with the product's own formats: the real journal, real station-token
// signatures on SoftHSM, real card signatures. The station's replay refuses it and
// countersign refuses the export (a copy) or flags the event (PERSON_UNVERIFIED).
#include <doctest/doctest.h>
#include <google/protobuf/message_lite.h>

#include <filesystem>
#include <string>

#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/station/person_events.h"
#include "station-agent/station/station_history.h"
#include "signer/evidence/weekly_report.h"
#include "tests/evidence/evidence_test_support.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;
using evidence::testing::EvidenceWorld;
using Event = v1::Attestation;
using Status = evidence::ExportOutcome::Status;

bool says(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE("text was: " << text);
  return false;
}

// The attacker's hands on station-1 after its line is closed: the journal file and the
// station token (its signing function).
class Station {
 public:
  explicit Station(EvidenceWorld& ew)
      : ew_(ew), keys_(ew.line->keys()), path_(station::journal_file(ew.lw.state)) {
    ew.line.reset();  // the line's lock is released: the attacker writes the journal
  }

  // The envelope of record `sequence`.
  std::string envelope_of(std::uint64_t sequence) const {
    auto journal = open();
    auto cursor = journal.records_since(sequence - 1);
    REQUIRE(cursor);
    auto entry = cursor->next();
    REQUIRE(entry);
    REQUIRE(entry->has_value());
    return std::string(as_chars((*entry)->attestation_envelope));
  }
  Event event_of(std::uint64_t sequence) const {
    auto event = station::verify_event(as_bytes(envelope_of(sequence)), keys_.station_key);
    REQUIRE(event);
    return *event;
  }

  // Appends `envelope_json` as the next, correctly chained record; its sequence.
  std::uint64_t append(const std::string& envelope_json) const {
    auto journal = open();
    auto appended = journal.append(as_bytes(envelope_json));
    REQUIRE_MESSAGE(appended, (appended ? "" : appended.error().message));
    return *appended;
  }

  // Any document of payload type `type` signed by the station token.
  v1::Envelope sign_document(std::string_view type,
                             const google::protobuf::MessageLite& message) const {
    auto envelope = verifier::sign_envelope(verifier::payload_type_of(type),
                                            verifier::deterministic_bytes(message),
                                            keys_.station_key.key_id(), keys_.sign_event);
    REQUIRE(envelope);
    return *envelope;
  }

  // Signs `event` with the station token for the next record, as the station would (an
  // event that names no operator session gets the one open, as the station fills it in).
  std::uint64_t sign_and_append(Event event) const {
    const std::uint64_t next = open().head().sequence + 1;
    if (event.operator_session().empty() && event.event() != Event::SESSION_START) {
      const Event last = event_of(next - 1);
      if (last.event() != Event::SESSION_END) {
        event.set_operator_session(last.operator_session());
        event.set_operator_name(last.operator_name());
        event.set_operator_key_id(last.operator_key_id());
      }
    }
    event.set_station_id(line::testing::kStationId);
    event.set_monotonic_counter(next);
    event.set_time_unix(ew_.now());
    event.set_clock_synced(true);
    return append(verifier::envelope_to_json(sign_document("attestation", event)));
  }

  // The journal exported (since the last export) with a checkpoint by the station token.
  fs::path export_now(const std::string& name) const {
    auto journal = open();
    const fs::path out = ew_.path(name);
    auto exported = station::export_journal(journal, out, ew_.now(), keys_.station_signer);
    REQUIRE_MESSAGE(exported, (exported ? "" : exported.error().message));
    return out;
  }

  // Why the station refuses to open its line now (the test fails if it opens).
  std::string refusal() const {
    auto line = ew_.lw.try_open_line();
    REQUIRE_FALSE(line);
    return line.error().message;
  }

 private:
  station::Journal open() const {
    auto journal = station::Journal::open(path_, StationId(line::testing::kStationId));
    REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
    return std::move(*journal);
  }

  EvidenceWorld& ew_;
  station::StationKeys keys_;
  fs::path path_;
};

// A label swap on the line: the LINE_STOP record's sequence.
std::uint64_t stop_line(EvidenceWorld& ew, const std::string& hardware_id,
                        const std::string& serial) {
  auto sim = ew.lw.device(hardware_id);
  auto stop = line::testing::program(*ew.line, ew.release, *sim, serial);
  REQUIRE(stop.verdict == station::UnitVerdict::kLineStopped);
  return ew.line->history().line_stop()->sequence;
}

std::uint64_t release_line(EvidenceWorld& ew) {
  auto released = station::break_glass(*ew.line, ew.lw.card("sam"), "relabelled the board");
  REQUIRE_MESSAGE(released, (released ? "" : released.error().message));
  return *released;
}

// Countersign `export_file`; the outcome of its one export.
evidence::ExportOutcome countersign_one(EvidenceWorld& ew, const fs::path& export_file) {
  auto r = ew.countersign({export_file});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  REQUIRE(r->exports.size() == 1);
  return r->exports[0];
}

bool flagged(EvidenceWorld& ew, std::uint64_t sequence, v1::Finding::Kind kind) {
  for (const auto& entry : evidence::testing::entries(*ew.store)) {
    if (entry.station_sequence != sequence) continue;
    return evidence::testing::has_finding(entry, kind);
  }
  FAIL("record " << sequence << " is not in the log");
  return false;
}

}  // namespace

TEST_CASE("a copied BREAK_GLASS record re-appended as a new chained record releases nothing: "
          "the station's replay and countersign refuse it") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  stop_line(ew, "HW-B", "SN-1");
  const std::uint64_t glass = release_line(ew);
  stop_line(ew, "HW-C", "SN-1");  // the line is stopped again
  Station station(ew);
  const std::uint64_t copy = station.append(station.envelope_of(glass));

  CHECK(says(station.refusal(), "a copied record"));
  const auto outcome = countersign_one(ew, station.export_now("forged.export"));
  CHECK(outcome.status == Status::kRefused);
  CHECK(says(outcome.refusal, "record " + std::to_string(copy)));
  CHECK(evidence::testing::entries(*ew.store).empty());
}

TEST_CASE("a copied SESSION_START record re-opens no session: the replay refuses it") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  const std::uint64_t login = 2;  // staff(): roster installed (1), olga logged in (2)
  REQUIRE(ew.line->journal().head().sequence >= login);
  REQUIRE(station::end_session(*ew.line));
  Station station(ew);
  REQUIRE(station.event_of(login).event() == Event::SESSION_START);
  station.append(station.envelope_of(login));
  CHECK(says(station.refusal(), "a copied record"));
  const auto outcome = countersign_one(ew, station.export_now("forged.export"));
  CHECK(outcome.status == Status::kRefused);
}

TEST_CASE("an old supervisor break-glass re-signed by the station token for a new line stop is "
          "refused by the replay and flagged by countersign") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  stop_line(ew, "HW-B", "SN-1");
  const std::uint64_t glass = release_line(ew);
  const std::uint64_t second_stop = stop_line(ew, "HW-C", "SN-1");
  Station station(ew);
  Event forged = station.event_of(glass);  // sam's card statement names the first stop
  forged.clear_linked_sequences();
  forged.add_linked_sequences(second_stop);
  const std::uint64_t seq = station.sign_and_append(forged);

  CHECK(says(station.refusal(), "a replayed break-glass"));
  const auto outcome = countersign_one(ew, station.export_now("forged.export"));
  REQUIRE(outcome.status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
  CHECK_FALSE(flagged(ew, glass, v1::Finding::PERSON_UNVERIFIED));
}

TEST_CASE("a supervisor invented by the station (a card not on the roster) cannot release the "
          "line: refused by the replay, flagged by countersign") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  const std::uint64_t stop = stop_line(ew, "HW-B", "SN-1");
  // The station makes a card of its own and signs the statement with it.
  const auto mallory = ew.lw.card("mallory");
  auto statement = people::sign_break_glass(mallory, line::testing::kStationId, "mallory", stop,
                                            "nothing to see", ew.now());
  REQUIRE(statement);
  Station station(ew);
  Event forged;
  forged.set_event(Event::BREAK_GLASS);
  forged.set_signed_statement(verifier::envelope_to_json(*statement));
  forged.set_reason("nothing to see");
  forged.add_linked_sequences(stop);
  const std::uint64_t seq = station.sign_and_append(forged);

  CHECK(says(station.refusal(), "is not on person roster v1"));
  const auto outcome = countersign_one(ew, station.export_now("forged.export"));
  REQUIRE(outcome.status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
  // The week's report shows it for the station.
  auto report = evidence::weekly_report(*ew.store, verifier::iso_week(ew.now()));
  REQUIRE(report);
  REQUIRE(report->stations_size() == 1);
  CHECK(report->stations(0).person_findings() == 1);
}

TEST_CASE("an operator promoted to supervisor by the station: an operator's card cannot release "
          "the line, whatever the station signs around it") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  const std::uint64_t stop = stop_line(ew, "HW-B", "SN-1");
  auto statement = people::sign_break_glass(ew.lw.card("otto"), line::testing::kStationId,
                                            "otto", stop, "I am in charge tonight", ew.now());
  REQUIRE(statement);
  Station station(ew);
  Event forged;
  forged.set_event(Event::BREAK_GLASS);
  forged.set_signed_statement(verifier::envelope_to_json(*statement));
  forged.add_linked_sequences(stop);
  const std::uint64_t seq = station.sign_and_append(forged);
  CHECK(says(station.refusal(), "not a supervisor"));
  REQUIRE(countersign_one(ew, station.export_now("forged.export")).status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
}

TEST_CASE("a person enrolled by the station itself (trust on first use) is refused by the "
          "replay and flagged by countersign") {
  EvidenceWorld ew;
  Station station(ew);
  Event forged;
  forged.set_event(Event::OPERATOR_ENROLLED);
  forged.set_detail("mallory enrolled as supervisor");
  const std::uint64_t seq = station.sign_and_append(forged);
  CHECK(says(station.refusal(), "enrolled by the station itself"));
  REQUIRE(countersign_one(ew, station.export_now("forged.export")).status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
}

TEST_CASE("a roster the station signs with its own token is refused by the replay and flagged "
          "by countersign") {
  EvidenceWorld ew;
  Station station(ew);
  v1::PersonRoster roster;
  roster.set_version(9);
  roster.set_trust_root_version(1);
  roster.set_issued_unix(ew.now());
  v1::RosterPerson* mallory = roster.add_people();
  mallory->set_name("mallory");
  mallory->set_role(v1::OperatorEntry::SUPERVISOR);
  *mallory->mutable_key() = ew.lw.card("mallory").public_key.to_proto();
  mallory->add_station_ids(line::testing::kStationId);
  Event forged;
  forged.set_event(Event::ROSTER_INSTALLED);
  forged.set_signed_statement(
      verifier::envelope_to_json(station.sign_document(people::kPersonRosterType, roster)));
  const std::uint64_t seq = station.sign_and_append(forged);
  CHECK(says(station.refusal(), "not signed by a threshold of the root role"));
  REQUIRE(countersign_one(ew, station.export_now("forged.export")).status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
}

TEST_CASE("an operator's card-signed session re-wrapped by the station token as a new log-in is "
          "refused by the replay and flagged by countersign") {
  EvidenceWorld ew;
  const std::uint64_t login = 2;
  REQUIRE(station::end_session(*ew.line));
  Station station(ew);
  Event forged = station.event_of(login);
  REQUIRE(forged.event() == Event::SESSION_START);
  const std::uint64_t seq = station.sign_and_append(forged);
  CHECK(says(station.refusal(), "used once"));
  REQUIRE(countersign_one(ew, station.export_now("forged.export")).status == Status::kAccepted);
  CHECK(flagged(ew, seq, v1::Finding::PERSON_UNVERIFIED));
  CHECK_FALSE(flagged(ew, login, v1::Finding::PERSON_UNVERIFIED));
}

TEST_CASE("a unit attributed to an operator who logged out (the station token signs a PROGRAM "
          "naming her closed session) is refused by the replay") {
  EvidenceWorld ew;
  ew.program("SN-1", "HW-A");
  const std::uint64_t unit = ew.line->journal().head().sequence;
  REQUIRE(station::end_session(*ew.line));
  Station station(ew);
  Event forged = station.event_of(unit);  // olga's session, closed since
  forged.set_serial("SN-2");
  forged.set_hardware_id("HW-B");
  station.sign_and_append(forged);
  CHECK(says(station.refusal(), "attributed to someone not logged in"));
}

}  // namespace hallmark::attacks
