#include "tests/support/test_keys.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace hallmark::testing {

ossl::PkeyPtr generate_openssl_key(const std::string& kind) {
  if (kind == "ED25519") return ossl::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (kind == "RSA") {
    return ossl::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072}));
  }
  return ossl::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind.c_str()));
}

Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return {};
  ossl::OpensslPtr<unsigned char> owned(der);
  const auto* begin = reinterpret_cast<const std::byte*>(der);
  return Bytes(begin, begin + size);
}

Bytes raw_public_point(EVP_PKEY* key) {
  std::size_t size = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &size) != 1) {
    return {};
  }
  Bytes point(size);
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                  reinterpret_cast<unsigned char*>(point.data()), size, &size);
  point.resize(size);
  return point;
}

bool openssl_verify(ByteView spki_der, v1::KeyAlgorithm algorithm, ByteView message,
                    ByteView signature) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  ossl::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) return false;
  const EVP_MD* md = nullptr;
  if (algorithm == v1::ECDSA_P256_SHA256 || algorithm == v1::RSA_PSS_3072_SHA256) md = EVP_sha256();
  if (algorithm == v1::ECDSA_P384_SHA384) md = EVP_sha384();
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) return false;
  if (algorithm == v1::RSA_PSS_3072_SHA256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace hallmark::testing
