#include "hsm-profiles/src/token_signer.h"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/module_allocations.h"
#include "verifier/core/digest_algorithms.h"

namespace hallmark::hsm {
namespace {

// Large enough for every signature Hallmark makes (RSA-3072: 384 bytes), so C_Sign is
// called once: a size query could use up a context-specific login on some tokens.
constexpr std::size_t kSignatureBuffer = 512;

Result<Bytes> host_digest(const EVP_MD* md, ByteView message) {
  if (md == nullptr) return fail(ErrorCode::kInternal, "hashing the message failed: no digest");
  Bytes digest(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int size = 0;
  if (EVP_Digest(message.data(), message.size(),
                 reinterpret_cast<unsigned char*>(digest.data()), &size, md, nullptr) != 1) {
    return fail(ErrorCode::kInternal, "hashing the message failed");
  }
  digest.resize(size);
  return digest;
}

CK_BYTE_PTR bytes_ptr(ByteView data) {
  // C_Sign/C_SignInit take non-const pointers; no module writes through them.
  return reinterpret_cast<CK_BYTE_PTR>(const_cast<std::byte*>(data.data()));
}

}  // namespace

TokenSigner::TokenSigner(Session& session, TokenKey key, PinCallback context_pin,
                         CK_MECHANISM_TYPE mechanism, SignatureCheck check)
    : session_(session.share()),
      key_(std::move(key)),
      context_pin_(std::move(context_pin)),
      mechanism_(mechanism),
      check_(check) {}

Result<TokenSigner> TokenSigner::create(Session& session, TokenKey key,
                                        PinCallback context_pin, SignatureCheck check) {
  const auto mechanism = signing_mechanism(key.algorithm());
  if (!mechanism) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} has no Hallmark signing algorithm", key.name()));
  }
  CK_MECHANISM_INFO info{};
  CK_RV rv = session.functions()->C_GetMechanismInfo(session.slot(), *mechanism, &info);
  if (rv == CKR_MECHANISM_INVALID || (rv == CKR_OK && (info.flags & CKF_SIGN) == 0)) {
    return fail(ErrorCode::kToken,
                fmt::format("token '{}' cannot sign with {} needed by {}: use a key of "
                            "another algorithm or another token",
                            session.token_label(), ck_mechanism_name(*mechanism), key.name()));
  }
  if (rv != CKR_OK) return std::unexpected(session.error(rv, "C_GetMechanismInfo"));
  if (key.provenance().always_authenticate() && !context_pin) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} needs the PIN for every signature (CKA_ALWAYS_AUTHENTICATE): "
                            "give a PIN source",
                            key.name()));
  }
  return TokenSigner(session, std::move(key), std::move(context_pin), *mechanism, check);
}

Result<Bytes> TokenSigner::sign(ByteView message) {
  Result<Bytes> data = fail(ErrorCode::kInternal, "unset");
  switch (key_.algorithm()) {
    case v1::ECDSA_P256_SHA256:
    case v1::RSA_PSS_3072_SHA256: data = host_digest(ossl::sha256_md(), message); break;
    case v1::ECDSA_P384_SHA384: data = host_digest(ossl::sha384_md(), message); break;
    case v1::ED25519:
      if (message.size() > kMaxEddsaMessage) {
        return fail(ErrorCode::kUsage,
                    fmt::format("a {}-byte message is too long for Ed25519 on a token (at most "
                                "{} bytes, single-part): sign a digest or a statement instead",
                                message.size(), kMaxEddsaMessage));
      }
      data = Bytes(message.begin(), message.end());
      break;
    default: return fail(ErrorCode::kInternal, "unknown key algorithm");
  }
  if (!data) return std::unexpected(data.error());

  auto signature = sign_prepared(*data);
  if (!signature) return std::unexpected(signature.error());
  if (mechanism_ == CKM_ECDSA) {
    signature = verifier::ecdsa_raw_to_der(*signature);
    if (!signature) return std::unexpected(signature.error().context(key_.name()));
  }
  if (check_ == SignatureCheck::kByCaller) return signature;
  if (auto ok = key_.public_key().verify(message, *signature); !ok) {
    return fail(ErrorCode::kToken,
                fmt::format("a signature made with {} does not verify under its public key: "
                            "the token is faulty, or its public key object does not belong to "
                            "this private key. Nothing signed was used: replace the token",
                            key_.name()));
  }
  return signature;
}

