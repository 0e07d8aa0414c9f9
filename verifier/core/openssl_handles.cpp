#include "verifier/core/openssl_handles.h"

#include <array>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace hallmark::ossl {

void PkeyDeleter::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
void PkeyCtxDeleter::operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
void MdCtxDeleter::operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
void BioDeleter::operator()(BIO* p) const noexcept { BIO_free(p); }
void BignumDeleter::operator()(BIGNUM* p) const noexcept { BN_free(p); }
void EcdsaSigDeleter::operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
void OpensslMallocDeleter::operator()(void* p) const noexcept { OPENSSL_free(p); }

std::string take_error_reason() {
  const unsigned long code = ERR_get_error();
  std::string reason;
  if (code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    reason = buf.data();
  }
  ERR_clear_error();
  return reason;
}

Error make_error(ErrorCode code, std::string message) {
  Error e{code, std::move(message), 0, take_error_reason()};
  return e;
}

}  // namespace hallmark::ossl
