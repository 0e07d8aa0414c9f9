// The production-role rule for a key on a token of a given family: the token's reported
// provenance, read as far as the family's module can be believed, and the two consents an
// imported key needs.
//
// Some modules report provenance they cannot know: OpenSC's CAC emulation reports
// CKA_LOCAL (and never-extractable) for every key, although a CAC card cannot generate a
// key through PKCS#11 and its keys were loaded by whoever issued it. On a profile with
// provenance_not_authoritative, every key counts as imported. An imported key may hold a
// production role only when the profile allows imported keys AND the caller's plan
// allows it for this key (a custodian's plan entry says allow_imported_key); anything
// less is kPolicyRefused naming the key, the profile and what to change. A key that is or
// was extractable is refused whatever anyone allows (verifier::check_production_use).
// Pure: no token is touched. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "hallmark/hsm_profile.pb.h"
#include "hallmark/keys.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/provenance.h"

namespace hallmark::hsm {

// What Hallmark believes of `reported` on a token of `profile`: `reported`, with local
// false when the profile says the module's provenance is not authoritative.
[[nodiscard]] v1::KeyProvenance believed_provenance(const v1::KeyProvenance& reported,
                                                    const v1::HsmProfile& profile);

struct KeyVerdict {
  v1::KeyProvenance believed;
  bool imported = false;  // accepted as an imported key (both consents given)
  std::string note;       // for the transcript: why an imported key was accepted
};

// The verdict for `key_name` with `reported` provenance on `profile`; `plan_allows_imported`
// is the plan's consent for this one key.
// `origin` kQuorumBackup (signer-HSM role keys only): a key restored from a quorum backup
// (sensitive, CKA_WRAP_WITH_TRUSTED) is not "imported" in this sense
// (verifier/core/provenance.h).
[[nodiscard]] Result<KeyVerdict> check_key_for_production(
    const v1::KeyProvenance& reported, const v1::HsmProfile& profile, bool plan_allows_imported,
    std::string_view key_name, verifier::KeyOrigin origin = verifier::KeyOrigin::kNeverExported);

}  // namespace hallmark::hsm
