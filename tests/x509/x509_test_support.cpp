#include "tests/x509/x509_test_support.h"

#include <ctime>
#include <fstream>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hsm-profiles/src/keygen.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::testing {

TokenIssuer make_token_issuer(const SoftHsmFixture& hsm, const std::string& token_label,
                              const std::string& key_label, v1::KeyAlgorithm algorithm) {
  TokenIssuer issuer;
  issuer.session = std::make_unique<hsm::Session>(hsm.open(token_label));
  auto key = hsm::generate_key(*issuer.session, hsm::KeySpec{algorithm, key_label, {}, false});
  REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error().message));
  auto signer = hsm::TokenSigner::create(*issuer.session, std::move(*key));
  REQUIRE_MESSAGE(signer.has_value(), (signer ? "" : signer.error().message));
  issuer.signer.emplace(std::move(*signer));
  return issuer;
}

x509::SignFunction memory_sign_function(EVP_PKEY* key, int* calls) {
  return [key, calls](ByteView tbs) -> Result<Bytes> {
    if (calls != nullptr) ++*calls;
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(tbs.data());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, data, tbs.size()) != 1) {
      return fail(ErrorCode::kInternal, "test signer failed");
    }
    Bytes out(size);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, data,
                       tbs.size()) != 1) {
      return fail(ErrorCode::kInternal, "test signer failed");
    }
    out.resize(size);
    return out;
  };
}

x509::Validity validity_now() {
  const std::int64_t now = std::time(nullptr);
  return {now - 3600, now + 10LL * 365 * 24 * 3600};
}

X509Ptr parse_certificate(const Bytes& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (p != end) return nullptr;
  return cert;
}

int verify_chain(X509* root, const std::vector<X509*>& intermediates, X509* leaf) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                 &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  const auto free_stack = [](STACK_OF(X509)* s) { sk_X509_free(s); };  // a macro
  std::unique_ptr<STACK_OF(X509), decltype(free_stack)> chain(sk_X509_new_null(), free_stack);
  REQUIRE((store && ctx && chain));
  REQUIRE(X509_STORE_add_cert(store.get(), root) == 1);
  for (X509* cert : intermediates) REQUIRE(sk_X509_push(chain.get(), cert) > 0);
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain.get()) == 1);
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_X509_STRICT);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  MESSAGE("chain verification: " << X509_verify_cert_error_string(error));
  return error == X509_V_OK ? X509_V_ERR_UNSPECIFIED : error;
}

bool is_critical(X509* cert, int nid) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  if (index < 0) return false;
  return X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

void write_pem(const Bytes& der, const std::string& path) {
  auto cert = parse_certificate(der);
  REQUIRE(cert);
  ossl::BioPtr bio(BIO_new_file(path.c_str(), "w"));
  REQUIRE(bio);
  REQUIRE(PEM_write_bio_X509(bio.get(), cert.get()) == 1);
}

}  // namespace hallmark::testing
