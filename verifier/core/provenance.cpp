#include "verifier/core/provenance.h"

#include <string>
#include <vector>

namespace hallmark::verifier {

Result<void> check_production_use(const v1::KeyProvenance& provenance, bool allow_imported,
                                  std::string_view key_name, KeyOrigin origin) {
  const std::string name(key_name);
  if (origin == KeyOrigin::kQuorumBackup && provenance.wrap_with_trusted()) {
    if (!provenance.sensitive()) {
      return fail(ErrorCode::kPolicyRefused,
                  name + " is not sensitive (CKA_SENSITIVE is false): its private key can be "
                         "read from the token; generate a new key inside the token");
    }
    return {};
  }
  std::string exposed;
  auto note = [&exposed](const char* what) { exposed += (exposed.empty() ? "" : ", ") + std::string(what); };
  if (provenance.extractable()) note("CKA_EXTRACTABLE is true");
  if (!provenance.never_extractable()) note("CKA_NEVER_EXTRACTABLE is false");
  if (!provenance.always_sensitive()) note("CKA_ALWAYS_SENSITIVE is false");
  if (!provenance.sensitive()) note("CKA_SENSITIVE is false");
  if (!exposed.empty()) {
    return fail(ErrorCode::kPolicyRefused,
                name + " is or was extractable (" + exposed +
                    "): its private key may exist outside the token, so it cannot hold a "
                    "production role; generate a new key inside the token and use that");
  }
  if (!provenance.local() && !allow_imported) {
    return fail(ErrorCode::kPolicyRefused,
                name + " was not generated on the token (CKA_LOCAL is false): generate a new "
                       "key inside the token, or use a profile that allows imported keys");
  }
  return {};
}

}  // namespace hallmark::verifier
