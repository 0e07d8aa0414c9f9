// TrustedRoot: anchor, rotation, freshness and revocations, in the order python-tuf's
// TrustedMetadataSet checks a root: verify with what is trusted, then parse the verified
// bytes, then check what they say.
#include "verifier/trust/trusted_root.h"

#include "verifier/core/time_format.h"

#include <algorithm>
#include <utility>

#include "verifier/core/document.h"
#include "verifier/core/time_format.h"
#include "verifier/trust/root_index.h"

namespace hallmark::verifier {

namespace {

std::string v(uint64_t version) { return "trust root v" + std::to_string(version); }

// The version a candidate claims, for messages only (nothing trusts it).
std::string claimed_version(const v1::Envelope& envelope) {
  v1::TrustRoot candidate;
  if (!candidate.ParseFromString(envelope.payload())) return "an unparsable trust root";
  return v(candidate.version());
}

Result<Digest> payload_digest(const VerifiedPayload& verified) { return sha256(verified.payload); }

}  // namespace

std::string revoked_since_text(std::int64_t effective_unix) {
  return effective_unix == 0
             ? std::string("from the beginning (a revocation without an effective time)")
             : "from " + format_utc(effective_unix);
}

TrustedRoot::TrustedRoot(v1::TrustRoot root, Digest digest)
    : current_(std::move(root)), digest_(digest) {}

Result<TrustedRoot> TrustedRoot::from_anchor(const v1::Envelope& anchor,
                                             const std::optional<Digest>& pinned_digest) {
  const std::string type = payload_type_of(kTrustRootType);
  if (anchor.payload_type() != type) {
    return fail(ErrorCode::kVerificationFailed, "trust root anchor has payload type \"" +
                                                    anchor.payload_type() + "\", expected \"" +
                                                    type + "\"");
  }
  auto anchor_digest = sha256(as_bytes(anchor.payload()));
  if (!anchor_digest) return std::unexpected(std::move(anchor_digest).error());
  if (pinned_digest && *pinned_digest != *anchor_digest) {
    return fail(ErrorCode::kVerificationFailed,
                "trust root anchor digest " + anchor_digest->hex() +
                    " does not match the pinned digest " + pinned_digest->hex() +
                    ": this is not the trust root you were told to expect");
  }
  // An anchor is self-signed: its keys come from the payload it vouches for. The pin (or
  // the channel that delivered it) is what makes it trusted; the quorum makes it complete.
  v1::TrustRoot candidate;
  if (!candidate.ParseFromString(anchor.payload())) {
    return fail(ErrorCode::kVerificationFailed, "trust root anchor is not a TrustRoot message");
  }
  if (auto shape = check_trust_root_shape(candidate); !shape) {
    return std::unexpected(std::move(shape).error());
  }
  auto verified = verify_role_quorum(anchor, candidate, v1::ROOT, kTrustRootType);
  if (!verified)
    return std::unexpected(std::move(verified).error().context(v(candidate.version())));
  auto root = parse_verified<v1::TrustRoot>(verified->first);
  if (!root) return std::unexpected(std::move(root).error());
  return TrustedRoot(std::move(*root), *anchor_digest);
}

Result<void> TrustedRoot::update(const v1::Envelope& next) {
  const std::string what = claimed_version(next) + " (after " + v(version()) + ")";
  // 1. A threshold of the current root role, revocations applied.
  auto by_old = verify(next, v1::ROOT, kTrustRootType);
  if (!by_old) {
    return std::unexpected(std::move(by_old).error().context(
        what + ": not signed by a threshold of the current root role"));
  }
  // 2. Parse exactly the bytes that verified.
  auto parsed = parse_verified<v1::TrustRoot>(by_old->first);
  if (!parsed) return std::unexpected(std::move(parsed).error().context(what));
  const v1::TrustRoot& candidate = *parsed;
  if (auto shape = check_trust_root_shape(candidate); !shape) {
    return std::unexpected(std::move(shape).error());
  }
  // 3. Exactly the next version, chained to the current one.
  if (candidate.version() != version() + 1) {
    const bool rollback = candidate.version() <= version();
    return fail(ErrorCode::kPolicyRefused,
                v(candidate.version()) + " refused after " + v(version()) +
                    (rollback ? ": rollback to an older or equal version"
                              : ": versions may not be skipped (expected v" +
                                    std::to_string(version() + 1) + ")"));
  }
  if (as_bytes(candidate.previous_digest()).size() != Digest::kSize ||
      !std::equal(digest_.bytes().begin(), digest_.bytes().end(),
                  as_bytes(candidate.previous_digest()).begin())) {
    return fail(ErrorCode::kVerificationFailed, v(candidate.version()) + " names previous digest " +
                                                    to_hex(as_bytes(candidate.previous_digest())) +
                                                    ", but " + v(version()) + " has digest " +
                                                    digest_.hex());
  }
  // 4. Issued while the current version was valid.
  if (candidate.issued_unix() < current_.issued_unix() ||
      candidate.issued_unix() >= current_.expires_unix()) {
    return fail(ErrorCode::kPolicyRefused, v(candidate.version()) + " was issued at " +
                                               hallmark::verifier::format_utc(candidate.issued_unix()) +
                                               ", outside the validity of " + v(version()) + " [" +
                                               hallmark::verifier::format_utc(current_.issued_unix()) + ", " +
                                               hallmark::verifier::format_utc(current_.expires_unix()) + ")");
  }
  // 5. A threshold of its own root role too, revocations applied.
  auto by_new = verify_role_quorum(next, candidate, v1::ROOT, kTrustRootType, revoked_keys_,
                                   revoked_custodians_);
  if (!by_new) {
    return std::unexpected(std::move(by_new).error().context(
        v(candidate.version()) + ": not signed by a threshold of its own root role"));
  }
  auto digest = payload_digest(by_old->first);
  if (!digest) return std::unexpected(std::move(digest).error());
  current_ = std::move(*parsed);
  digest_ = *digest;
  return {};
}

Result<void> TrustedRoot::check_fresh(int64_t now_unix) const {
  if (now_unix < current_.issued_unix()) {
    return fail(ErrorCode::kPolicyRefused, v(version()) + " is not valid yet (issued " +
                                               hallmark::verifier::format_utc(current_.issued_unix()) + ", now " +
                                               hallmark::verifier::format_utc(now_unix) + "): check the clock");
  }
  if (now_unix >= current_.expires_unix()) {
    return fail(ErrorCode::kPolicyRefused,
                v(version()) + " expired at " + hallmark::verifier::format_utc(current_.expires_unix()) + " (now " +
                    hallmark::verifier::format_utc(now_unix) + "): a newer trust root version is needed");
  }
  return {};
}

Result<v1::Revocation> TrustedRoot::add_revocation(const v1::Envelope& revocation) {
  auto verified = verify(revocation, v1::ROOT, kRevocationType);
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(
        "revocation: not signed by a threshold of the root role of " + v(version())));
  }
  auto parsed = parse_verified<v1::Revocation>(verified->first);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  const v1::Revocation& r = *parsed;
  if (r.trust_root_version() == 0 || r.trust_root_version() > version()) {
    return fail(ErrorCode::kVerificationFailed, "revocation names " + v(r.trust_root_version()) +
                                                    " but the current one is " + v(version()));
  }
  if (r.key_ids_size() + r.custodians_size() + r.station_ids_size() + r.bundle_digests_size() ==
      0) {
    return fail(ErrorCode::kUsage, "revocation names nothing to revoke");
  }
  // Backdating is allowed (a compromise began earlier); postdating would let what is revoked
  // keep producing evidence that verifies, so it is refused.
  if (r.effective_unix() < 0 || r.effective_unix() > r.issued_unix()) {
    return fail(ErrorCode::kVerificationFailed,
                "revocation is effective from " + std::to_string(r.effective_unix()) +
                    ", after it was issued (" + std::to_string(r.issued_unix()) +
                    "): a revocation takes effect no later than it is issued");
  }
  std::set<std::string> bundles;
  for (const auto& d : r.bundle_digests()) {
    if (d.size() != Digest::kSize) {
      return fail(ErrorCode::kVerificationFailed, "revocation names a bundle digest of " +
                                                      std::to_string(d.size()) +
                                                      " bytes; a SHA-256 digest is 32");
    }
    bundles.insert(to_hex(as_bytes(d)));
  }
  const RevokedFrom from{r.effective_unix(), r.reason()};
  const auto earliest = [&from](std::map<std::string, RevokedFrom>& into, const std::string& id) {
    auto [it, added] = into.emplace(id, from);
    if (!added && from.effective_unix < it->second.effective_unix) it->second = from;
  };
  for (const auto& id : r.key_ids()) earliest(key_from_, id);
  for (const auto& name : r.custodians()) earliest(custodian_from_, name);
  for (const auto& id : r.station_ids()) earliest(station_from_, id);
  revoked_keys_.insert(r.key_ids().begin(), r.key_ids().end());
  revoked_custodians_.insert(r.custodians().begin(), r.custodians().end());
  revoked_stations_.insert(r.station_ids().begin(), r.station_ids().end());
  revoked_bundles_.merge(bundles);
  return r;
}

