#include "verifier/people/roster.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/time_format.h"
#include "verifier/people/person_statements.h"

namespace hallmark::people {
namespace {

Result<void> refused(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

Result<void> check_person(const v1::RosterPerson& p, std::uint64_t version) {
  const std::string where = fmt::format("person roster v{}", version);
  if (auto ok = check_person_name(p.name()); !ok) {
    return refused(fmt::format("{}: {}", where, ok.error().message));
  }
  if (p.role() != v1::OperatorEntry::OPERATOR && p.role() != v1::OperatorEntry::SUPERVISOR) {
    return refused(fmt::format("{}: '{}' has no role (operator or supervisor)", where, p.name()));
  }
  if (!p.has_key()) return refused(fmt::format("{}: '{}' has no card key", where, p.name()));
  if (auto key = verifier::PublicKey::from_proto(p.key()); !key) {
    return refused(fmt::format("{}: the card key of '{}': {}", where, p.name(),
                               key.error().message));
  }
  if (p.station_ids().empty()) {
    return refused(fmt::format("{}: '{}' is allowed at no station", where, p.name()));
  }
  for (const auto& station : p.station_ids()) {
    if (station.empty()) {
      return refused(fmt::format("{}: '{}' lists an empty station id", where, p.name()));
    }
  }
  if (p.valid_until_unix() != 0 && p.valid_until_unix() <= p.valid_from_unix()) {
    return refused(fmt::format("{}: '{}' is valid until {}, not after {}", where, p.name(),
                               verifier::format_utc(p.valid_until_unix()),
                               verifier::format_utc(p.valid_from_unix())));
  }
  return {};
}

}  // namespace

std::string_view role_name(Role role) {
  return role == v1::OperatorEntry::SUPERVISOR ? "supervisor" : "operator";
}

Result<void> check_roster(const v1::PersonRoster& r, std::uint64_t trust_root_version) {
  if (r.version() == 0) return refused("person roster: version 0 (versions start at 1)");
  if (r.trust_root_version() == 0 || r.trust_root_version() > trust_root_version) {
    return refused(fmt::format("person roster v{} names trust root v{}, but the current one is v{}",
                               r.version(), r.trust_root_version(), trust_root_version));
  }
  if (static_cast<std::size_t>(r.people_size()) > kMaxRosterPeople) {
    return refused(fmt::format("person roster v{} lists {} people, more than {}", r.version(),
                               r.people_size(), kMaxRosterPeople));
  }
  std::set<std::string> keys;
  std::set<std::string> names;
  for (const auto& person : r.people()) {
    if (auto ok = check_person(person, r.version()); !ok) return ok;
    if (!keys.insert(person.key().key_id()).second) {
      return refused(fmt::format("person roster v{} lists card key {} twice: one card, one person",
                                 r.version(), person.key().key_id()));
    }
    if (!names.insert(person.name()).second) {
      return refused(fmt::format("person roster v{} lists '{}' twice: one person, one card",
                                 r.version(), person.name()));
    }
  }
  return {};
}

Result<VerifiedRoster> verify_roster(const v1::Envelope& envelope,
                                     const verifier::TrustedRoot& root) {
  auto verified = root.verify(envelope, v1::ROOT, kPersonRosterType);
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(fmt::format(
        "person roster: not signed by a threshold of the root role of trust root v{}",
        root.version())));
  }
  VerifiedRoster out;
  auto digest = verifier::sha256(verified->first.payload);
  if (!digest) return std::unexpected(std::move(digest).error());
  out.digest = *digest;
  auto parsed = verifier::parse_verified<v1::PersonRoster>(verified->first);
  if (!parsed) return std::unexpected(std::move(parsed).error().context("person roster"));
  out.roster = std::move(*parsed);
  if (auto ok = check_roster(out.roster, root.version()); !ok) return std::unexpected(ok.error());
  return out;
}

