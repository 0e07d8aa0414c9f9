// Every issuer algorithm Hallmark accepts (P-256, P-384, RSA-3072-PSS, Ed25519) signs a
// manufacturing CA and a device-CA on a SoftHSM token that OpenSSL accepts, both through
// the library (X509_verify, strict chain) and through the `openssl` command-line tool.
#include <doctest/doctest.h>

#include <string>

#include "hsm-profiles/x509/certificate_issuer.h"
#include "tests/support/run_command.h"
#include "tests/x509/x509_test_support.h"
#include "tests/support/text.h"

using namespace hallmark;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;

using hallmark::testing::contains;

namespace {

struct Issued {
  testing::SoftHsmFixture hsm{{"signer-hsm", "station-token"}};
  std::string root_pem = (hsm.dir() / "mfg.pem").string();
  std::string device_ca_pem = (hsm.dir() / "device-ca.pem").string();
  testing::X509Ptr root;
  testing::X509Ptr device_ca;
};

// Manufacturing CA key of `algorithm` on the signer token, device-CA key (P-256) on the
// station token; both certificates written as PEM for the openssl tool.
void issue_with(Issued& out, v1::KeyAlgorithm algorithm) {
  auto mfg = testing::make_token_issuer(out.hsm, "signer-hsm", "manufacturing-ca", algorithm);
  auto station =
      testing::make_token_issuer(out.hsm, "station-token", "device-ca", v1::ECDSA_P256_SHA256);
  const auto validity = testing::validity_now();
  auto root = x509::issue_certificate(
      x509::manufacturing_ca_spec("Example Factory", mfg.public_key(), validity),
      mfg.public_key(), mfg.sign());
  REQUIRE_MESSAGE(root.has_value(), (root ? "" : root.error().message));
  auto device_ca = x509::issue_certificate(
      x509::device_ca_spec("line-2", "Example Factory", station.public_key(), validity),
      mfg.public_key(), mfg.sign());
  REQUIRE_MESSAGE(device_ca.has_value(), (device_ca ? "" : device_ca.error().message));
  out.root = testing::parse_certificate(*root);
  out.device_ca = testing::parse_certificate(*device_ca);
  REQUIRE((out.root && out.device_ca));
  testing::write_pem(*root, out.root_pem);
  testing::write_pem(*device_ca, out.device_ca_pem);
}

void check_accepted(Issued& issued, int signature_nid) {
  EVP_PKEY* issuer = X509_get0_pubkey(issued.root.get());
  CHECK(X509_get_signature_nid(issued.root.get()) == signature_nid);
  CHECK(X509_get_signature_nid(issued.device_ca.get()) == signature_nid);
  CHECK(X509_verify(issued.root.get(), issuer) == 1);
  CHECK(X509_verify(issued.device_ca.get(), issuer) == 1);
  CHECK(testing::verify_chain(issued.root.get(), {}, issued.device_ca.get()) == X509_V_OK);
  auto cli = run_command("openssl verify -x509_strict -CAfile " + shell_quote(issued.root_pem) +
                         " " + shell_quote(issued.device_ca_pem));
  CHECK_MESSAGE(cli.exit_code == 0, (cli.out + cli.err));
  CHECK(contains(cli.out, ": OK"));
}

}  // namespace

TEST_CASE("a P-256 token issuer signs ecdsa-with-SHA256 certificates openssl verify accepts") {
  Issued issued;
  issue_with(issued, v1::ECDSA_P256_SHA256);
  check_accepted(issued, NID_ecdsa_with_SHA256);
}

TEST_CASE("a P-384 token issuer signs ecdsa-with-SHA384 certificates openssl verify accepts") {
  Issued issued;
  issue_with(issued, v1::ECDSA_P384_SHA384);
  check_accepted(issued, NID_ecdsa_with_SHA384);
}

TEST_CASE("an RSA-3072 token issuer signs RSASSA-PSS certificates with explicit SHA-256 params") {
  Issued issued;
  issue_with(issued, v1::RSA_PSS_3072_SHA256);
  check_accepted(issued, NID_rsassaPss);
  auto text = run_command("openssl x509 -noout -text -in " + shell_quote(issued.device_ca_pem));
  REQUIRE(text.exit_code == 0);
  CHECK(contains(text.out, "Hash Algorithm: sha256"));
  CHECK(contains(text.out, "Mask Algorithm: mgf1 with sha256"));
  CHECK(contains(text.out, "Salt Length: 0x20"));
}

TEST_CASE("an Ed25519 token issuer signs Ed25519 certificates openssl verify accepts") {
  Issued issued;
  issue_with(issued, v1::ED25519);
  check_accepted(issued, NID_ED25519);
}

TEST_CASE("openssl x509 -text shows critical CA:TRUE pathlen:0 and certificate signing usage") {
  Issued issued;
  issue_with(issued, v1::ECDSA_P256_SHA256);
  auto r = run_command("openssl x509 -noout -text -in " + shell_quote(issued.device_ca_pem));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "Version: 3 (0x2)"));
  CHECK(contains(r.out, "Subject: O = Example Factory, CN = Hallmark device CA line-2"));
  CHECK(contains(r.out, "Issuer: O = Example Factory, CN = Hallmark manufacturing CA"));
  CHECK(contains(r.out, "X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0"));
  CHECK(contains(r.out, "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"));
  CHECK(contains(r.out, "X509v3 Subject Key Identifier"));
  CHECK(contains(r.out, "X509v3 Authority Key Identifier"));
  CHECK(contains(r.out, "Signature Algorithm: ecdsa-with-SHA256"));
}
