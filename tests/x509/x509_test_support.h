// Test-only helpers for the X.509 tests: token keys with signers, OpenSSL parsing and an
// independent chain verification (X509_STORE, X509_V_FLAG_X509_STRICT) that does not go
// through hallmark::x509.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_signer.h"
#include "hsm-profiles/x509/certificate_issuer.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::testing {

using ossl::X509Ptr;

// A key generated on a token, with a signer; the session stays put (the signer points at it).
struct TokenIssuer {
  std::unique_ptr<hsm::Session> session;
  std::optional<hsm::TokenSigner> signer;

  const verifier::PublicKey& public_key() const { return signer->public_key(); }
  x509::SignFunction sign() { return x509::token_sign_function(*signer); }
};

// Generates `key_label` (algorithm) on token `token_label` of `hsm`. Uses doctest REQUIRE.
TokenIssuer make_token_issuer(const SoftHsmFixture& hsm, const std::string& token_label,
                              const std::string& key_label, v1::KeyAlgorithm algorithm);

// Signs with an in-memory OpenSSL key (ECDSA over SHA-256, DER), counting calls in *calls.
x509::SignFunction memory_sign_function(EVP_PKEY* key, int* calls = nullptr);

// Valid from an hour ago for ten years.
x509::Validity validity_now();

// nullptr when `der` is not exactly one DER certificate.
X509Ptr parse_certificate(const Bytes& der);

// X509_V_OK when `leaf` chains to `root` through `intermediates` under
// X509_V_FLAG_X509_STRICT at the current time; otherwise OpenSSL's error code.
int verify_chain(X509* root, const std::vector<X509*>& intermediates, X509* leaf);

// Whether the extension `nid` is present and marked critical.
bool is_critical(X509* cert, int nid);

// Writes `der` as PEM to `path` (for the openssl command-line tool).
void write_pem(const Bytes& der, const std::string& path);

}  // namespace hallmark::testing
