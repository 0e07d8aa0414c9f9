#include "ceremony/src/approve_ceremony.h"

#include <fmt/format.h>

#include <algorithm>

#include "ceremony/src/custodian_card.h"
#include "ceremony/src/transcript_recorder.h"
#include "signer/bundle/bundle_show.h"
#include "signer/promote/promotion_history.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/promotion_approvals.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::ceremony {
namespace {

constexpr std::int64_t kDay = 24 * 60 * 60;

// The custodian's keys that may sign an approval: APPROVER keys, not revoked.
Result<std::vector<std::string>> approver_keys(const verifier::TrustedRoot& root,
                                               const std::string& custodian,
                                               const v1::Bundle& bundle) {
  if (custodian == bundle.requester()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} requested bundle {} {} and cannot approve it: two other "
                            "custodians must",
                            custodian, bundle.sku(), bundle.version()));
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
  return keys;
}

std::string statement_text(const v1::PromotionStatement& s) {
  return fmt::format(
      "Promotion statement\n  bundle digest  {}\n  SKU            {}\n  version        {}\n"
      "  channel        {}\n  valid          {} .. {}\n  request id     {}\n",
      to_hex(as_bytes(s.bundle_digest())), s.sku(), s.version(), s.channel(),
      s.not_before_unix(), s.not_after_unix(), s.request_id());
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

}  // namespace

Result<v1::Envelope> run_approve(const ApproveInput& in, CeremonyUi& ui, const Clock& clock) {
  const std::int64_t now = clock();
  if (in.plan == nullptr) return fail(ErrorCode::kUsage, "approve needs a plan");
  if (in.channel.empty() || in.request_id.empty()) {
    return fail(ErrorCode::kUsage, "an approval names a --channel and a --request-id");
  }
  if (in.valid_days == 0 || in.valid_days > 90) {
    return fail(ErrorCode::kUsage, "--valid-days must be 1..90");
  }
  ui.step("Trust root");
  auto root = verifier::verify_trust_root_chain(in.chain, now);
  if (!root) return std::unexpected(std::move(root).error().context("trust root chain"));
  for (const auto& r : in.revocations) {
    if (auto ok = root->add_revocation(r); !ok) return std::unexpected(ok.error());
  }
  ui.step("Bundle");
  auto contents = bundle::read_bundle(in.bundle);
  if (!contents) return std::unexpected(contents.error());
  const v1::Bundle& b = contents->bundle;
  if (root->bundle_revoked(contents->bundle_digest.bytes())) {
    return fail(ErrorCode::kPolicyRefused, "bundle " + contents->bundle_digest.hex() +
                                               " is revoked");
  }
  const v1::PlanCustodian* card = find_custodian(in.plan->plan, in.custodian);
  if (card == nullptr) {
    return fail(ErrorCode::kUsage,
                fmt::format("'{}' is not a custodian of plan {}", in.custodian, in.plan->origin));
  }
  auto keys = approver_keys(*root, in.custodian, b);
  if (!keys) return std::unexpected(keys.error());

  std::string review = bundle::render_summary(b, contents->bundle_digest);
  auto baseline = baseline_for(in, b);
  if (!baseline) return std::unexpected(baseline.error());
  if (in.against || in.history) {
    auto changes = bundle::render_changes(*baseline, b, contents->bundle_digest);
    if (!changes) return std::unexpected(changes.error());
    review += *changes;
  }
  v1::PromotionStatement s;
  s.set_bundle_digest(std::string(as_chars(contents->bundle_digest.bytes())));
  s.set_sku(b.sku());
  s.set_version(b.version());
  s.set_channel(in.channel);
  s.set_not_before_unix(now);
  s.set_not_after_unix(now + static_cast<std::int64_t>(in.valid_days) * kDay);
  s.set_request_id(in.request_id);
  const Bytes payload = verifier::deterministic_bytes(s);
  auto digest = verifier::sha256(payload);
  if (!digest) return std::unexpected(digest.error());

  ui.step("Review and sign");
  ui.show_signing(in.custodian, review + "\n" + statement_text(s), digest->hex());
  TranscriptRecorder transcript("approve", in.plan->digest.hex(), clock);
  auto opened = CustodianCard::open(*card, false, "approve " + b.sku() + " " + b.version(), ui,
                                    transcript);
  if (!opened) return std::unexpected(opened.error());
  CustodianCard& custodian_card = **opened;
  const std::string key_id = custodian_card.key().key_id();
  if (std::find(keys->begin(), keys->end(), key_id) == keys->end()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the key on {}'s card ({}) is not one of their approver keys in "
                            "trust root v{}",
                            in.custodian, key_id, root->version()));
  }
  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(bundle::kPromotionStatementType));
  envelope.set_payload(std::string(as_chars(payload)));
  auto sig = custodian_card.sign(verifier::pae(envelope.payload_type(), payload), ui);
  if (!sig) return std::unexpected(sig.error());
  auto* added = envelope.add_signatures();
  added->set_keyid(key_id);
  added->set_sig(std::string(as_chars(*sig)));
  const auto key = root->key(key_id);
  if (!key) return std::unexpected(key.error());
  if (auto ok = verifier::verify_envelope(envelope, std::span(&*key, 1), 1,
                                          envelope.payload_type());
      !ok) {
    return std::unexpected(std::move(ok).error().context("the signed approval"));
  }
  ui.info(fmt::format("{} approved {} {} (bundle digest {})", in.custodian, b.sku(), b.version(),
                      contents->bundle_digest.hex()));
  return envelope;
}

Result<void> write_approval(const std::filesystem::path& out, const v1::Envelope& approval) {
  const std::string json = verifier::envelope_to_json(approval);
  return fileio::write_file_exclusive(out, as_bytes(json), 0644);
}

}  // namespace hallmark::ceremony
