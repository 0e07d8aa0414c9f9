// The people side of the line as journal events: installing the person roster issued on
// the signer host, an operator's session starting and ending, and a supervisor's
// break-glass release of a stopped line.
//
// People are never enrolled at a station: the roster (verifier/people/roster.h) is signed
// by a root quorum on the signer host, verified here under the pinned trust root, never
// rolled back, and journaled so the evidence shows which roster was in force. Each person
// event carries the person's own card-signed statement (verifier/people/person_statements.h)
// inside the station-signed event, so the evidence shows who acted, not only that the
// station says so. A session needs a card on the roster for this station, valid now; only
// a supervisor's card, with a reason, releases a stopped line. Never holds key material;
// not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "station-agent/station/station_line.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/people/person_statements.h"

namespace hallmark::station {

using people::CardSigner;

// Installs a person roster: verified under the line's trust root, newer than the one in
// force (kPolicyRefused otherwise), journaled as ROSTER_INSTALLED.
[[nodiscard]] Result<std::uint64_t> install_roster(StationLine& line,
                                                   const v1::Envelope& roster);

// Starts a session for the owner of `card`, who must be on the roster for this station
// (ending any session open before).
[[nodiscard]] Result<std::uint64_t> start_session(StationLine& line, const CardSigner& card);

// Ends the open session; kUsage when none is open.
[[nodiscard]] Result<std::uint64_t> end_session(StationLine& line);

// Releases the stopped line: `supervisor` must be a supervisor's card on the roster;
// `reason` is recorded. kPolicyRefused when the line is not stopped or the card is not a
// supervisor's.
[[nodiscard]] Result<std::uint64_t> break_glass(StationLine& line, const CardSigner& supervisor,
                                                std::string_view reason);

}  // namespace hallmark::station