Result<PublicKey> TrustedRoot::key(std::string_view key_id) const {
  if (key_revoked(key_id)) {
    return fail(ErrorCode::kPolicyRefused, "key " + std::string(key_id) + " is revoked");
  }
  const v1::PublicKey* proto = detail::find_key(current_, key_id);
  if (proto == nullptr) {
    return fail(ErrorCode::kVerificationFailed,
                "key " + std::string(key_id) + " is not in " + v(version()));
  }
  return PublicKey::from_proto(*proto);
}

std::vector<PublicKey> TrustedRoot::role_keys(v1::Role role) const {
  std::vector<PublicKey> keys;
  const v1::RoleKeys* entry = detail::find_role(current_, role);
  if (entry == nullptr) return keys;
  for (const auto& id : entry->key_ids()) {
    if (auto k = key(id)) keys.push_back(std::move(*k));
  }
  return keys;
}

Result<std::pair<VerifiedPayload, Quorum>> TrustedRoot::verify(const v1::Envelope& envelope,
                                                               v1::Role role,
                                                               std::string_view type_name) const {
  return verify_role_quorum(envelope, current_, role, type_name, revoked_keys_,
                            revoked_custodians_);
}

bool TrustedRoot::key_revoked(std::string_view key_id) const {
  const std::string id(key_id);
  if (revoked_keys_.contains(id)) return true;
  const v1::Custodian* holder = detail::custodian_of(current_, id);
  return holder != nullptr && revoked_custodians_.contains(holder->name());
}

bool TrustedRoot::custodian_revoked(std::string_view name) const {
  return revoked_custodians_.contains(std::string(name));
}

bool TrustedRoot::station_revoked(const StationId& station_id) const {
  return revoked_stations_.contains(station_id.str());
}

std::optional<TrustedRoot::RevokedFrom> TrustedRoot::station_revoked_from(
    const StationId& station_id) const {
  auto it = station_from_.find(station_id.str());
  if (it == station_from_.end()) return std::nullopt;
  return it->second;
}

std::optional<TrustedRoot::RevokedFrom> TrustedRoot::key_revoked_from(
    std::string_view key_id) const {
  std::optional<RevokedFrom> out;
  if (auto it = key_from_.find(std::string(key_id)); it != key_from_.end()) out = it->second;
  if (const v1::Custodian* holder = detail::custodian_of(current_, std::string(key_id))) {
    if (auto it = custodian_from_.find(holder->name());
        it != custodian_from_.end() && (!out || it->second.effective_unix < out->effective_unix)) {
      out = it->second;
    }
  }
  return out;
}

bool TrustedRoot::bundle_revoked(ByteView bundle_digest) const {
  return revoked_bundles_.contains(to_hex(bundle_digest));
}

}  // namespace hallmark::verifier