Result<Bytes> TokenSigner::sign_prepared(ByteView data) {
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mechanism{mechanism_, nullptr, 0};
  if (mechanism_ == CKM_RSA_PKCS_PSS) {
    mechanism.pParameter = &pss;
    mechanism.ulParameterLen = sizeof pss;
  }
  CK_FUNCTION_LIST* f = session_.functions();
  const auto what = fmt::format("signing with {} ({})", key_.name(),
                                ck_mechanism_name(mechanism_));
  CK_RV rv = CKR_OK;
  {
    // SoftHSM 2.6.1 (Debian 12) leaks 37 bytes in every C_SignInit with an Ed25519 key: an
    // ASN1_STRING (24 bytes, 13 of data) it decodes with libcrypto's ASN1_item_d2i and
    // never frees (stack in docs/testing.md, "Sanitizer suites"); a P-384 key there leaks
    // nothing.
    const ModuleAllocations softhsm_ed25519_leak;
    rv = f->C_SignInit(session_.handle(), &mechanism, key_.handle());
  }
  if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID ||
      rv == CKR_KEY_FUNCTION_NOT_PERMITTED || rv == CKR_KEY_TYPE_INCONSISTENT) {
    return std::unexpected(session_.error(
        rv, fmt::format("{}: the token or the key does not allow this mechanism", what)));
  }
  if (rv == CKR_USER_NOT_LOGGED_IN) {
    return std::unexpected(session_.error(rv, fmt::format("{}: log in first", what)));
  }
  if (rv != CKR_OK) return std::unexpected(session_.error(rv, what));

  if (key_.provenance().always_authenticate()) {
    auto pin = context_pin_();
    if (!pin) {
      abandon_operation(data);
      return std::unexpected(pin.error().context(what));
    }
    auto login = session_.context_login(*pin);
    if (!login) {
      abandon_operation(data);
      return std::unexpected(login.error().context(what));
    }
  }

  Bytes signature(kSignatureBuffer);
  auto size = static_cast<CK_ULONG>(signature.size());
  rv = f->C_Sign(session_.handle(), bytes_ptr(data), static_cast<CK_ULONG>(data.size()),
                 reinterpret_cast<CK_BYTE_PTR>(signature.data()), &size);
  if (rv != CKR_OK) {
    // Any C_Sign error but BUFFER_TOO_SMALL ends the operation; that one cannot happen
    // with kSignatureBuffer, but end it anyway rather than leave the session busy.
    if (rv == CKR_BUFFER_TOO_SMALL) abandon_operation(data);
    auto error = session_.error(rv, what);
    if (rv == CKR_USER_NOT_LOGGED_IN && key_.provenance().always_authenticate()) {
      error.message += " (the key needs a context-specific login for every signature)";
    }
    return std::unexpected(std::move(error));
  }
  signature.resize(size);
  return signature;
}

void TokenSigner::abandon_operation(ByteView data) noexcept {
  // PKCS#11 2.40 has no cancel: a C_Sign that fails (not logged in) terminates the active
  // signing operation, and one that succeeds ends it too; its signature is discarded.
  std::array<CK_BYTE, kSignatureBuffer> discard{};
  auto size = static_cast<CK_ULONG>(discard.size());
  session_.functions()->C_Sign(session_.handle(), bytes_ptr(data),
                                static_cast<CK_ULONG>(data.size()), discard.data(), &size);
}

}  // namespace hallmark::hsm
