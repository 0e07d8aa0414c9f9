// X.509 issuance with keys on SoftHSM tokens: a self-signed manufacturing CA, a station
// device-CA under it, a device certificate under that, all checked by OpenSSL directly
// (X509_verify, X509_STORE with X509_V_FLAG_X509_STRICT), never through hallmark::x509.
#include <doctest/doctest.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "hsm-profiles/x509/certificate_issuer.h"
#include "tests/support/test_keys.h"
#include "tests/x509/x509_test_support.h"

using namespace hallmark;
using hallmark::testing::make_token_issuer;
using hallmark::testing::parse_certificate;
using hallmark::testing::SoftHsmFixture;
using hallmark::testing::validity_now;
using hallmark::testing::verify_chain;

namespace {

constexpr const char* kOrg = "Example Factory GmbH";
constexpr const char* kStation = "station-7";

// A manufacturing CA key on "signer-hsm" and a device-CA key on "station-token".
struct Pki {
  SoftHsmFixture hsm{{"signer-hsm", "station-token"}};
  testing::TokenIssuer mfg =
      make_token_issuer(hsm, "signer-hsm", "manufacturing-ca", v1::ECDSA_P256_SHA256);
  testing::TokenIssuer device_ca =
      make_token_issuer(hsm, "station-token", "device-ca", v1::ECDSA_P256_SHA256);

