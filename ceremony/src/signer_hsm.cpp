#include "ceremony/src/signer_hsm.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hsm-profiles/profile/key_policy.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kSignerActor);

}  // namespace

SignerHsm::SignerHsm(PlannedToken token, CeremonyUi& ui, TranscriptRecorder& transcript)
    : token_(std::move(token)), ui_(&ui), transcript_(&transcript) {}

// The guard: keys generated here survive only a ceremony that kept them (keep_generated),
// whichever way the ceremony ended — a refusal, an early return, an exception.
SignerHsm::~SignerHsm() { discard_generated(); }

Result<std::unique_ptr<SignerHsm>> SignerHsm::open(const v1::PlanHsm& plan, CeremonyUi& ui,
                                                   TranscriptRecorder& transcript) {
  if (plan.uri().empty()) {
    return fail(ErrorCode::kUsage,
                "the plan names no signer HSM: add signer { uri: \"pkcs11:token=...\" }");
  }
  auto token = open_planned_token(plan.uri(), plan.profile(), plan.module(),
                                  plan.allow_software_token());
  if (!token) {
    transcript.failed("signer-hsm", kActor,
                      fmt::format("signer HSM {}: {}", plan.uri(), token.error().message));
    return std::unexpected(token.error().context("signer HSM"));
  }
  ui.progress(fmt::format("signer HSM: {}", describe_token(token->info)));
  PinRequest request;
  request.holder = PinRequest::Holder::kSignerHsm;
  request.name = kActor;
  request.purpose = "use the signer HSM";
  if (auto ok = login_with_retries(*token, std::move(request), ui, transcript, kActor); !ok) {
    return std::unexpected(ok.error());
  }
  return std::unique_ptr<SignerHsm>(new SignerHsm(std::move(*token), ui, transcript));
}

Result<void> SignerHsm::check_provenance(const hsm::TokenKey& key, std::string_view role) {
  // The signer HSM's role keys are made in it (the plan has no consent for an imported
  // one), or restored into it from a quorum backup.
  auto verdict = hsm::check_key_for_production(key.provenance(), token_.profile, false, key.name(),
                                               verifier::KeyOrigin::kQuorumBackup);
  if (!verdict) {
    transcript_->failed("provenance", kActor,
                        fmt::format("{} key {} refused: {}", role, key.key_id(),
                                    verdict.error().message),
                        &token_.info, {key.to_proto()});
    return std::unexpected(verdict.error());
  }
  return {};
}

Result<void> SignerHsm::check_labels_free(const std::vector<std::string>& labels) {
  for (const auto& label : labels) {
    hsm::AttributeTemplate match;
    match.add_text(CKA_LABEL, label);
    auto found = hsm::find_objects(token_.session, match, 1);
    if (!found) return std::unexpected(found.error());
    if (!found->empty()) {
      const std::string detail = fmt::format(
          "{} already holds an object labelled '{}': a ceremony never adopts a key of unknown "
          "origin; choose new key labels in the plan, or use an empty HSM token",
          describe_token(token_.info), label);
      transcript_->failed("signer-hsm", kActor, detail, &token_.info);
      return fail(ErrorCode::kPolicyRefused, detail);
    }
  }
  transcript_->ok("signer-hsm", kActor,
                  fmt::format("labels {} are free", fmt::join(labels, ", ")), &token_.info);
  return {};
}

Result<hsm::TokenKey> SignerHsm::generate(const v1::PlanKey& spec, std::string_view role) {
  auto key = hsm::generate_key(
      token_.session,
      hsm::KeySpec{.algorithm = spec.algorithm(), .label = spec.label(), .backup = spec.backup(),
                   .token_sets_encrypt_decrypt = token_.profile.token_sets_encrypt_decrypt()});
  if (!key) {
    transcript_->failed("generate-key", kActor,
                        fmt::format("{} key '{}': {}", role, spec.label(), key.error().message),
                        &token_.info);
    return std::unexpected(key.error().context(fmt::format("{} key", role)));
  }
  generated_.push_back(*key);
  if (auto ok = check_provenance(*key, role); !ok) return std::unexpected(ok.error());
  transcript_->ok("generate-key", kActor,
                  fmt::format("{} key '{}' generated inside the HSM: {} ({})", role,
                              spec.label(), key->key_id(),
                              spec.backup() ? "extractable only wrapped under a trusted key, "
                                              "for a quorum backup"
                                            : "never extractable"),
                  &token_.info, {key->to_proto()});
  ui_->progress(fmt::format("{} key '{}' generated inside the HSM: {}", role, spec.label(),
                            key->key_id()));
  return key;
}

Result<hsm::TokenKey> SignerHsm::find(std::string_view key_id, std::string_view role) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto handles = hsm::find_objects(token_.session, match, 1024);
  if (!handles) return std::unexpected(handles.error());
  for (CK_OBJECT_HANDLE handle : *handles) {
    auto key = hsm::TokenKey::from_handle(token_.session, handle);
    if (!key || key->key_id() != key_id) continue;  // other keys may be of other kinds
    if (auto ok = check_provenance(*key, role); !ok) return std::unexpected(ok.error());
    transcript_->ok("key", kActor, fmt::format("{} key {} found ({})", role, key_id, key->name()),
                    &token_.info, {key->to_proto()});
    return key;
  }
  transcript_->failed("key", kActor, fmt::format("{} key {} not found", role, key_id),
                      &token_.info);
  return fail(ErrorCode::kToken,
              fmt::format("the {} key {} named by the trust root is not in {}: bring the "
                          "signer HSM that holds it (check signer.uri in the plan)",
                          role, key_id, describe_token(token_.info)));
}

