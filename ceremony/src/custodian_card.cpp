#include "ceremony/src/custodian_card.h"

#include <fmt/format.h>

#include "ceremony/src/summary.h"
#include "hsm-profiles/profile/key_policy.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_signer.h"

namespace hallmark::ceremony {
namespace {

Result<bool> private_key_exists(const hsm::Session& session, const std::string& label) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, label);
  auto found = hsm::find_objects(session, match, 1);
  if (!found) return std::unexpected(found.error());
  return !found->empty();
}

// The custodian's key on the card: found by its label, or generated there when it is
// missing and both the caller (`may_generate`) and the plan (generate_if_missing) allow it;
// recorded.
Result<hsm::TokenKey> card_key(const v1::PlanCustodian& plan, bool may_generate,
                               PlannedToken& token, CeremonyUi& ui,
                               TranscriptRecorder& transcript) {
  const std::string& name = plan.name();
  hsm::TokenUri key_uri = token.uri;
  key_uri.object_label = plan.key_label();
  hsm::Session& session = token.session;
  auto exists = private_key_exists(session, plan.key_label());
  if (!exists) return std::unexpected(exists.error());
  Result<hsm::TokenKey> key = fail(ErrorCode::kInternal, "unset");
  if (!*exists && may_generate && plan.generate_if_missing()) {
    key = hsm::generate_key(session, hsm::KeySpec{.algorithm = plan.algorithm(),
                                                  .label = plan.key_label(),
                                                  .always_authenticate = plan.always_authenticate()});
    if (key) {
      transcript.ok("generate-key", name,
                    fmt::format("custodian key '{}' generated on the card: {}",
                                plan.key_label(), key->key_id()),
                    &token.info, {key->to_proto()});
      ui.progress(fmt::format("{}: key '{}' generated on the card", name, plan.key_label()));
    }
  } else if (!*exists) {
    key = fail(ErrorCode::kToken,
               fmt::format("custodian {}: no key labelled '{}' on {}: generate one on the card "
                           "(hallmark-ceremony key generate, or generate_if_missing: true in "
                           "the plan at init) or check the card",
                           name, plan.key_label(), describe_token(token.info)));
  } else {
    key = hsm::TokenKey::find(session, key_uri);
  }
  if (!key) transcript.failed("key", name, key.error().message, &token.info);
  return key;
}

}  // namespace

CustodianCard::CustodianCard(std::string custodian, PlannedToken token, hsm::TokenKey key)
    : custodian_(std::move(custodian)), token_(std::move(token)), key_(std::move(key)) {}

std::string CustodianCard::card_id() const {
  return fmt::format("{}/{}", token_.info.serial(), token_.info.label());
}

Result<std::unique_ptr<CustodianCard>> CustodianCard::open(const v1::PlanCustodian& plan,
                                                           bool may_generate,
                                                           const std::string& purpose,
                                                           CeremonyUi& ui,
                                                           TranscriptRecorder& transcript,
                                                           const TokenCheck& check_token) {
  const std::string& name = plan.name();
  auto token = open_planned_token(plan.card_uri(), plan.profile(), plan.module(),
                                  plan.allow_software_token());
  if (!token) {
    transcript.failed("card", name,
                      fmt::format("card {}: {}", plan.card_uri(), token.error().message));
    return std::unexpected(token.error().context("card of custodian " + name));
  }
  ui.progress(fmt::format("{}: {}", name, describe_token(token->info)));
  if (check_token) {
    if (auto ok = check_token(token->info); !ok) return std::unexpected(ok.error());
  }
  PinRequest request;
  request.holder = PinRequest::Holder::kCustodian;
  request.name = name;
  request.purpose = purpose;
  if (auto ok = login_with_retries(*token, std::move(request), ui, transcript, name); !ok) {
    return std::unexpected(ok.error());
  }

  auto key = card_key(plan, may_generate, *token, ui, transcript);
  if (!key) return std::unexpected(key.error());
  auto verdict = hsm::check_key_for_production(key->provenance(), token->profile,
                                               plan.allow_imported_key(), key->name());
  if (!verdict) {
    transcript.failed("provenance", name,
                      fmt::format("{} refused: {}", key->key_id(), verdict.error().message),
                      &token->info, {key->to_proto()});
    return std::unexpected(verdict.error().context(
        fmt::format("custodian {}: a custodian key must be generated on the card and never "
                    "extractable; generate a new one on the card",
                    name)));
  }
  transcript.ok("provenance", name,
                fmt::format("key {} ({}): {}", key->key_id(), key->name(),
                            provenance_text(verdict->believed)),
                &token->info, {key->to_proto()});
  if (verdict->imported) {
    transcript.ok("imported-key", name, fmt::format("{}: {}", key->key_id(), verdict->note),
                  &token->info, {key->to_proto()});
  }
  ui.progress(fmt::format("{}: key {} — {}{}", name, key->key_id(),
                          provenance_text(verdict->believed),
                          verdict->imported ? " (imported: the plan and the profile allow it)"
                                            : ""));
  hsm::TokenKey found = std::move(*key);
  return std::unique_ptr<CustodianCard>(
      new CustodianCard(name, std::move(*token), std::move(found)));
}

Result<Bytes> CustodianCard::sign(ByteView message, CeremonyUi& ui) {
  hsm::Session& session = token_.session;
  auto pin_for_signature = [this, &ui, &session]() -> Result<hsm::Pin> {
    PinRequest request;
    request.holder = PinRequest::Holder::kCustodian;
    request.name = custodian_;
    request.token_label = token_.info.label();
    auto state = session.pin_state();
    if (state) request.state = *state;
    request.purpose = "authorise this signature (the key asks for its PIN every time)";
    return ui.ask_pin(request);
  };
  auto signer = hsm::TokenSigner::create(session, key_, pin_for_signature);
  if (!signer) return std::unexpected(signer.error().context("custodian " + custodian_));
  auto signature = signer->sign(message);
  if (!signature) return std::unexpected(signature.error().context("custodian " + custodian_));
  return signature;
}

}  // namespace hallmark::ceremony
