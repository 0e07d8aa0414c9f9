// TokenSigner: signatures from a key inside a token, in exactly the format
// verifier::PublicKey::verify() checks.
//
// ECDSA P-256/P-384: the host hashes (SHA-256/SHA-384), the token signs with CKM_ECDSA,
// r‖s is DER-encoded. RSA-3072: CKM_RSA_PKCS_PSS over a host SHA-256 digest (MGF1-SHA-256,
// salt 32). Ed25519: CKM_EDDSA over the message itself, single-part, at most 64 KiB
// (sign a digest or a statement instead of a whole image). For a CKA_ALWAYS_AUTHENTICATE
// key every signature asks the PIN callback and does C_Login(CKU_CONTEXT_SPECIFIC) after
// C_SignInit; the PIN is wiped as soon as the login returns. By default every signature is
// verified against the key's public key (decoded once, when the key was read) before it is
// returned, so a token that pairs the wrong public key, or signs wrongly, yields an error
// rather than a bad signature. A caller that verifies every signature itself before using
// it (x509::CertificateIssuer does, for each certificate) creates the signer with
// SignatureCheck::kByCaller, so a signature is verified once, not twice.
// Never reads private key material. Thread-safety: as the Session it signs on, which the
// signer shares (Session::share): moving or destroying the Session it was created with
// leaves the signer working, and the session stays open while the signer exists.
#pragma once

#include <cstddef>
#include <functional>

#include <p11-kit/pkcs11.h>

#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_key.h"
#include "verifier/core/bytes.h"
#include "verifier/core/public_key.h"

namespace hallmark::hsm {

// Supplies the PIN for one context-specific login; called once per signature.
using PinCallback = std::function<Result<Pin>()>;

// Who verifies each signature under the key's public key before it is used.
enum class SignatureCheck {
  kEverySignature,  // sign() does (the default)
  kByCaller,        // the caller does, for every signature, before anything relies on it
};

class TokenSigner {
 public:
  static constexpr std::size_t kMaxEddsaMessage = 64 * 1024;

  // Checks that the token offers the key's signing mechanism, and that a key needing a
  // login per signature has a PIN callback.
  static Result<TokenSigner> create(Session& session, TokenKey key,
                                    PinCallback context_pin = {},
                                    SignatureCheck check = SignatureCheck::kEverySignature);

  Result<Bytes> sign(ByteView message);

  const verifier::PublicKey& public_key() const noexcept { return key_.public_key(); }
  const std::string& key_id() const noexcept { return key_.key_id(); }
  const TokenKey& key() const noexcept { return key_; }

 private:
  TokenSigner(Session& session, TokenKey key, PinCallback context_pin,
              CK_MECHANISM_TYPE mechanism, SignatureCheck check);
  Result<Bytes> sign_prepared(ByteView data);
  void abandon_operation(ByteView data) noexcept;

  Session session_;  // shared with the Session given to create()
  TokenKey key_;
  PinCallback context_pin_;
  CK_MECHANISM_TYPE mechanism_;
  SignatureCheck check_;
};

}  // namespace hallmark::hsm
