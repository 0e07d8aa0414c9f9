// ProductionSigner: the only kind of signer the libraries that sign for a production role
// accept (promotion, countersign, station line; docs/architecture.md, "Production signers").
//
// create() is the one way to make one outside tests: it applies the production-role rule
// to the key's provenance as the token's family can be believed (key_policy.h:
// believed_provenance, verifier::check_production_use with the origin the role allows —
// kQuorumBackup for the signer HSM's role keys, kNeverExported for every other), and only
// then opens a TokenSigner on it. A key that is or was extractable, or one imported without
// consent, never becomes a ProductionSigner: kPolicyRefused naming the key and the role.
// The role it was opened for is kept, and each library that signs calls require_role()
// first, so a key opened as the evidence key cannot promote a release (the library then
// checks the key is the trust root's key for that role, which the token layer cannot know).
// A front end therefore cannot forget the provenance check: without it there is no signer
// to hand over. Tests that must shape signatures (a crash test replaying a reference run)
// go through ProductionSignerTestAccess, defined only in tests/support.
//
// Every signature is verified under the key's public key before it is returned
// (TokenSigner). Never reads key material. Copies share one TokenSigner and its session;
// one thread at a time, like the Session it signs on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hallmark/hsm_profile.pb.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "verifier/core/bytes.h"
#include "verifier/core/provenance.h"
#include "verifier/core/public_key.h"

namespace hallmark::hsm {

// What a production key signs. The signer HSM's keys (release, evidence, manufacturing CA)
// may come back from a quorum backup; the others never leave their token.
enum class ProductionRole { kRelease, kEvidence, kManufacturingCa, kStation, kDeviceCa, kCustodian };

// "release key", "evidence key", ... for messages.
[[nodiscard]] std::string_view role_name(ProductionRole role) noexcept;
// kQuorumBackup for the signer HSM's role keys, kNeverExported otherwise.
[[nodiscard]] verifier::KeyOrigin origin_of(ProductionRole role) noexcept;

// Whether an imported (never extractable, not CKA_LOCAL) key may sign: only when the
// token's profile allows imported keys (kByProfile), or also when the operator consented
// for this one command (kOperatorAllows, `hallmark-signer sign --allow-imported`).
enum class ImportedKey { kByProfile, kOperatorAllows };

// The provenance check create() applies, for a key of `origin` on a token of `profile`,
// without opening a signer (reports: `hallmark-ceremony key show`). kPolicyRefused naming
// the key.
[[nodiscard]] Result<void> check_production_key(const TokenKey& key, const v1::HsmProfile& profile,
                                                verifier::KeyOrigin origin,
                                                ImportedKey imported = ImportedKey::kByProfile);

class ProductionSigner {
 public:
  // Checks `key`'s provenance on a token of `profile` for `role` (see the header comment),
  // then TokenSigner::create(session, key, context_pin, check).
  [[nodiscard]] static Result<ProductionSigner> create(
      Session& session, TokenKey key, const v1::HsmProfile& profile, ProductionRole role,
      PinCallback context_pin = {}, ImportedKey imported = ImportedKey::kByProfile,
      SignatureCheck check = SignatureCheck::kEverySignature);

  // kPolicyRefused naming the key when it was opened for another role than `role`.
  [[nodiscard]] Result<void> require_role(ProductionRole role) const;

  // A signature by the key over `message`, verified under public_key() (TokenSigner::sign).
  [[nodiscard]] Result<Bytes> sign(ByteView message) const;

  ProductionRole role() const noexcept { return role_; }
  const verifier::PublicKey& public_key() const noexcept { return public_key_; }
  const std::string& key_id() const noexcept { return public_key_.key_id(); }
  const Bytes& ckaid() const noexcept { return ckaid_; }
  const std::string& uri() const noexcept { return uri_; }
  // "key 'release' on token 'signer-hsm'", for messages.
  const std::string& name() const noexcept { return name_; }

 private:
  friend struct ProductionSignerTestAccess;  // tests/support only
  using SignFunction = std::function<Result<Bytes>(ByteView)>;
  ProductionSigner(ProductionRole role, verifier::PublicKey public_key, Bytes ckaid,
                   std::string uri, std::string name, SignFunction sign);

  ProductionRole role_;
  verifier::PublicKey public_key_;
  Bytes ckaid_;
  std::string uri_;
  std::string name_;
  SignFunction sign_;
};

}  // namespace hallmark::hsm
