// A private key on a token, found by URI, with its public key and its provenance.
//
// A TokenKey holds a key *handle* and public facts about the key: the public key (built
// from CKA_EC_PARAMS + CKA_EC_POINT or CKA_MODULUS + CKA_PUBLIC_EXPONENT, see spki.h) and
// the attributes that say where the private key came from and whether it ever left the
// token. It never reads private key material. find() insists on exactly one matching
// private key and names token and key in its errors. check_production_use() is the one
// rule that decides whether a key may hold a production role. Note that the public key
// comes from a separate object the token pairs by CKA_ID; TokenSigner verifies every
// signature against it, so a mismatched public object cannot go unnoticed.
// Thread-safety: an immutable value; the handle is only meaningful with its Session.
#pragma once

#include <string>
#include <string_view>

#include <p11-kit/pkcs11.h>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"
#include "verifier/core/bytes.h"
#include "verifier/core/provenance.h"
#include "verifier/core/public_key.h"

namespace hallmark::hsm {

class TokenKey {
 public:
  // The one private key matching the URI's object label and/or id on the session's token.
  static Result<TokenKey> find(const Session& session, const TokenUri& uri);
  // Describes the private key object `private_key` (from a search or C_GenerateKeyPair).
  static Result<TokenKey> from_handle(const Session& session, CK_OBJECT_HANDLE private_key);

  CK_OBJECT_HANDLE handle() const noexcept { return handle_; }
  const std::string& label() const noexcept { return label_; }
  const Bytes& id() const noexcept { return id_; }
  const verifier::PublicKey& public_key() const noexcept { return public_key_; }
  v1::KeyAlgorithm algorithm() const noexcept { return public_key_.algorithm(); }
  const std::string& key_id() const noexcept { return public_key_.key_id(); }
  const v1::KeyProvenance& provenance() const noexcept { return provenance_; }
  const v1::TokenInfo& token() const noexcept { return token_; }

  // RFC 7512 URI of the private key, for reports.
  std::string uri() const;
  // "key 'release' on token 'signer-hsm'", for messages.
  std::string name() const;
  v1::TokenKey to_proto() const;

 private:
  TokenKey(CK_OBJECT_HANDLE handle, std::string label, Bytes id,
           verifier::PublicKey public_key, v1::KeyProvenance provenance,
           v1::TokenInfo token);

  CK_OBJECT_HANDLE handle_;
  std::string label_;
  Bytes id_;
  verifier::PublicKey public_key_;
  v1::KeyProvenance provenance_;
  v1::TokenInfo token_;
};

// The production-role rule on key provenance lives in the verifier (one place for it).
using verifier::check_production_use;

// The public key of the key pair labelled `label`, read from its public key object alone:
// no login, no private key touched. For showing whose card is in the reader before its PIN
// is asked; a signature still proves the card. kToken when there is no such object, or
// more than one.
[[nodiscard]] Result<verifier::PublicKey> read_public_key_object(const Session& session,
                                                                 std::string_view label);

}  // namespace hallmark::hsm
