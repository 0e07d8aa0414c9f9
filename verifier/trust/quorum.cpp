// Role quorums counted by identity, and the structural rules of a TrustRoot.
#include <algorithm>
#include <map>
#include <utility>

#include "verifier/core/document.h"

#include "verifier/core/time_format.h"
#include "verifier/trust/root_index.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

namespace {

using detail::Identity;

struct RoleKey {
  PublicKey key;
  Identity identity;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The role's keys as the document lists them, minus revoked keys and keys of revoked
// custodians: those never count, whatever they signed.
Result<std::vector<RoleKey>> counting_keys(const v1::TrustRoot& root, const v1::RoleKeys& role,
                                           const std::set<std::string>& revoked_keys,
                                           const std::set<std::string>& revoked_custodians) {
  std::vector<RoleKey> keys;
  for (const auto& id : role.key_ids()) {
    if (revoked_keys.contains(id)) continue;
    Identity identity = detail::identity_of(root, id);
    if (identity.custodian && revoked_custodians.contains(identity.name)) continue;
    const bool listed_twice = std::any_of(keys.begin(), keys.end(),
                                          [&](const RoleKey& k) { return k.key.key_id() == id; });
    if (listed_twice) continue;
    const v1::PublicKey* proto = detail::find_key(root, id);
    if (proto == nullptr) {
      return fail(ErrorCode::kVerificationFailed,
                  "trust root v" + std::to_string(root.version()) + " lists key " + id +
                      " in role " + detail::role_name(role.role()) + " but not among its keys");
    }
    auto key = PublicKey::from_proto(*proto);
    if (!key) {
      return std::unexpected(std::move(key).error().context(
          "trust root v" + std::to_string(root.version()) + " key " + id));
    }
    // from_proto accepts an empty key_id; the role names keys by id, so it must match.
    if (key->key_id() != id) {
      return fail(ErrorCode::kVerificationFailed, "trust root v" + std::to_string(root.version()) +
                                                      " key listed as " + id + " hashes to " +
                                                      key->key_id());
    }
    keys.push_back({std::move(*key), std::move(identity)});
  }
  return keys;
}

Result<void> check_keys(const v1::TrustRoot& root) {
  std::set<std::string> ids;
  for (const auto& proto : root.keys()) {
    if (proto.key_id().empty()) {
      return fail(ErrorCode::kVerificationFailed, "a key has no key id");
    }
    auto key = PublicKey::from_proto(proto);
    if (!key) return std::unexpected(std::move(key).error().context("key " + proto.key_id()));
    if (!ids.insert(proto.key_id()).second) {
      return fail(ErrorCode::kVerificationFailed, "key " + proto.key_id() + " is listed twice");
    }
  }
  return {};
}

Result<void> check_custodians(const v1::TrustRoot& root) {
  std::set<std::string> names;
  std::map<std::string, std::string> holder;  // key id → custodian
  for (const auto& c : root.custodians()) {
    if (c.name().empty()) return fail(ErrorCode::kVerificationFailed, "a custodian has no name");
    if (!names.insert(c.name()).second) {
      return fail(ErrorCode::kVerificationFailed,
                  "custodian name \"" + c.name() + "\" is used twice: one person, one name");
    }
    for (const auto& id : c.key_ids()) {
      if (detail::find_key(root, id) == nullptr) {
        return fail(ErrorCode::kVerificationFailed,
                    "custodian " + c.name() + " holds key " + id + " which is not listed");
      }
      auto [it, inserted] = holder.emplace(id, c.name());
      if (!inserted) {
        return fail(ErrorCode::kVerificationFailed,
                    "key " + id + " is held by custodian " + it->second + " and by " +
                        (it->second == c.name() ? "the same custodian again" : c.name()) +
                        ": a key belongs to exactly one custodian");
      }
    }
  }
  return {};
}

Result<void> check_roles(const v1::TrustRoot& root) {
  std::set<v1::Role> seen;
  for (const auto& role : root.roles()) {
    const std::string name = detail::role_name(role.role());
    if (role.role() == v1::ROLE_UNSPECIFIED) {
      return fail(ErrorCode::kVerificationFailed, "a role entry has no role");
    }
    if (!seen.insert(role.role()).second) {
      return fail(ErrorCode::kVerificationFailed, "role " + name + " is listed twice");
    }
    if (role.threshold() == 0) {
      return fail(ErrorCode::kVerificationFailed,
                  "role " + name + " has threshold 0: nothing could ever be refused");
    }
    std::set<std::string> ids;
    std::set<Identity> identities;
    for (const auto& id : role.key_ids()) {
      if (detail::find_key(root, id) == nullptr) {
        return fail(ErrorCode::kVerificationFailed,
                    "role " + name + " names key " + id + " which is not listed");
      }
      if (!ids.insert(id).second) {
        return fail(ErrorCode::kVerificationFailed, "role " + name + " names key " + id + " twice");
      }
      identities.insert(detail::identity_of(root, id));
    }
    if (role.threshold() > identities.size()) {
      return fail(ErrorCode::kVerificationFailed,
                  "role " + name + " has threshold " + std::to_string(role.threshold()) +
                      " but only " + std::to_string(identities.size()) +
                      " distinct identities hold it");
    }
  }
  if (!seen.contains(v1::ROOT)) {
    return fail(ErrorCode::kVerificationFailed, "there is no ROOT role");
  }
  return {};
}

}  // namespace

Result<std::pair<VerifiedPayload, Quorum>> verify_role_quorum(
    const v1::Envelope& envelope, const v1::TrustRoot& root, v1::Role role,
    std::string_view type_name, const std::set<std::string>& revoked_keys,
    const std::set<std::string>& revoked_custodians) {
  const std::string role_text = detail::role_name(role);
  const std::string expected_type = payload_type_of(type_name);
  if (envelope.payload_type() != expected_type) {
    return fail(ErrorCode::kVerificationFailed, "payload type is \"" + envelope.payload_type() +
                                                    "\", expected \"" + expected_type + "\"");
  }
  const v1::RoleKeys* entry = detail::find_role(root, role);
  if (entry == nullptr) {
    return fail(ErrorCode::kVerificationFailed,
                "trust root v" + std::to_string(root.version()) + " has no " + role_text + " role");
  }
  if (entry->threshold() == 0) {
    return fail(ErrorCode::kVerificationFailed, "role " + role_text + " has threshold 0");
  }
  if (static_cast<std::size_t>(envelope.signatures_size()) > kMaxSignatures) {
    return fail(ErrorCode::kUsage, "envelope has " + std::to_string(envelope.signatures_size()) +
                                       " signatures; at most " + std::to_string(kMaxSignatures) +
                                       " are accepted");
  }
  auto keys = counting_keys(root, *entry, revoked_keys, revoked_custodians);
  if (!keys) return std::unexpected(std::move(keys).error());

  const ByteView payload = as_bytes(envelope.payload());
  std::vector<const PublicKey*> candidates;
  candidates.reserve(keys->size());
  for (const auto& k : *keys) candidates.push_back(&k.key);
  const std::vector<bool> accepted = keys_that_signed(envelope, candidates);

  Quorum quorum;
  quorum.threshold = entry->threshold();
  std::set<Identity> identities;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    if (!accepted[i]) continue;
    quorum.key_ids.push_back((*keys)[i].key.key_id());
    identities.insert((*keys)[i].identity);
  }
  std::sort(quorum.key_ids.begin(), quorum.key_ids.end());
  for (const auto& identity : identities) quorum.identities.push_back(identity.name);

