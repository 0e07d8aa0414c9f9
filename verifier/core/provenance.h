// The production-role rule on key provenance, in one place: the token layer applies it to
// keys it reads from a token, the verifier to provenance reported in signed requests.
// Pure; thread-safe.
#pragma once

#include <string_view>

#include "hallmark/keys.pb.h"
#include "verifier/core/error.h"

namespace hallmark::verifier {

// Refuses (kPolicyRefused) a key that is or ever was extractable (CKA_EXTRACTABLE,
// !CKA_NEVER_EXTRACTABLE, !CKA_ALWAYS_SENSITIVE, !CKA_SENSITIVE), and one not generated on
// the token (!CKA_LOCAL) unless `allow_imported`. The message names `key_name`.
Result<void> check_production_use(const v1::KeyProvenance& provenance, bool allow_imported,
                                  std::string_view key_name);

}  // namespace hallmark::verifier
