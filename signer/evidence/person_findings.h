// Countersign's check of the people behind station events: what a station says a person
// did is evidence of that person only if the person's own card signed it and the roster
// issued on the signer host allowed them to. A station (or whoever holds its token) can
// sign any event; it cannot sign for a person's card.
//
// For each event: ROSTER_INSTALLED must carry a roster that verifies under the trust root
// (it then joins the rosters known for later events); SESSION_START must carry the
// session its card signed for this station, by a person on the roster in force at the
// event (the newest issued at or before the event's time), used once; BREAK_GLASS must
// carry a supervisor's card-signed release naming the line stop the event links, earlier
// than the event; OPERATOR_ENROLLED (a station enrolling people itself) is never evidence
// of a person. Anything else is a PERSON_UNVERIFIED finding: the event stays in the log
// (it happened at the station) but is not evidence of that person. Not thread-safe: one
// checker per countersign run.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/people/roster.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

class PersonChecker {
 public:
  PersonChecker(const verifier::TrustedRoot& root, people::RosterHistory rosters)
      : root_(root), rosters_(std::move(rosters)) {}

  // True for the events whose evidence names a person by their card.
  [[nodiscard]] static bool concerns_people(v1::Attestation::Event event);

  // Why `event` (record `sequence` of `station_id`) is not evidence of the person it names;
  // empty when it is (or names nobody).
  [[nodiscard]] std::vector<std::string> problems(const v1::Attestation& event,
                                                  const std::string& station_id,
                                                  std::uint64_t sequence);

 private:
  const verifier::TrustedRoot& root_;
  people::RosterHistory rosters_;
  std::set<std::string> sessions_;  // session ids seen in this run
};

}  // namespace hallmark::evidence