  if (identities.size() < quorum.threshold) {
    return fail(ErrorCode::kVerificationFailed,
                std::to_string(identities.size()) + " of " + std::to_string(quorum.threshold) +
                    " required " + role_text + " signers (trust root v" +
                    std::to_string(root.version()) + ") verified" +
                    (identities.empty() ? std::string(" (no counting key signed)")
                                        : " (" + join(quorum.identities) + ")"));
  }
  VerifiedPayload verified{envelope.payload_type(), Bytes(payload.begin(), payload.end()),
                           quorum.key_ids};
  return std::pair{std::move(verified), std::move(quorum)};
}

Result<void> check_trust_root_shape(const v1::TrustRoot& root) {
  const std::string what = "trust root v" + std::to_string(root.version());
  auto fail_shape = [&](Result<void> r) -> Result<void> {
    if (!r) return std::unexpected(std::move(r).error().context(what));
    return {};
  };
  if (root.version() == 0) {
    return fail(ErrorCode::kVerificationFailed, "trust root version must be 1 or more");
  }
  if (root.issued_unix() >= root.expires_unix()) {
    return fail(ErrorCode::kVerificationFailed,
                what + " expires (" + hallmark::verifier::format_utc(root.expires_unix()) +
                    ") before it is issued (" + hallmark::verifier::format_utc(root.issued_unix()) + ")");
  }
  if (root.version() == 1 && !root.previous_digest().empty()) {
    return fail(ErrorCode::kVerificationFailed, what + " names a previous version");
  }
  if (root.version() > 1 && root.previous_digest().size() != Digest::kSize) {
    return fail(ErrorCode::kVerificationFailed,
                what + " does not name its previous version's digest (32 bytes)");
  }
  if (auto r = fail_shape(check_keys(root)); !r) return r;
  if (auto r = fail_shape(check_custodians(root)); !r) return r;
  return fail_shape(check_roles(root));
}

}  // namespace hallmark::verifier
