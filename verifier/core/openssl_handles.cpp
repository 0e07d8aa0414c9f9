#include "verifier/core/openssl_handles.h"

#include <array>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace hallmark::ossl {

void PkeyDeleter::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
void PkeyCtxDeleter::operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
void MdCtxDeleter::operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
void BioDeleter::operator()(BIO* p) const noexcept { BIO_free(p); }
void BignumDeleter::operator()(BIGNUM* p) const noexcept { BN_free(p); }
void EcdsaSigDeleter::operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
void OpensslMallocDeleter::operator()(void* p) const noexcept { OPENSSL_free(p); }
void X509Deleter::operator()(X509* p) const noexcept { X509_free(p); }
void X509NameDeleter::operator()(X509_NAME* p) const noexcept { X509_NAME_free(p); }
void X509PubkeyDeleter::operator()(X509_PUBKEY* p) const noexcept { X509_PUBKEY_free(p); }
void X509AlgorDeleter::operator()(X509_ALGOR* p) const noexcept { X509_ALGOR_free(p); }
void Asn1StringDeleter::operator()(ASN1_STRING* p) const noexcept { ASN1_STRING_free(p); }
void BasicConstraintsDeleter::operator()(BASIC_CONSTRAINTS* p) const noexcept {
  BASIC_CONSTRAINTS_free(p);
}
void AuthorityKeyIdDeleter::operator()(AUTHORITY_KEYID* p) const noexcept {
  AUTHORITY_KEYID_free(p);
}
void RsaPssParamsDeleter::operator()(RSA_PSS_PARAMS* p) const noexcept {
  RSA_PSS_PARAMS_free(p);
}

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
