// Key generation inside a token, with templates that leave the private key sign-only,
// sensitive and never extractable.
//
// The private key gets CKA_TOKEN, CKA_PRIVATE, CKA_SIGN, CKA_SENSITIVE true; CKA_DECRYPT,
// CKA_UNWRAP, CKA_DERIVE, CKA_EXTRACTABLE false (KeySpec::backup: extractable only under a
// trusted wrapping key); CKA_ALLOWED_MECHANISMS exactly the one
// mechanism TokenSigner uses (CKM_ECDSA, CKM_RSA_PKCS_PSS or CKM_EDDSA); optionally
// CKA_ALWAYS_AUTHENTICATE (CKA_DECRYPT / CKA_ENCRYPT left to tokens that fix them
// themselves, see KeySpec). The public key is verify-only. A label already used on the
// token is refused, so a URI by label keeps naming one key. Requires a logged-in user
// session. Never reads or exports private key material. Thread-safety: as the Session.
#pragma once

#include <optional>
#include <string>

#include <p11-kit/pkcs11.h>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_key.h"
#include "verifier/core/bytes.h"

namespace hallmark::hsm {

// Spelt with designated initializers (.label = ..., .backup = ...): the flags are all bools.
struct KeySpec {
  v1::KeyAlgorithm algorithm = v1::ECDSA_P256_SHA256;
  std::string label{};
  Bytes id{};  // CKA_ID; empty: 16 random bytes
  bool always_authenticate = false;
  // A signer-HSM role key a plan backs up: CKA_EXTRACTABLE true with CKA_WRAP_WITH_TRUSTED
  // true, so it leaves the token only wrapped under a key the security officer marked
  // CKA_TRUSTED (hsm-profiles/src/key_wrap.h). Otherwise never extractable.
  bool backup = false;
  // Leave CKA_ENCRYPT / CKA_DECRYPT out of the templates: for tokens that fix them and
  // refuse a template that sets them (profile token_sets_encrypt_decrypt, tpm2-pkcs11).
  bool token_sets_encrypt_decrypt = false;
};

// The one signing mechanism Hallmark uses for `algorithm`; empty for an unknown one.
std::optional<CK_MECHANISM_TYPE> signing_mechanism(v1::KeyAlgorithm algorithm);

Result<TokenKey> generate_key(Session& session, const KeySpec& spec);

// The private key template generate_key uses (the one place for a role key's attributes),
// for `spec` with CKA_ID `id`; unwrap_private_key (key_wrap.h) restores keys with it too.
// Empty optional for an unknown algorithm.
std::optional<AttributeTemplate> private_key_template(const KeySpec& spec, ByteView id);

}  // namespace hallmark::hsm