Result<hsm::ProductionSigner> SignerHsm::signer(const hsm::TokenKey& key,
                                                hsm::ProductionRole role) {
  return hsm::ProductionSigner::create(token_.session, key, token_.profile, role);
}

Result<void> SignerHsm::check_empty() {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto found = hsm::find_objects(token_.session, match, 1);
  if (!found) return std::unexpected(found.error());
  if (!found->empty()) {
    const std::string detail = fmt::format(
        "{} already holds a private key: a restore goes into a fresh, empty token only (so "
        "no key of unknown origin sits beside the restored ones); initialise a new token",
        describe_token(token_.info));
    transcript_->failed("signer-hsm", kActor, detail, &token_.info);
    return fail(ErrorCode::kPolicyRefused, detail);
  }
  transcript_->ok("signer-hsm", kActor, "the token holds no private key", &token_.info);
  return {};
}

Result<Bytes> SignerHsm::wrap(const hsm::TokenKey& key, const hsm::WrappingKey& kek,
                              std::string_view role) {
  auto wrapped = hsm::wrap_key(token_.session, kek, key.handle(),
                               fmt::format("the {} key {}", role, key.key_id()));
  if (!wrapped) {
    transcript_->failed("wrap-key", kActor, wrapped.error().message, &token_.info,
                        {key.to_proto()});
    return wrapped;
  }
  transcript_->ok("wrap-key", kActor,
                  fmt::format("{} key {} wrapped by the HSM (CKM_AES_KEY_WRAP_PAD, {} bytes) "
                              "under the trusted key-encryption key",
                              role, key.key_id(), wrapped->size()),
                  &token_.info, {key.to_proto()});
  return wrapped;
}

Result<hsm::WrappingKey> SignerHsm::unwrapping_key(ByteView kek_bytes) {
  return hsm::WrappingKey::create(token_.session, kek_bytes, hsm::WrappingKey::Use::kUnwrap);
}

Result<hsm::TokenKey> SignerHsm::restore(const hsm::WrappingKey& kek,
                                         const v1::WrappedKey& wrapped, std::string_view role,
                                         hsm::CreatedObjects& created) {
  auto fail_with = [&](Error error) -> Result<hsm::TokenKey> {
    transcript_->failed("restore-key", kActor,
                        fmt::format("{} key {}: {}", role, wrapped.public_key().key_id(),
                                    error.message),
                        &token_.info);
    return std::unexpected(std::move(error));
  };
  auto public_key = verifier::PublicKey::from_proto(wrapped.public_key());
  if (!public_key) return fail_with(public_key.error());
  hsm::KeySpec spec{public_key->algorithm(), wrapped.label(), to_bytes(wrapped.ckaid()), false,
                    true};
  const Bytes id = to_bytes(wrapped.ckaid());
  auto handle = hsm::unwrap_private_key(token_.session, kek, as_bytes(wrapped.wrapped()), spec,
                                        id, created);
  if (!handle) return fail_with(handle.error());
  auto pub = hsm::create_public_key(token_.session, *public_key, wrapped.label(), id, created);
  if (!pub) return fail_with(pub.error());
  auto key = hsm::TokenKey::from_handle(token_.session, *handle);
  if (!key) return fail_with(key.error());
  if (key->key_id() != public_key->key_id()) {
    return fail_with(Error{ErrorCode::kVerificationFailed,
                           fmt::format("the restored key reads as {}, not {}", key->key_id(),
                                       public_key->key_id()),
                           0,
                           {}});
  }
  if (auto ok = check_provenance(*key, role); !ok) return std::unexpected(ok.error());
  // The public half came from the trust root; a private key that is not its pair fails here.
  auto signer = hsm::TokenSigner::create(token_.session, *key);
  if (!signer) return fail_with(signer.error());
  auto signature = signer->sign(as_bytes("hallmark restore check"));
  if (!signature) {
    return fail_with(signature.error().context("the restored private key does not sign for "
                                               "the trust root's public key"));
  }
  transcript_->ok("restore-key", kActor,
                  fmt::format("{} key {} unwrapped into the HSM as '{}'; a test signature "
                              "verifies with the trust root's public key",
                              role, key->key_id(), key->label()),
                  &token_.info, {key->to_proto()});
  return key;
}

void SignerHsm::discard_generated() noexcept {
  if (generated_.empty()) return;
  CK_FUNCTION_LIST* f = token_.session.functions();
  const CK_SESSION_HANDLE session = token_.session.handle();
  for (const auto& key : generated_) {
    // The public half: same label and CKA_ID, as keygen made it.
    hsm::AttributeTemplate match;
    match.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_text(CKA_LABEL, key.label());
    match.add_bytes(CKA_ID, key.id());
    auto publics = hsm::find_objects(token_.session, match, 2);
    if (publics && publics->size() == 1) f->C_DestroyObject(session, publics->front());
    const CK_RV rv = f->C_DestroyObject(session, key.handle());
    const std::string what = fmt::format("key '{}' ({}) generated in this refused ceremony",
                                         key.label(), key.key_id());
    if (rv == CKR_OK) {
      transcript_->ok("discard-key", kActor, what + " destroyed", &token_.info);
    } else {
      transcript_->failed("discard-key", kActor,
                          what + fmt::format(" could not be destroyed (CK_RV 0x{:x}): delete "
                                             "it by hand before running the ceremony again",
                                             rv),
                          &token_.info);
      ui_->warning(fmt::format("could not destroy {}: delete it by hand", what));
    }
  }
  generated_.clear();
}

}  // namespace hallmark::ceremony
