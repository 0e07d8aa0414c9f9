// The people side of the line as journal events: enrolling a person, an operator's session
// starting and ending, and a supervisor's break-glass release of a stopped line.
//
// Each event carries the person's own card-signed statement (person_statements.h) inside
// the station-signed event, so the evidence shows who acted, not only that the station
// says so. The rules live here: only an enrolled supervisor enrols people (the very first
// person is a supervisor enrolling themselves, visible in the evidence); one card key is one
// person and one name (no shared accounts); a session needs an enrolled card; only a
// supervisor's card, with a reason, releases a stopped line. Never holds key material;
// not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hallmark/station.pb.h"
#include "station-agent/station/person_statements.h"
#include "station-agent/station/station_line.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {

// Enrols `name` with `role` and the key on their card. `supervisor` signs the enrolment
// (the person themselves for the first supervisor of an empty roster).
[[nodiscard]] Result<std::uint64_t> enrol_person(StationLine& line, const CardSigner& supervisor,
                                                 const verifier::PublicKey& person_key,
                                                 const std::string& name,
                                                 v1::OperatorEntry::Role role);

// Starts a session for the enrolled owner of `card` (ending any session open before).
[[nodiscard]] Result<std::uint64_t> start_session(StationLine& line, const CardSigner& card);

// Ends the open session; kUsage when none is open.
[[nodiscard]] Result<std::uint64_t> end_session(StationLine& line);

// Releases the stopped line: `supervisor` must be an enrolled supervisor's card; `reason`
// is recorded. kPolicyRefused when the line is not stopped or the card is not a
// supervisor's.
[[nodiscard]] Result<std::uint64_t> break_glass(StationLine& line, const CardSigner& supervisor,
                                                std::string_view reason);

}  // namespace hallmark::station
