#include "station-agent/station/person_events.h"

#include <utility>

#include <fmt/format.h>

#include "verifier/core/dsse.h"
#include "verifier/people/roster.h"

namespace hallmark::station {
namespace {

using Event = v1::Attestation;

Event person_event(Event::Event kind, const v1::Envelope& statement) {
  Event event;
  event.set_event(kind);
  event.set_signed_statement(verifier::envelope_to_json(statement));
  return event;
}

}  // namespace

Result<std::uint64_t> install_roster(StationLine& line, const v1::Envelope& roster) {
  auto verified = people::verify_roster(roster, line.root());
  if (!verified) return std::unexpected(verified.error());
  const v1::PersonRoster& r = verified->roster;
  if (const auto* in_force = line.history().roster();
      in_force != nullptr && r.version() <= in_force->roster.version()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("person roster v{} is not newer than v{}, in force here: a roster is "
                            "never rolled back; install the newest one from the signer host",
                            r.version(), in_force->roster.version()));
  }
  std::size_t here = 0;
  for (const auto& person : r.people()) {
    for (const auto& station : person.station_ids()) here += station == line.station_id().str() ? 1U : 0U;
  }
  Event event = person_event(Event::ROSTER_INSTALLED, roster);
  event.set_detail(fmt::format("person roster v{} (SHA-256 {}): {} of {} people for this station",
                               r.version(), verified->digest.hex(), here, r.people_size()));
  return line.record(event);
}

Result<std::uint64_t> start_session(StationLine& line, const CardSigner& card) {
  auto person = line.history().person(card.key_id, v1::OperatorEntry::OPERATOR, line.now());
  if (!person) return std::unexpected(person.error());
  const std::string name = (*person)->name();
  auto statement = people::sign_session(card, line.station_id().str(), name, line.now());
  if (!statement) return std::unexpected(statement.error());
  auto verified = people::verify_session(*statement, card.public_key, line.station_id().str());
  if (!verified) return std::unexpected(verified.error());
  Event event = person_event(Event::SESSION_START, *statement);
  event.set_operator_session(people::session_id(*statement));
  event.set_operator_name(name);
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
  auto person =
      line.history().person(supervisor.key_id, v1::OperatorEntry::SUPERVISOR, line.now());
  if (!person) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("this card (key id {}) may not release the line: {}. Only a "
                            "supervisor's card on the roster releases a stopped line",
                            supervisor.key_id, person.error().message));
  }
  const std::string name = (*person)->name();
  auto statement = people::sign_break_glass(supervisor, line.station_id().str(), name, stop->sequence,
                                            reason, line.now());
  if (!statement) return std::unexpected(statement.error());
  Event event = person_event(Event::BREAK_GLASS, *statement);
  event.set_reason(std::string(reason));
  event.set_detail(
      fmt::format("line stop at record {} released by supervisor {}", stop->sequence, name));
  event.add_linked_sequences(stop->sequence);
  return line.record(event);
}

}  // namespace hallmark::station
