// Look-ups inside one TrustRoot document (internal to hallmark::trust): which entry lists a
// key, which custodian holds it, what a role says. No verification happens here; these
// only read what a (verified or candidate) document claims. Pure; thread-safe.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "hallmark/trust.pb.h"

namespace hallmark::verifier::detail {

// The keys entry with this id, or nullptr.
const v1::PublicKey* find_key(const v1::TrustRoot& root, std::string_view key_id);
// The role's entry, or nullptr (check_trust_root_shape refuses a role listed twice).
const v1::RoleKeys* find_role(const v1::TrustRoot& root, v1::Role role);
// The custodian whose key_ids list this key, or nullptr.
const v1::Custodian* custodian_of(const v1::TrustRoot& root, std::string_view key_id);
// What a key counts as toward a threshold: its custodian's name, else its own key id. The
// flag keeps a custodian named like a key id from merging with that key.
struct Identity {
  bool custodian = false;
  std::string name;
  friend auto operator<=>(const Identity&, const Identity&) = default;
};
Identity identity_of(const v1::TrustRoot& root, std::string_view key_id);
// "ROOT", "APPROVER", ... for messages.
std::string role_name(v1::Role role);

}  // namespace hallmark::verifier::detail
