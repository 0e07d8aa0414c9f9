// The production-role rule on key provenance, in one place: the token layer applies it to
// keys it reads from a token, the verifier to provenance reported in signed requests.
// Pure; thread-safe.
#pragma once

#include <string_view>

#include "hallmark/keys.pb.h"
#include "verifier/core/error.h"

namespace hallmark::verifier {

// What a role's key may have been: kNeverExported for every key (custodian cards, stations,
// device CAs, and signer-HSM keys a plan does not back up); kQuorumBackup only for the signer
// HSM's role keys (release, evidence, manufacturing CA), which a plan may back up under a
// custodian quorum (docs/guides/custodian.md, "Backup and restore").
enum class KeyOrigin { kNeverExported, kQuorumBackup };

// kNeverExported: refuses (kPolicyRefused) a key that is or ever was extractable
// (CKA_EXTRACTABLE, !CKA_NEVER_EXTRACTABLE, !CKA_ALWAYS_SENSITIVE, !CKA_SENSITIVE), and one
// not generated on the token (!CKA_LOCAL) unless `allow_imported`.
// kQuorumBackup: the same, except that a sensitive key with CKA_WRAP_WITH_TRUSTED (it leaves
// the token only wrapped under a key the token's security officer marked trusted) may be
// extractable and may have been unwrapped into the token (a restore). The message names
// `key_name`.
Result<void> check_production_use(const v1::KeyProvenance& provenance, bool allow_imported,
                                  std::string_view key_name,
                                  KeyOrigin origin = KeyOrigin::kNeverExported);

}  // namespace hallmark::verifier
