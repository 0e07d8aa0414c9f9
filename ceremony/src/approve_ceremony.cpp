#include "ceremony/src/approve_ceremony.h"

#include <fmt/format.h>

#include <set>
#include <span>

#include "ceremony/src/ceremony_run.h"
#include "verifier/bundle/bundle_show.h"
#include "verifier/bundle/promotion_history.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/promotion_approvals.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::ceremony {
namespace {

constexpr std::int64_t kDay = 24 * 60 * 60;
const std::string kActor(kCeremonyActor);

Error usage(std::string message) { return Error{ErrorCode::kUsage, std::move(message), 0, {}}; }

// The custodian's keys that may sign an approval: APPROVER keys, not revoked.
Result<std::vector<std::string>> approver_keys(const verifier::TrustedRoot& root,
                                               const std::string& custodian,
                                               const v1::Bundle& bundle) {
  if (auto form = bundle::check_requester_form(bundle.requester()); !form) {
    return std::unexpected(form.error());
  }
  if (root.custodian_revoked(custodian)) {
    return fail(ErrorCode::kPolicyRefused, custodian + " is revoked and cannot approve");
  }
  std::vector<std::string> keys;
  for (const auto& key : root.role_keys(v1::APPROVER)) {
    if (bundle::identity_of_key(root.current(), key.key_id()) == custodian) {
      keys.push_back(key.key_id());
    }
  }
  if (keys.empty()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} holds no unrevoked APPROVER key in trust root v{}", custodian,
                            root.version()));
  }
  // The requester is a key identity: any key of this custodian is this custodian.
  for (const auto& id : keys) {
    if (auto ok = bundle::refuse_requester(root.current(), bundle.requester(), id); !ok) {
      return std::unexpected(ok.error().context(
          fmt::format("bundle {} {}: two other custodians must approve", bundle.sku(),
                      bundle.version())));
    }
  }
  return keys;
}

std::string statement_text(const v1::PromotionStatement& s) {
  return fmt::format(
      "Promotion statement\n  bundle digest  {}\n  SKU            {}\n  version        {}\n"
      "  channel        {}\n  valid          {} .. {}\n  request id     {}\n",
      to_hex(as_bytes(s.bundle_digest())), s.sku(), s.version(), s.channel(),
      verifier::format_utc(s.not_before_unix()), verifier::format_utc(s.not_after_unix()),
      s.request_id());
}

// The bundle the custodian's diff is against: --against, or the last promoted for the SKU
// in --history (none when the SKU was never promoted, or when neither is given).
Result<std::optional<bundle::Baseline>> baseline_for(const ApproveInput& in,
                                                     const v1::Bundle& bundle) {
  if (in.against && in.history) {
    return fail(ErrorCode::kUsage, "compare against --against or --history, not both");
  }
  if (in.against) {
    auto before = bundle::read_bundle(*in.against);
    if (!before) return std::unexpected(before.error());
    return bundle::Baseline{std::move(before->bundle), before->bundle_digest,
                            in.against->string()};
  }
  if (!in.history) return std::optional<bundle::Baseline>();
  auto last = promote::last_promoted(*in.history, bundle.sku());
  if (!last) return std::unexpected(last.error());
  if (!*last) return std::optional<bundle::Baseline>();
  return bundle::Baseline{std::move((*last)->bundle), (*last)->record.bundle_digest,
                          promote::describe(**last)};
}


// The bundle to approve, read and checked, not revoked under `trust`; recorded.
Result<bundle::BundleContents> read_reviewed_bundle(const ApproveInput& in,
                                                    const verifier::Trust& trust,
                                                    TranscriptRecorder& transcript) {
  auto contents = bundle::read_bundle(in.bundle);
  if (!contents) {
    transcript.failed("bundle", kActor, in.bundle.filename().string() + ": " + contents.error().message);
    return std::unexpected(contents.error());
  }
  const v1::Bundle& b = contents->bundle;
  const std::string digest_hex = contents->bundle_digest.hex();
  if (auto revoked = trust.refuse_revoked_bundle(contents->bundle_digest.bytes()); !revoked) {
    const std::string detail = revoked.error().message;
    transcript.failed("bundle", kActor, detail);
    return std::unexpected(Error{ErrorCode::kPolicyRefused, detail, 0, {}});
  }
  transcript.ok("bundle", kActor,
                fmt::format("{}: {} {} requested by {}, SHA-256 {}; {} image digests checked",
                            in.bundle.filename().string(), b.sku(), b.version(), b.requester(),
                            digest_hex, b.images_size()));
  return contents;
}

