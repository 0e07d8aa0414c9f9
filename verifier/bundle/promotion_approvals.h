// The approval-quorum rule of a promotion (docs/design.md §2, flow 3), in one place: the signer
// applies it before it promotes, and every verifier applies it again to the approvals a
// promoted bundle carries.
//
// check_approvals() accepts a set of approvals only if EVERY approval is valid — a
// PromotionStatement envelope signed by an APPROVER key of the trust root (revoked keys
// and keys of revoked custodians never verify), for exactly this bundle digest, SKU and
// version, within its validity window [not_before, not_after] at the reference time, and
// not signed by the bundle's requester — and the distinct custodians among them reach the
// APPROVER threshold. A custodian who approved twice (two statements, or two cards) counts
// once; a duplicate is not an error. A single bad approval refuses the whole set, naming
// the approval and the rule, so a release manager never carries a bad approval into a
// promoted bundle.
//
// The requester is a key identity, never a typed name: Bundle.requester is the key id
// (SHA-256 of the SPKI, hex) of the requester's own card. "The requester cannot approve"
// compares identities in the trust root: a custodian's keys are all that custodian, so a
// custodian who requests with one card cannot approve with another. A requester key the
// trust root does not list is its own identity (a release manager who is not a custodian).
//
// The channel rule (check_channel) is the other half every caller shares: promote,
// `hallmark-verify bundle` and station intake. Pure: bytes in, verdict out (no files,
// tokens or clock). Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/release.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::bundle {

inline constexpr std::string_view kPromotionStatementType = "promotion-statement";
inline constexpr std::string_view kPromotedReleaseType = "promoted-release";

// An approval and where it came from ("approval-2.json", "promotion/approval-1.json"),
// for messages.
struct NamedEnvelope {
  std::string name;
  v1::Envelope envelope;
};

// What the approvals must approve.
struct ApprovalSubject {
  verifier::Digest bundle_digest;
  std::string sku;
  std::string version;
  std::string requester;  // Bundle.requester, a key id: its identity never counts as an approver
  std::int64_t at_unix = 0;  // promotion time: each statement must be valid then
};

struct CountedApproval {
  std::string name;                 // NamedEnvelope::name
  std::string custodian;            // identity that signed (custodian name, else key id)
  std::vector<std::string> key_ids; // approver keys that verified
  verifier::Digest payload_digest;  // SHA-256 of the statement's payload bytes
  v1::PromotionStatement statement;
};

struct ApprovalQuorum {
  std::vector<CountedApproval> approvals;  // every approval, in the order given
  std::vector<std::string> approvers;      // distinct custodians, sorted
  std::uint32_t threshold = 0;
};

// kVerificationFailed for a signature, digest or statement that does not match;
// kPolicyRefused for expiry, the requester approving, or too few distinct approvers.
[[nodiscard]] Result<ApprovalQuorum> check_approvals(const verifier::TrustedRoot& root,
                                                     std::span<const NamedEnvelope> approvals,
                                                     const ApprovalSubject& subject);

// The approval digest: what every custodian approving the same request compares aloud
// (docs/formats.md, PromotionStatement). SHA-256 of the deterministic encoding of
// `statement` with not_before_unix and not_after_unix cleared — bundle digest, SKU,
// version, channel and request id, nothing that depends on when a custodian approves — so
// it is equal for every approval of one request although each approval's payload (its
// validity starts at its own "now") differs.
[[nodiscard]] Result<verifier::Digest> approval_digest(const v1::PromotionStatement& statement);

// The identity a key counts as in `root`: its custodian's name, or the key id itself.
[[nodiscard]] std::string identity_of_key(const v1::TrustRoot& root, std::string_view key_id);

// kVerificationFailed unless `requester` is a key id (64 lowercase hex digits).
[[nodiscard]] Result<void> check_requester_form(std::string_view requester);

// kPolicyRefused when `key_id` (an approver's key) is the same identity in `root` as the
// requester key `requester`: the same key, or two keys of one custodian.
[[nodiscard]] Result<void> refuse_requester(const v1::TrustRoot& root, std::string_view requester,
                                            std::string_view key_id);

// The channel rule: every approval in `quorum` approved `channel`, and `channel` is one of
// `accepted` (any channel when `accepted` is empty). kPolicyRefused naming the approval or
// the channels accepted.
[[nodiscard]] Result<void> check_channel(std::string_view channel, const ApprovalQuorum& quorum,
                                         std::span<const std::string> accepted);

}  // namespace hallmark::bundle
