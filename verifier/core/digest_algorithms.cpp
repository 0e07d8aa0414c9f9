#include "verifier/core/digest_algorithms.h"

#include <openssl/evp.h>

namespace hallmark::ossl {

// Each EVP_MD is leaked deliberately: a function-local static pointer, never freed. Freeing
// it at exit would race a thread still hashing then, for nothing; the pointer stays
// reachable from the static, so LeakSanitizer does not report it.
const EVP_MD* sha256_md() noexcept {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md;
}

const EVP_MD* sha384_md() noexcept {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  return md;
}

const EVP_MD* sha1_md() noexcept {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

}  // namespace hallmark::ossl
