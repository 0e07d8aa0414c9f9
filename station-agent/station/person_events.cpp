#include "station-agent/station/person_events.h"

#include <utility>

#include <fmt/format.h>

#include "verifier/core/dsse.h"

namespace hallmark::station {
namespace {

using Event = v1::Attestation;

const v1::OperatorEntry* enrolled_supervisor(const StationLine& line, const CardSigner& card) {
  const v1::OperatorEntry* person = line.history().person(card.key_id);
  if (person == nullptr || person->role() != v1::OperatorEntry::SUPERVISOR) return nullptr;
  return person;
}

Event person_event(Event::Event kind, const v1::Envelope& statement) {
  Event event;
  event.set_event(kind);
  event.set_signed_statement(verifier::envelope_to_json(statement));
  return event;
}

}  // namespace

Result<std::uint64_t> enrol_person(StationLine& line, const CardSigner& supervisor,
                                   const verifier::PublicKey& person_key, const std::string& name,
                                   v1::OperatorEntry::Role role) {
  const auto& history = line.history();
  std::string enrolled_by;
  if (history.roster_empty()) {
    if (role != v1::OperatorEntry::SUPERVISOR || supervisor.key_id != person_key.key_id()) {
      return fail(ErrorCode::kPolicyRefused,
                  "nobody is enrolled at this station yet: the first person must be a "
                  "supervisor, enrolling with their own card");
    }
  } else {
    const v1::OperatorEntry* approver = enrolled_supervisor(line, supervisor);
    if (approver == nullptr) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("the approving card (key id {}) is not an enrolled supervisor's: "
                              "only a supervisor enrols people",
                              supervisor.key_id));
    }
    enrolled_by = approver->name();
  }
  if (const auto* existing = history.person(person_key.key_id())) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the card key {} is already enrolled as '{}': one card, one person "
                            "(no shared accounts)",
                            person_key.key_id(), existing->name()));
  }
  if (history.person_named(name) != nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("'{}' is already enrolled here with another card: a person has "
                            "one card; retire the old one first",
                            name));
  }
  auto entry = make_entry(name, role, person_key, line.now(), enrolled_by);
  if (!entry) return std::unexpected(entry.error());
  auto statement = sign_enrolment(supervisor, line.station_id(), std::move(*entry));
  if (!statement) return std::unexpected(statement.error());
  Event event = person_event(Event::OPERATOR_ENROLLED, *statement);
  event.set_detail(fmt::format("{} enrolled as {}", name,
                               role == v1::OperatorEntry::SUPERVISOR ? "supervisor" : "operator"));
  return line.record(event);
}

Result<std::uint64_t> start_session(StationLine& line, const CardSigner& card) {
  const v1::OperatorEntry* person = line.history().person(card.key_id);
  if (person == nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("this card's key ({}) is not enrolled at station {}: ask a "
                            "supervisor to enrol you (hallmark-station operator add)",
                            card.key_id, line.station_id()));
  }
  auto statement = sign_session(card, line.station_id(), person->name(), line.now());
  if (!statement) return std::unexpected(statement.error());
  auto verified = verify_session(*statement, card.public_key, line.station_id());
  if (!verified) return std::unexpected(verified.error());
  Event event = person_event(Event::SESSION_START, *statement);
  event.set_operator_session(session_id(*statement));
  event.set_operator_name(person->name());
  event.set_operator_key_id(card.key_id);
  return line.record(event);
}

Result<std::uint64_t> end_session(StationLine& line) {
  if (!line.history().session()) return fail(ErrorCode::kUsage, "nobody is logged in");
  Event event;
  event.set_event(Event::SESSION_END);
  return line.record(event);
}

Result<std::uint64_t> break_glass(StationLine& line, const CardSigner& supervisor,
                                  std::string_view reason) {
  const auto& stop = line.history().line_stop();
  if (!stop) return fail(ErrorCode::kPolicyRefused, "the line is not stopped: nothing to release");
  const v1::OperatorEntry* person = enrolled_supervisor(line, supervisor);
  if (person == nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("this card (key id {}) is not an enrolled supervisor's: only a "
                            "supervisor's card releases a stopped line",
                            supervisor.key_id));
  }
  auto statement = sign_break_glass(supervisor, line.station_id(), person->name(), stop->sequence,
                                    reason, line.now());
  if (!statement) return std::unexpected(statement.error());
  Event event = person_event(Event::BREAK_GLASS, *statement);
  event.set_reason(std::string(reason));
  event.set_detail(fmt::format("line stop at record {} released by supervisor {}",
                               stop->sequence, person->name()));
  event.add_linked_sequences(stop->sequence);
  return line.record(event);
}

}  // namespace hallmark::station