Result<const v1::RosterPerson*> authorise(const VerifiedRoster& version, std::string_view key_id,
                                          std::string_view station_id, Role role,
                                          std::int64_t time_unix) {
  const v1::PersonRoster& r = version.roster;
  auto it = std::find_if(r.people().begin(), r.people().end(),
                         [&](const v1::RosterPerson& p) { return p.key().key_id() == key_id; });
  auto no = [](std::string message) -> Result<const v1::RosterPerson*> {
    return std::unexpected(Error{ErrorCode::kPolicyRefused, std::move(message), 0, {}});
  };
  if (it == r.people().end()) {
    return no(fmt::format("card key {} is not on person roster v{}: people are enrolled on the "
                          "signer host (hallmark-ceremony roster), never at a station",
                          key_id, r.version()));
  }
  const v1::RosterPerson& p = *it;
  if (std::find(p.station_ids().begin(), p.station_ids().end(), station_id) ==
      p.station_ids().end()) {
    return no(fmt::format("'{}' (card key {}) is on person roster v{} but not for station '{}'",
                          p.name(), key_id, r.version(), station_id));
  }
  if (time_unix < p.valid_from_unix() ||
      (p.valid_until_unix() != 0 && time_unix >= p.valid_until_unix())) {
    return no(fmt::format("'{}' is on person roster v{} from {} to {}, not at {}", p.name(),
                          r.version(), verifier::format_utc(p.valid_from_unix()),
                          p.valid_until_unix() == 0 ? std::string("(open)")
                                                    : verifier::format_utc(p.valid_until_unix()),
                          verifier::format_utc(time_unix)));
  }
  if (role == v1::OperatorEntry::SUPERVISOR && p.role() != v1::OperatorEntry::SUPERVISOR) {
    return no(fmt::format("'{}' is an operator on person roster v{}, not a supervisor", p.name(),
                          r.version()));
  }
  return &p;
}

Result<v1::OperatorSession> verify_session_by(const VerifiedRoster& roster,
                                              const v1::Envelope& statement,
                                              std::string_view key_id,
                                              std::string_view station_id,
                                              std::int64_t time_unix) {
  auto person = authorise(roster, key_id, station_id, v1::OperatorEntry::OPERATOR, time_unix);
  if (!person) return std::unexpected(person.error());
  auto key = verifier::PublicKey::from_proto((*person)->key());
  if (!key) return std::unexpected(key.error());
  auto session = verify_session(statement, *key, station_id);
  if (session && session->operator_name() != (*person)->name()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the session names '{}', but person roster v{} lists card key {} as "
                            "'{}'",
                            session->operator_name(), roster.roster.version(), key_id,
                            (*person)->name()));
  }
  return session;
}

Result<v1::BreakGlass> verify_break_glass_by(const VerifiedRoster& roster,
                                             const v1::Envelope& statement,
                                             std::string_view station_id,
                                             std::int64_t time_unix) {
  // The key id is read from the unverified statement only to choose the key that must
  // have signed it; verify_break_glass then requires that very key id in what it signed.
  v1::BreakGlass unverified;
  if (!unverified.ParseFromString(statement.payload())) {
    return fail(ErrorCode::kVerificationFailed, "a break-glass statement does not parse");
  }
  auto person = authorise(roster, unverified.supervisor_key_id(), station_id,
                          v1::OperatorEntry::SUPERVISOR, time_unix);
  if (!person) return std::unexpected(person.error());
  auto key = verifier::PublicKey::from_proto((*person)->key());
  if (!key) return std::unexpected(key.error());
  auto glass = verify_break_glass(statement, *key, station_id);
  if (glass && glass->supervisor_name() != (*person)->name()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the break-glass names '{}', but person roster v{} lists card key {} "
                            "as '{}'",
                            glass->supervisor_name(), roster.roster.version(),
                            unverified.supervisor_key_id(), (*person)->name()));
  }
  return glass;
}

Result<void> RosterHistory::add(VerifiedRoster roster) {
  const std::uint64_t version = roster.roster.version();
  auto known = versions_.find(version);
  if (known != versions_.end()) {
    if (known->second.digest == roster.digest) return {};
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("two different person rosters claim version {} (payload SHA-256 {} "
                            "and {}): the signer host never issues two",
                            version, known->second.digest.hex(), roster.digest.hex()));
  }
  versions_.emplace(version, std::move(roster));
  return {};
}

const VerifiedRoster* RosterHistory::newest() const {
  return versions_.empty() ? nullptr : &versions_.rbegin()->second;
}

const VerifiedRoster* RosterHistory::in_force_at(std::int64_t time_unix) const {
  const VerifiedRoster* found = nullptr;
  for (const auto& [version, roster] : versions_) {
    if (roster.roster.issued_unix() <= time_unix) found = &roster;
  }
  return found;
}

}  // namespace hallmark::people