  Bytes mfg_certificate() {
    auto der = x509::issue_certificate(
        x509::manufacturing_ca_spec(kOrg, mfg.public_key(), validity_now()), mfg.public_key(),
        mfg.sign());
    REQUIRE_MESSAGE(der.has_value(), (der ? "" : der.error().message));
    return *der;
  }
  Bytes device_ca_certificate() {
    auto der = x509::issue_certificate(
        x509::device_ca_spec(kStation, kOrg, device_ca.public_key(), validity_now()),
        mfg.public_key(), mfg.sign());
    REQUIRE_MESSAGE(der.has_value(), (der ? "" : der.error().message));
    return *der;
  }
};

EVP_PKEY* public_pkey(X509* cert) { return X509_get0_pubkey(cert); }

std::string common_name(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_CASE("a self-signed manufacturing CA from a P-256 token key verifies under its own key") {
  Pki pki;
  auto cert = parse_certificate(pki.mfg_certificate());
  REQUIRE(cert);
  CHECK(X509_verify(cert.get(), public_pkey(cert.get())) == 1);
  CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
  CHECK(X509_check_issued(cert.get(), cert.get()) == X509_V_OK);
  CHECK(common_name(cert.get()) == "Hallmark manufacturing CA");
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  const uint32_t flags = X509_get_extension_flags(cert.get());
  CHECK((flags & EXFLAG_CA) != 0);
  CHECK((flags & EXFLAG_SS) != 0);  // self-signed: AKID matches its own SKID
  CHECK((flags & EXFLAG_INVALID) == 0);
  CHECK(X509_get_pathlen(cert.get()) == 1);
  CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(testing::is_critical(cert.get(), NID_basic_constraints));
  CHECK(testing::is_critical(cert.get(), NID_key_usage));
  const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(cert.get());
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(cert.get());
  REQUIRE((skid != nullptr && akid != nullptr));
  CHECK(ASN1_OCTET_STRING_cmp(skid, akid) == 0);
  // A chain of one: the root itself verifies as trusted under the strict rules.
  CHECK(verify_chain(cert.get(), {}, cert.get()) == X509_V_OK);
}

TEST_CASE("a device-CA certificate chains to the manufacturing CA under X509_V_FLAG_X509_STRICT") {
  Pki pki;
  auto root = parse_certificate(pki.mfg_certificate());
  auto device_ca = parse_certificate(pki.device_ca_certificate());
  REQUIRE((root && device_ca));
  CHECK(X509_verify(device_ca.get(), public_pkey(root.get())) == 1);
  CHECK(verify_chain(root.get(), {}, device_ca.get()) == X509_V_OK);
  CHECK(common_name(device_ca.get()) == "Hallmark device CA station-7");
  CHECK(X509_NAME_cmp(X509_get_issuer_name(device_ca.get()),
                      X509_get_subject_name(root.get())) == 0);
  const uint32_t flags = X509_get_extension_flags(device_ca.get());
  CHECK((flags & EXFLAG_CA) != 0);
  CHECK((flags & EXFLAG_SS) == 0);
  CHECK(X509_get_pathlen(device_ca.get()) == 0);
  CHECK(X509_get_key_usage(device_ca.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(testing::is_critical(device_ca.get(), NID_basic_constraints));
  CHECK(testing::is_critical(device_ca.get(), NID_key_usage));
  CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(device_ca.get()),
                              X509_get0_subject_key_id(root.get())) == 0);
  // The certified key is the device-CA token key, not the issuer's.
  CHECK(testing::spki_of(public_pkey(device_ca.get())) == pki.device_ca.public_key().spki_der());
}

TEST_CASE("a device-CA certificate does not chain to a manufacturing CA with another key") {
  Pki pki;
  auto device_ca = parse_certificate(pki.device_ca_certificate());
  // Same names, different key: the station's token key self-signs a look-alike root.
  auto impostor_der = x509::issue_certificate(
      x509::manufacturing_ca_spec(kOrg, pki.device_ca.public_key(), validity_now()),
      pki.device_ca.public_key(), pki.device_ca.sign());
  REQUIRE(impostor_der.has_value());
  auto impostor = parse_certificate(*impostor_der);
  REQUIRE((device_ca && impostor));
  CHECK(verify_chain(impostor.get(), {}, device_ca.get()) != X509_V_OK);
}

TEST_CASE("a device certificate issued with the device-CA token key chains to the manufacturing CA") {
  Pki pki;
  auto device_key = verifier::PublicKey::from_spki_der(
      testing::spki_of(testing::generate_openssl_key("P-256").get()));
  REQUIRE(device_key.has_value());
  const auto ca_spec =
      x509::device_ca_spec(kStation, kOrg, pki.device_ca.public_key(), validity_now());
  const x509::CertificateSpec leaf_spec{
      .subject_cn = "device 00:11:22:33:44:55",
      .organisation = kOrg,
      .issuer_cn = ca_spec.subject_cn,
      .is_ca = false,
      .path_len = std::nullopt,
      .usage = x509::CertificateUsage::kDigitalSignature,
      .not_before_unix = validity_now().not_before_unix,
      .not_after_unix = validity_now().not_after_unix,
      .subject_key = *device_key,
  };
  auto leaf_der =
      x509::issue_certificate(leaf_spec, pki.device_ca.public_key(), pki.device_ca.sign());
  REQUIRE_MESSAGE(leaf_der.has_value(), (leaf_der ? "" : leaf_der.error().message));
  auto root = parse_certificate(pki.mfg_certificate());
  auto device_ca = parse_certificate(pki.device_ca_certificate());
  auto leaf = parse_certificate(*leaf_der);
  REQUIRE((root && device_ca && leaf));
  CHECK(verify_chain(root.get(), {device_ca.get()}, leaf.get()) == X509_V_OK);
  CHECK((X509_get_extension_flags(leaf.get()) & EXFLAG_CA) == 0);
  CHECK(X509_get_key_usage(leaf.get()) == KU_DIGITAL_SIGNATURE);
  // Without the device-CA in between the device certificate does not chain.
  CHECK(verify_chain(root.get(), {}, leaf.get()) != X509_V_OK);
}

TEST_CASE("a sub-CA under a device-CA cannot issue: the chain exceeds pathlen 0") {
  Pki pki;
  auto sub_private = testing::generate_openssl_key("P-256");
  auto sub_key = verifier::PublicKey::from_spki_der(testing::spki_of(sub_private.get()));
  REQUIRE(sub_key.has_value());
  // A rogue CA the station's device-CA key certified, and a device certificate under it.
  auto sub_spec = x509::device_ca_spec("rogue", kOrg, *sub_key, validity_now());
  sub_spec.issuer_cn = std::string(x509::kDeviceCaNamePrefix) + kStation;
  auto sub_der = x509::issue_certificate(sub_spec, pki.device_ca.public_key(),
                                         pki.device_ca.sign());
  REQUIRE(sub_der.has_value());
  auto leaf_key = verifier::PublicKey::from_spki_der(
      testing::spki_of(testing::generate_openssl_key("P-256").get()));
  REQUIRE(leaf_key.has_value());
  const x509::CertificateSpec leaf_spec{
      .subject_cn = "device 1",
      .organisation = kOrg,
      .issuer_cn = sub_spec.subject_cn,
      .is_ca = false,
      .path_len = std::nullopt,
      .usage = x509::CertificateUsage::kDigitalSignature,
      .not_before_unix = validity_now().not_before_unix,
      .not_after_unix = validity_now().not_after_unix,
      .subject_key = *leaf_key,
  };
  auto leaf_der = x509::issue_certificate(leaf_spec, *sub_key,
                                          testing::memory_sign_function(sub_private.get()));
  REQUIRE(leaf_der.has_value());
  auto root = parse_certificate(pki.mfg_certificate());
  auto device_ca = parse_certificate(pki.device_ca_certificate());
  auto sub = parse_certificate(*sub_der);
  auto leaf = parse_certificate(*leaf_der);
  REQUIRE((root && device_ca && sub && leaf));
  CHECK(X509_verify(leaf.get(), public_pkey(sub.get())) == 1);  // signatures are fine...
  CHECK(verify_chain(root.get(), {device_ca.get(), sub.get()}, leaf.get()) ==
        X509_V_ERR_PATH_LENGTH_EXCEEDED);  // ...the path length is not
}

TEST_CASE("a certificate with one changed subject byte fails X509_verify") {
  Pki pki;
  auto root = parse_certificate(pki.mfg_certificate());
  Bytes der = pki.device_ca_certificate();
  const std::string needle = kStation;
  auto at = std::search(der.begin(), der.end(), as_bytes(needle).begin(), as_bytes(needle).end());
  REQUIRE(at != der.end());
  *at = std::byte{'S'};  // "Station-7": still a valid DER name, no longer what was signed
  auto tampered = parse_certificate(der);
  REQUIRE((root && tampered));
  CHECK(common_name(tampered.get()) == "Hallmark device CA Station-7");
  CHECK(X509_verify(tampered.get(), public_pkey(root.get())) != 1);
  CHECK(verify_chain(root.get(), {}, tampered.get()) == X509_V_ERR_CERT_SIGNATURE_FAILURE);
}

TEST_CASE("a certificate with a changed signature byte fails X509_verify") {
  Pki pki;
  auto root = parse_certificate(pki.mfg_certificate());
  Bytes der = pki.device_ca_certificate();
  der.back() ^= std::byte{0x01};  // last byte of the DER ECDSA signature's s
  auto tampered = parse_certificate(der);
  REQUIRE((root && tampered));
  CHECK(X509_verify(tampered.get(), public_pkey(root.get())) != 1);
}

TEST_CASE("issue_certificate refuses a callback that signs with a key other than the issuer's") {
  Pki pki;
  // Claims the manufacturing CA issues, but the station's device-CA key signs.
  auto der = x509::issue_certificate(
      x509::device_ca_spec(kStation, kOrg, pki.device_ca.public_key(), validity_now()),
      pki.mfg.public_key(), pki.device_ca.sign());
  REQUIRE_FALSE(der.has_value());
  CHECK(der.error().code == ErrorCode::kVerificationFailed);
  CHECK(der.error().message.find(pki.mfg.public_key().key_id()) != std::string::npos);
}

TEST_CASE("a token error from the signing callback is passed on and no certificate comes back") {
  Pki pki;
  auto der = x509::issue_certificate(
      x509::device_ca_spec(kStation, kOrg, pki.device_ca.public_key(), validity_now()),
      pki.device_ca.public_key(), [](ByteView) -> Result<Bytes> {
        return fail(ErrorCode::kToken, "token 'signer-hsm' removed");
      });
  REQUIRE_FALSE(der.has_value());
  CHECK(der.error().code == ErrorCode::kToken);
  CHECK(der.error().message.find("signer-hsm") != std::string::npos);
}

TEST_CASE("serial numbers are positive, 16 bytes long and differ between certificates") {
  Pki pki;
  auto a = parse_certificate(pki.device_ca_certificate());
  auto b = parse_certificate(pki.device_ca_certificate());
  REQUIRE((a && b));
  const ASN1_INTEGER* sa = X509_get0_serialNumber(a.get());
  const ASN1_INTEGER* sb = X509_get0_serialNumber(b.get());
  CHECK(ASN1_STRING_length(sa) == 16);
  CHECK(ASN1_STRING_type(sa) == V_ASN1_INTEGER);  // V_ASN1_NEG_INTEGER when negative
  CHECK(ASN1_INTEGER_cmp(sa, sb) != 0);
}