// The custodian approving: one of the plan (`card` is theirs), holding approver keys, not
// revoked, not the requester; recorded. The keys that may sign, or the refusal, decided
// before their card is touched.
Result<std::vector<std::string>> check_approver(const ApproveInput& in,
                                                const v1::PlanCustodian* card,
                                                const verifier::TrustedRoot& root,
                                                const v1::Bundle& b,
                                                TranscriptRecorder& transcript) {
  if (card == nullptr) {
    const std::string detail =
        fmt::format("'{}' is not a custodian of plan {}", in.custodian, in.plan->origin);
    transcript.failed("custodian", in.custodian, detail);
    return std::unexpected(usage(detail));
  }
  auto keys = approver_keys(root, in.custodian, b);
  if (!keys) {
    // The requester, a revoked custodian or one with no approver key is refused before
    // their card is touched (docs/guides/custodian.md): no PIN, not even for the
    // transcript of the refusal, which stays unsigned.
    transcript.failed("custodian", in.custodian, keys.error().message);
    return keys;
  }
  transcript.ok("custodian", in.custodian,
                fmt::format("not the requester, not revoked; approver keys in trust root v{}: "
                            "{}",
                            root.version(), join_names(*keys)));
  return keys;
}

// What the custodian reviews (the bundle's summary, and its changes against the baseline
// when one was asked for) and the diff as the transcript records it.
struct Review {
  std::string text;
  std::string diff;
};

Result<Review> review_of(const ApproveInput& in, const bundle::BundleContents& contents,
                         TranscriptRecorder& transcript) {
  const v1::Bundle& b = contents.bundle;
  std::string review = bundle::render_summary(b, contents.bundle_digest);
  auto baseline = baseline_for(in, b);
  if (!baseline) {
    transcript.failed("review", kActor, baseline.error().message);
    return std::unexpected(baseline.error());
  }
  std::string diff = "no diff requested (neither --against nor --history)";
  if (in.against || in.history) {
    auto changes = bundle::render_changes(*baseline, b, contents.bundle_digest);
    if (!changes) {
      transcript.failed("review", kActor, changes.error().message);
      return std::unexpected(changes.error());
    }
    review += *changes;
    diff = *baseline ? "diff against " + (*baseline)->description + ":\n" + *changes
                     : "first promotion of SKU " + b.sku() + ":\n" + *changes;
  }
  return Review{std::move(review), std::move(diff)};
}

// The statement the custodian signs: this bundle on in.channel for in.request_id, valid
// from `now` for in.valid_days.
v1::PromotionStatement promotion_statement(const ApproveInput& in,
                                           const bundle::BundleContents& contents,
                                           std::int64_t now) {
  const v1::Bundle& b = contents.bundle;
  v1::PromotionStatement s;
  s.set_bundle_digest(std::string(as_chars(contents.bundle_digest.bytes())));
  s.set_sku(b.sku());
  s.set_version(b.version());
  s.set_channel(in.channel);
  s.set_not_before_unix(now);
  s.set_not_after_unix(now + static_cast<std::int64_t>(in.valid_days) * kDay);
  s.set_request_id(in.request_id);
  return s;
}

