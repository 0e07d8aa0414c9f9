// The person roster: who may work at which station, issued on the signer host and signed
// by a root quorum of the trust root (payload type person-roster). Stations take their
// people from it, never from their own history, and countersign re-checks every person
// statement against the roster in force at the event — so a station in hostile hands
// cannot invent a supervisor.
//
// verify_roster() checks, in order: a threshold of the ROOT role of `root` signed it
// (identities counted once, revoked keys and custodians never count); the payload parses;
// version >= 1; it names a trust root version between 1 and the current one; every person
// has a valid name (people::check_person_name), a role, a public key whose key id matches
// its SubjectPublicKeyInfo, at least one station and a validity window that is not
// empty; no card key and no name appears twice; at most kMaxRosterPeople people.
//
// RosterHistory keeps the verified versions a verifier knows and answers "which version
// was in force at time t" (the newest issued at or before t) and "may key K act as role R
// at station S at time t" with the reason when not. Pure: no files, no clock. Not
// thread-safe for add(); const use is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::people {

inline constexpr std::string_view kPersonRosterType = "person-roster";
inline constexpr std::size_t kMaxRosterPeople = 10000;

using Role = v1::OperatorEntry::Role;

struct VerifiedRoster {
  v1::PersonRoster roster;
  verifier::Digest digest;  // SHA-256 of the payload bytes that were signed
};

[[nodiscard]] Result<VerifiedRoster> verify_roster(const v1::Envelope& envelope,
                                                   const verifier::TrustedRoot& root);

// The payload checks of verify_roster() alone (no signatures), against a trust root at
// `trust_root_version`: what the roster ceremony checks before any card is touched.
[[nodiscard]] Result<void> check_roster(const v1::PersonRoster& roster,
                                        std::uint64_t trust_root_version);

// "supervisor" / "operator".
[[nodiscard]] std::string_view role_name(Role role);

// The person `key_id` as `version` lists them, allowed to act as `role` (a supervisor may
// also act as an operator) at `station_id` at `time_unix`; kPolicyRefused saying why not
// (not on it, another station, not yet or no longer valid, an operator acting as a
// supervisor).
[[nodiscard]] Result<const v1::RosterPerson*> authorise(const VerifiedRoster& version,
                                                        std::string_view key_id,
                                                        std::string_view station_id,
                                                        Role role, std::int64_t time_unix);

// A person statement checked against `roster`: the card key the statement names must be
// listed for `station_id` at `time_unix` (as an operator for a session, as a supervisor for
// a break-glass), and the statement must verify under that key (people::verify_session /
// verify_break_glass). One rule for the station's replay and for countersign.
[[nodiscard]] Result<v1::OperatorSession> verify_session_by(const VerifiedRoster& roster,
                                                            const v1::Envelope& statement,
                                                            std::string_view key_id,
                                                            std::string_view station_id,
                                                            std::int64_t time_unix);
[[nodiscard]] Result<v1::BreakGlass> verify_break_glass_by(const VerifiedRoster& roster,
                                                           const v1::Envelope& statement,
                                                           std::string_view station_id,
                                                           std::int64_t time_unix);

class RosterHistory {
 public:
  // Adds a verified version; the same version twice must be the same document.
  [[nodiscard]] Result<void> add(VerifiedRoster roster);

  [[nodiscard]] bool empty() const noexcept { return versions_.empty(); }
  [[nodiscard]] const VerifiedRoster* newest() const;
  // The newest version issued at or before `time_unix`, or nullptr.
  [[nodiscard]] const VerifiedRoster* in_force_at(std::int64_t time_unix) const;

 private:
  std::map<std::uint64_t, VerifiedRoster> versions_;
};

}  // namespace hallmark::people
