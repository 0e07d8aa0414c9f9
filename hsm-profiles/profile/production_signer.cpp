#include "hsm-profiles/profile/production_signer.h"

#include <utility>

#include <fmt/format.h>

#include "hsm-profiles/profile/key_policy.h"

namespace hallmark::hsm {

std::string_view role_name(ProductionRole role) noexcept {
  switch (role) {
    case ProductionRole::kRelease: return "release key";
    case ProductionRole::kEvidence: return "evidence key";
    case ProductionRole::kManufacturingCa: return "manufacturing CA key";
    case ProductionRole::kStation: return "station key";
    case ProductionRole::kDeviceCa: return "device CA key";
    case ProductionRole::kCustodian: return "custodian key";
  }
  return "production key";
}

verifier::KeyOrigin origin_of(ProductionRole role) noexcept {
  switch (role) {
    case ProductionRole::kRelease:
    case ProductionRole::kEvidence:
    case ProductionRole::kManufacturingCa:
      return verifier::KeyOrigin::kQuorumBackup;
    default:
      return verifier::KeyOrigin::kNeverExported;
  }
}

ProductionSigner::ProductionSigner(ProductionRole role, verifier::PublicKey public_key,
                                   Bytes ckaid, std::string uri, std::string name,
                                   SignFunction sign)
    : role_(role),
      public_key_(std::move(public_key)),
      ckaid_(std::move(ckaid)),
      uri_(std::move(uri)),
      name_(std::move(name)),
      sign_(std::move(sign)) {}

Result<void> check_production_key(const TokenKey& key, const v1::HsmProfile& profile,
                                  verifier::KeyOrigin origin, ImportedKey imported) {
  const bool allow_imported =
      profile.allow_imported_keys() || imported == ImportedKey::kOperatorAllows;
  return verifier::check_production_use(believed_provenance(key.provenance(), profile),
                                        allow_imported, key.name(), origin);
}

Result<ProductionSigner> ProductionSigner::create(Session& session, TokenKey key,
                                                  const v1::HsmProfile& profile,
                                                  ProductionRole role, PinCallback context_pin,
                                                  ImportedKey imported, SignatureCheck check) {
  if (auto ok = check_production_key(key, profile, origin_of(role), imported); !ok) {
    return std::unexpected(
        std::move(ok).error().context(fmt::format("refused as the {}", role_name(role))));
  }
  std::string uri = key.uri();
  std::string name = key.name();
  Bytes ckaid = key.id();
  auto signer = TokenSigner::create(session, std::move(key), std::move(context_pin), check);
  if (!signer) return std::unexpected(signer.error());
  verifier::PublicKey public_key = signer->public_key();
  auto shared = std::make_shared<TokenSigner>(std::move(*signer));
  return ProductionSigner(role, std::move(public_key), std::move(ckaid), std::move(uri),
                          std::move(name),
                          [shared](ByteView message) { return shared->sign(message); });
}

Result<void> ProductionSigner::require_role(ProductionRole role) const {
  if (role == role_) return {};
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("{} was opened as the {}, not the {}: give the {}'s pkcs11: URI",
                          name_, role_name(role_), role_name(role), role_name(role)));
}

Result<Bytes> ProductionSigner::sign(ByteView message) const { return sign_(message); }

}  // namespace hallmark::hsm