// The signed approval verifies with the custodian's key in `root`; recorded.
Result<void> verify_approval(const v1::Envelope& envelope, const verifier::TrustedRoot& root,
                             const std::string& custodian, TranscriptRecorder& transcript) {
  const std::string key_id = envelope.signatures(0).keyid();
  const auto key = root.key(key_id);
  if (!key) return std::unexpected(key.error());
  if (auto ok = verifier::verify_envelope(envelope, std::span(&*key, 1), 1,
                                          envelope.payload_type());
      !ok) {
    transcript.failed("verify", kActor, ok.error().message);
    return std::unexpected(std::move(ok).error().context("the signed approval"));
  }
  transcript.ok("verify", kActor,
                fmt::format("the approval verifies with {}'s key {}", custodian, key_id));
  return {};
}

}  // namespace

CeremonyOutcome run_approve(const ApproveInput& in, CeremonyContext& context) {
  if (in.plan == nullptr) {
    CeremonyOutcome outcome;
    outcome.ceremony = "approve";
    outcome.error = Error{ErrorCode::kUsage, "approve needs a plan", 0, {}};
    return outcome;
  }
  CeremonyRun run("approve", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const std::int64_t now = run.now();
  if (in.channel.empty() || in.request_id.empty()) {
    return run.refuse(usage("an approval names a --channel and a --request-id"), {});
  }
  if (in.valid_days == 0 || in.valid_days > 90) {
    return run.refuse(usage("--valid-days must be 1..90"), {});
  }
  transcript.ok("plan", kActor,
                fmt::format("plan {} (SHA-256 {}) for the custodian's card; {} approves on "
                            "channel {} for request {}, valid {} days",
                            in.plan->file_name(), in.plan->digest.hex(), in.custodian, in.channel,
                            in.request_id, in.valid_days));
  ui.step("Trust root");
  auto trust = verify_chain(in.chain, in.revocations, now, transcript);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* root = &trust->root();

  ui.step("Bundle");
  auto contents = read_reviewed_bundle(in, *trust, transcript);
  if (!contents) return run.refuse(contents.error(), {});
  const v1::Bundle& b = contents->bundle;
  const std::string digest_hex = contents->bundle_digest.hex();

  const v1::PlanCustodian* card = find_custodian(in.plan->plan, in.custodian);
  auto keys = check_approver(in, card, *root, b, transcript);
  if (!keys) return run.refuse(keys.error(), {});
  const std::vector<const v1::PlanCustodian*> approver{card};

  auto review = review_of(in, *contents, transcript);
  if (!review) return run.refuse(review.error(), approver);
  const v1::PromotionStatement s = promotion_statement(in, *contents, now);
  // What every custodian approving this request reads aloud: the same for all of them
  // (their validity windows, and so their payloads, differ).
  auto approval = bundle::approval_digest(s);
  if (!approval) return run.refuse(approval.error(), {});
  const Bytes payload = verifier::deterministic_bytes(s);
  auto digest = verifier::sha256(payload);
  if (!digest) return run.refuse(digest.error(), {});
  transcript.ok("review", in.custodian,
                fmt::format("shown bundle SHA-256 {}, approval digest {} (read aloud: the same "
                            "for every approval of request {}) and statement payload SHA-256 "
                            "{}; {}",
                            digest_hex, approval->hex(), in.request_id, digest->hex(),
                            review->diff));

  ui.step("Review and sign");
  const SignerSeat seat{card, std::set<std::string>(keys->begin(), keys->end())};
  auto envelope = run.table().sign(std::span(&seat, 1), bundle::kPromotionStatementType, payload,
                                   review->text + "\n" + statement_text(s),
                                   "approve " + b.sku() + " " + b.version(),
                                   ReadAloud{"approval digest", approval->hex()});
  if (!envelope) return run.refuse(envelope.error(), approver);
  if (auto ok = verify_approval(*envelope, *root, in.custodian, transcript); !ok) {
    return run.refuse(ok.error(), approver);
  }
  const std::string outcome = fmt::format("{} approved {} {} (bundle digest {})", in.custodian,
                                          b.sku(), b.version(), digest_hex);
  ui.info(outcome);
  return run.succeed(std::move(*envelope), std::string(bundle::kPromotionStatementType),
                     root->version(), outcome);
}

}  // namespace hallmark::ceremony
