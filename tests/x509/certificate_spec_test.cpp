// issue_certificate() with an in-memory OpenSSL key (no token): spec checks that refuse
// before anything is signed, and the fields of what is issued.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <string>

#include "hsm-profiles/x509/certificate_issuer.h"
#include "tests/support/test_keys.h"
#include "tests/x509/x509_test_support.h"

using namespace hallmark;

namespace {

struct MemoryIssuer {
  ossl::PkeyPtr key = testing::generate_openssl_key("P-256");
  verifier::PublicKey public_key =
      verifier::PublicKey::from_spki_der(testing::spki_of(key.get())).value();
  int calls = 0;

  x509::SignFunction sign() { return testing::memory_sign_function(key.get(), &calls); }
};

verifier::PublicKey fresh_key() {
  return verifier::PublicKey::from_spki_der(
             testing::spki_of(testing::generate_openssl_key("P-256").get()))
      .value();
}

x509::CertificateSpec leaf_spec(const verifier::PublicKey& subject) {
  return x509::CertificateSpec{
      .subject_cn = "device 42",
      .organisation = "Example Factory",
      .issuer_cn = "Hallmark device CA line-1",
      .is_ca = false,
      .path_len = std::nullopt,
      .usage = x509::CertificateUsage::kDigitalSignature,
      .not_before_unix = 1'700'000'000,
      .not_after_unix = 1'800'000'000,
      .subject_key = subject,
  };
}

// The spec is refused as a usage error and the key is never asked to sign.
void check_refused_unsigned(const x509::CertificateSpec& spec) {
  MemoryIssuer issuer;
  auto der = x509::issue_certificate(spec, issuer.public_key, issuer.sign());
  REQUIRE_FALSE(der.has_value());
  CHECK(der.error().code == ErrorCode::kUsage);
  CHECK(issuer.calls == 0);
}

}  // namespace

TEST_CASE("a certificate that expires before it becomes valid is refused before signing") {
  auto spec = leaf_spec(fresh_key());
  spec.not_after_unix = spec.not_before_unix;
  check_refused_unsigned(spec);
}

TEST_CASE("a path length on an end-entity certificate is refused before signing") {
  auto spec = leaf_spec(fresh_key());
  spec.path_len = 0;
  check_refused_unsigned(spec);
}

TEST_CASE("keyCertSign on a non-CA and digitalSignature on a CA are refused before signing") {
  auto leaf = leaf_spec(fresh_key());
  leaf.usage = x509::CertificateUsage::kCertificateSigning;
  check_refused_unsigned(leaf);
  auto ca = x509::device_ca_spec("line-1", "Example Factory", fresh_key(), {0, 1});
  ca.usage = x509::CertificateUsage::kDigitalSignature;
  check_refused_unsigned(ca);
}

TEST_CASE("a look-alike self-signed name over another key is refused before signing") {
  // Issuer name == subject name claims a self-signed certificate; the keys must agree.
  auto spec = x509::manufacturing_ca_spec("Example Factory", fresh_key(), {0, 1});
  check_refused_unsigned(spec);
}

TEST_CASE("a station id too long for the device-CA common name is refused before signing") {
  check_refused_unsigned(
      x509::device_ca_spec(std::string(46, 'x'), "Example Factory", fresh_key(), {0, 1}));
}

TEST_CASE("an issued end-entity certificate carries exactly the spec's names, validity and usage") {
  MemoryIssuer issuer;
  const auto subject = fresh_key();
  auto der = x509::issue_certificate(leaf_spec(subject), issuer.public_key, issuer.sign());
  REQUIRE_MESSAGE(der.has_value(), (der ? "" : der.error().message));
  CHECK(issuer.calls == 1);
  auto cert = testing::parse_certificate(*der);
  REQUIRE(cert);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  CHECK(std::string(cn) == "device 42");
  X509_NAME_get_text_by_NID(X509_get_issuer_name(cert.get()), NID_commonName, cn, sizeof cn);
  CHECK(std::string(cn) == "Hallmark device CA line-1");
  CHECK(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert.get()), 1'700'000'000) == 0);
  CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), 1'800'000'000) == 0);
  CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_CA) == 0);
  CHECK(X509_get_key_usage(cert.get()) == KU_DIGITAL_SIGNATURE);
  CHECK(testing::is_critical(cert.get(), NID_basic_constraints));
  CHECK(testing::spki_of(X509_get0_pubkey(cert.get())) == subject.spki_der());
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(cert.get())) != 1);  // not self-signed
}

TEST_CASE("a callback returning a malformed signature yields kVerificationFailed, no certificate") {
  MemoryIssuer issuer;
  auto der = x509::issue_certificate(leaf_spec(fresh_key()), issuer.public_key,
                                     [](ByteView) -> Result<Bytes> { return Bytes(64); });
  REQUIRE_FALSE(der.has_value());
  CHECK(der.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("a prepared issuer certifies many subjects, each exactly and verifiable under its key") {
  MemoryIssuer issuer;
  auto prepared = x509::CertificateIssuer::create(issuer.public_key, issuer.sign());
  REQUIRE(prepared);
  ossl::PkeyPtr issuer_public = [&] {
    const Bytes spki = issuer.public_key.spki_der();
    const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
    return ossl::PkeyPtr(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  }();
  REQUIRE(issuer_public);
  for (const char* kind : {"P-256", "P-384", "ED25519", "RSA"}) {
    INFO(kind);
    const auto subject = verifier::PublicKey::from_spki_der(
                             testing::spki_of(testing::generate_openssl_key(kind).get()))
                             .value();
    auto der = prepared->issue(leaf_spec(subject));
    REQUIRE_MESSAGE(der, (der ? "" : der.error().message));
    auto cert = testing::parse_certificate(*der);
    REQUIRE(cert);
    CHECK((X509_get_extension_flags(cert.get()) & EXFLAG_INVALID) == 0);
    CHECK(testing::spki_of(X509_get0_pubkey(cert.get())) == subject.spki_der());
    CHECK(X509_verify(cert.get(), issuer_public.get()) == 1);
  }
  CHECK(issuer.calls == 4);
}

TEST_CASE("a prepared issuer refuses a callback that signs with another key, every time") {
  MemoryIssuer issuer;
  MemoryIssuer impostor;
  auto prepared = x509::CertificateIssuer::create(issuer.public_key, impostor.sign());
  REQUIRE(prepared);
  for (int i = 0; i < 2; ++i) {
    auto der = prepared->issue(leaf_spec(fresh_key()));
    REQUIRE_FALSE(der.has_value());
    CHECK(der.error().code == ErrorCode::kVerificationFailed);
  }
  CHECK(impostor.calls == 2);
}
