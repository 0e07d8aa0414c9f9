#include "signer/evidence/person_findings.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/core/dsse.h"
#include "verifier/people/person_statements.h"

namespace hallmark::evidence {
namespace {

using Event = v1::Attestation;

// The roster in force at the event (the newest issued at or before it), or why none.
Result<const people::VerifiedRoster*> roster_at(const people::RosterHistory& rosters,
                                                std::int64_t time_unix) {
  const people::VerifiedRoster* roster = rosters.in_force_at(time_unix);
  if (roster == nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                "no person roster issued on the signer host was in force at the event (give "
                "the rosters with --roster)");
  }
  return roster;
}

}  // namespace

bool PersonChecker::concerns_people(Event::Event event) {
  return event == Event::ROSTER_INSTALLED || event == Event::SESSION_START ||
         event == Event::BREAK_GLASS || event == Event::OPERATOR_ENROLLED;
}

std::vector<std::string> PersonChecker::problems(const Event& event, const std::string& station_id,
                                                 std::uint64_t sequence) {
  std::vector<std::string> out;
  if (!concerns_people(event.event())) return out;
  if (event.event() == Event::OPERATOR_ENROLLED) {
    out.push_back("the station enrolled a person itself: people are enrolled only by the "
                  "roster issued on the signer host");
    return out;
  }
  auto envelope = verifier::parse_envelope_json(event.signed_statement());
  if (!envelope) {
    out.push_back("the person statement is not a DSSE envelope: " + envelope.error().message);
    return out;
  }
  if (event.event() == Event::ROSTER_INSTALLED) {
    auto roster = people::verify_roster(*envelope, root_);
    if (!roster) {
      out.push_back("the installed person roster does not verify: " + roster.error().message);
    } else if (auto added = rosters_.add(std::move(*roster)); !added) {
      out.push_back(added.error().message);
    }
    return out;
  }
  auto roster = roster_at(rosters_, event.time_unix());
  if (!roster) {
    out.push_back(roster.error().message);
    return out;
  }
  if (event.event() == Event::SESSION_START) {
    auto session = people::verify_session_by(**roster, *envelope, event.operator_key_id(),
                                             station_id, event.time_unix());
    if (!session) {
      out.push_back("the session of '" + event.operator_name() + "': " + session.error().message);
      return out;
    }
    const std::string id = people::session_id(*envelope);
    if (id != event.operator_session()) {
      out.push_back(fmt::format("the event names session {}, but the card signed session {}",
                                event.operator_session(), id));
    }
    if (!sessions_.insert(id).second) {
      out.push_back(fmt::format("session {} was started before: a replayed log-in", id));
    }
    return out;
  }
  // BREAK_GLASS
  auto glass = people::verify_break_glass_by(**roster, *envelope, station_id, event.time_unix());
  if (!glass) {
    out.push_back("the break-glass: " + glass.error().message);
    return out;
  }
  const auto& links = event.linked_sequences();
  if (glass->line_stop_sequence() >= sequence ||
      std::find(links.begin(), links.end(), glass->line_stop_sequence()) == links.end()) {
    out.push_back(fmt::format("the supervisor's break-glass releases the line stop of record {}, "
                              "which this event (record {}) does not name: a replayed "
                              "break-glass",
                              glass->line_stop_sequence(), sequence));
  }
  return out;
}

}  // namespace hallmark::evidence
