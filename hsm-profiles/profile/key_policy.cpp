#include "hsm-profiles/profile/key_policy.h"

#include <fmt/format.h>

#include "verifier/core/provenance.h"

namespace hallmark::hsm {

v1::KeyProvenance believed_provenance(const v1::KeyProvenance& reported,
                                      const v1::HsmProfile& profile) {
  v1::KeyProvenance believed = reported;
  if (profile.provenance_not_authoritative()) believed.set_local(false);
  return believed;
}

Result<KeyVerdict> check_key_for_production(const v1::KeyProvenance& reported,
                                            const v1::HsmProfile& profile,
                                            bool plan_allows_imported,
                                            std::string_view key_name,
                                            verifier::KeyOrigin origin) {
  KeyVerdict verdict{believed_provenance(reported, profile), false, {}};
  // Extractable at any time: refused whatever anyone allows (but a quorum backup's).
  if (auto ok = verifier::check_production_use(verdict.believed, true, key_name, origin); !ok) {
    return std::unexpected(ok.error());
  }
  if (origin == verifier::KeyOrigin::kQuorumBackup && verdict.believed.wrap_with_trusted()) {
    return verdict;  // made in a signer HSM, or restored into one under a custodian quorum
  }
  const bool allowed = profile.allow_imported_keys() && plan_allows_imported;
  if (!verdict.believed.local() && !allowed) {
    const std::string why =
        profile.provenance_not_authoritative()
            ? fmt::format("profile '{}' cannot show where a key was made (its module's "
                          "CKA_LOCAL is not evidence), so the key counts as imported",
                          profile.name())
            : std::string("the token says it was imported (CKA_LOCAL false)");
    const std::string missing =
        !profile.allow_imported_keys()
            ? fmt::format("profile '{}' does not allow imported keys", profile.name())
            : std::string("the plan does not allow an imported key for it "
                          "(allow_imported_key: true)");
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{}: {}; {}. Generate the key inside a token that can, or, for a "
                            "card family that cannot, let the plan allow this key and keep "
                            "the card's issuance record with the transcript",
                            key_name, why, missing));
  }
  if (!verdict.believed.local()) {
    verdict.imported = true;
    verdict.note = fmt::format(
        "imported key accepted: profile '{}' allows imported keys{} and the plan allows it "
        "for this key; where it was made is not proven by the token",
        profile.name(),
        profile.provenance_not_authoritative() ? " (its module's CKA_LOCAL is not evidence)"
                                               : "");
  }
  return verdict;
}

}  // namespace hallmark::hsm
