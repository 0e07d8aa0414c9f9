// The roster ceremony: a PersonRoster (who may work at which station, with the key on
// their own card) signed by a root quorum of the current trust root. Stations take their
// people only from it (verifier/people/roster.h), so no station can enrol anyone itself.
//
// The version is the previous roster's + 1 (the previous one, given by the caller, is
// verified first), or 1 when there is none. A person without a validity start gets the
// ceremony's time. The roster is checked (people::check_roster: names, roles, keys,
// stations, no card or name twice) before any card is touched. The custodians see every
// person (name, role, card key id, stations, validity) before any PIN; the signed roster
// is verified with verify_roster() before it is returned.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"

namespace hallmark::ceremony {

struct RosterRequest {
  std::vector<v1::RosterPerson> people;  // keys already read; valid_from 0: the ceremony's time
  std::optional<v1::Envelope> previous;  // the roster in force, when there is one
  std::string reason;
};

struct RosterInput {
  std::span<const v1::Envelope> chain;
  std::span<const v1::Envelope> revocations;
  const LoadedPlan* plan = nullptr;
  RosterRequest request;
};

CeremonyOutcome run_roster(const RosterInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
