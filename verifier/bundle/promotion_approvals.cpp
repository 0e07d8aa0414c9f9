#include "verifier/core/time_format.h"
#include "verifier/bundle/promotion_approvals.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/root_index.h"

namespace hallmark::bundle {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "nobody" : out;
}

uint32_t approver_threshold(const v1::TrustRoot& root) {
  for (const auto& role : root.roles()) {
    if (role.role() == v1::APPROVER) return role.threshold();
  }
  return 0;
}

// APPROVER keys that may count: unrevoked keys of unrevoked custodians.
std::vector<verifier::PublicKey> counting_approver_keys(const verifier::TrustedRoot& root) {
  std::vector<verifier::PublicKey> keys;
  for (auto& key : root.role_keys(v1::APPROVER)) {
    const std::string who = identity_of_key(root.current(), key.key_id());
    if (who != key.key_id() && root.custodian_revoked(who)) continue;
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<CountedApproval> check_one(const verifier::TrustedRoot& root,
                                  std::span<const verifier::PublicKey> keys,
                                  const NamedEnvelope& approval, const ApprovalSubject& subject) {
  const std::string type = verifier::payload_type_of(kPromotionStatementType);
  auto verified = verifier::verify_envelope(approval.envelope, keys, 1, type);
  if (!verified) {
    // Key ids are hints, never decisions: they only make the refusal easier to act on.
    for (const auto& sig : approval.envelope.signatures()) {
      const std::string who = identity_of_key(root.current(), sig.keyid());
      if (root.key_revoked(sig.keyid()) || (who != sig.keyid() && root.custodian_revoked(who))) {
        return fail(ErrorCode::kVerificationFailed,
                    fmt::format("signed by {} (key {}), which is revoked: it does not count",
                                who, sig.keyid()));
      }
    }
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("not signed by an approver of trust root v{} (unknown, revoked or "
                            "not an approver key): {}",
                            root.version(), verified.error().message));
  }
  auto statement = verifier::parse_verified<v1::PromotionStatement>(*verified);
  if (!statement) return std::unexpected(statement.error());
  const v1::PromotionStatement& s = *statement;

  CountedApproval out;
  out.name = approval.name;
  out.key_ids = verified->key_ids;
  std::set<std::string> who;
  for (const auto& id : verified->key_ids) who.insert(identity_of_key(root.current(), id));
  if (who.size() != 1) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("signed by {} approvers ({}): an approval is one custodian's",
                            who.size(), join({who.begin(), who.end()})));
  }
  out.custodian = *who.begin();
  auto digest = verifier::sha256(verified->payload);
  if (!digest) return std::unexpected(digest.error());
  out.payload_digest = *digest;

  if (as_bytes(s.bundle_digest()).size() != verifier::Digest::kSize ||
      !std::equal(subject.bundle_digest.bytes().begin(), subject.bundle_digest.bytes().end(),
                  as_bytes(s.bundle_digest()).begin())) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{} approved bundle digest {}, not this bundle ({})", out.custodian,
                            to_hex(as_bytes(s.bundle_digest())), subject.bundle_digest.hex()));
  }
  if (s.sku() != subject.sku || s.version() != subject.version) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{} approved SKU '{}' version '{}', but the bundle is SKU '{}' "
                            "version '{}'",
                            out.custodian, s.sku(), s.version(), subject.sku, subject.version));
  }
  if (s.not_before_unix() >= s.not_after_unix()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}'s approval has an empty validity window", out.custodian));
  }
  if (subject.at_unix < s.not_before_unix() || subject.at_unix > s.not_after_unix()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{}'s approval is valid from {} to {}, not at promotion time {}: "
                            "ask for a new approval",
                            out.custodian, verifier::format_utc(s.not_before_unix()),
                            verifier::format_utc(s.not_after_unix()),
                            verifier::format_utc(subject.at_unix)));
  }
  for (const auto& id : verified->key_ids) {
    if (auto ok = refuse_requester(root.current(), subject.requester, id); !ok) return std::unexpected(ok.error());
  }
  out.statement = s;
  return out;
}

}  // namespace

Result<void> check_requester_form(std::string_view requester) {
  const bool hex = requester.size() == 64 &&
                   std::all_of(requester.begin(), requester.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  if (!hex) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the requester '{}' is not a key id: a bundle names its requester by "
                            "the key id of their own card (64 lowercase hex digits, as "
                            "`hallmark-ceremony key show` prints it), never by a typed name",
                            requester));
  }
  return {};
}

Result<void> refuse_requester(const v1::TrustRoot& root, std::string_view requester,
                              std::string_view key_id) {
  if (verifier::detail::identity_of(root, requester) !=
      verifier::detail::identity_of(root, key_id)) {
    return {};
  }
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("{} (key {}) requested this bundle (requester key {}) and cannot "
                          "approve it (separation of duties)",
                          identity_of_key(root, key_id), key_id, requester));
}

Result<void> check_channel(std::string_view channel, const ApprovalQuorum& quorum,
                           std::span<const std::string> accepted) {
  if (channel.empty()) {
    return fail(ErrorCode::kVerificationFailed, "the release names no channel");
  }
  for (const auto& a : quorum.approvals) {
    if (a.statement.channel() != channel) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("approval {}: {} approved channel '{}', not '{}'", a.name,
                              a.custodian, a.statement.channel(), channel));
    }
  }
  if (!accepted.empty() && std::find(accepted.begin(), accepted.end(), channel) == accepted.end()) {
    std::string list;
    for (const auto& c : accepted) list += (list.empty() ? "'" : ", '") + c + "'";
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("promoted on channel '{}', but only {} is accepted here", channel,
                            list));
  }
  return {};
}

Result<verifier::Digest> approval_digest(const v1::PromotionStatement& statement) {
  v1::PromotionStatement subject = statement;
  subject.clear_not_before_unix();
  subject.clear_not_after_unix();
  return verifier::sha256(verifier::deterministic_bytes(subject));
}

std::string identity_of_key(const v1::TrustRoot& root, std::string_view key_id) {
  for (const auto& c : root.custodians()) {
    for (const auto& id : c.key_ids()) {
      if (id == key_id) return c.name();
    }
  }
  return std::string(key_id);
}

Result<ApprovalQuorum> check_approvals(const verifier::TrustedRoot& root,
                                       std::span<const NamedEnvelope> approvals,
                                       const ApprovalSubject& subject) {
  if (auto ok = check_requester_form(subject.requester); !ok) {
    return std::unexpected(ok.error().context("hallmark/bundle.pb"));
  }
  ApprovalQuorum quorum;
  quorum.threshold = approver_threshold(root.current());
  if (quorum.threshold == 0) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("trust root v{} has no APPROVER role", root.version()));
  }
  const auto keys = counting_approver_keys(root);
  if (keys.empty()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("trust root v{} has no approver key that still counts (all revoked)",
                            root.version()));
  }
  std::set<std::string> approvers;
  for (const auto& approval : approvals) {
    auto counted = check_one(root, keys, approval, subject);
    if (!counted) {
      return std::unexpected(std::move(counted).error().context("approval " + approval.name));
    }
    approvers.insert(counted->custodian);
    quorum.approvals.push_back(std::move(*counted));
  }
  quorum.approvers.assign(approvers.begin(), approvers.end());
  if (approvers.size() < quorum.threshold) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("approval quorum not reached: {} of {} distinct approvers of trust "
                            "root v{} ({} from {} approval file(s))",
                            approvers.size(), quorum.threshold, root.version(),
                            join(quorum.approvers), approvals.size()));
  }
  return quorum;
}

}  // namespace hallmark::bundle
