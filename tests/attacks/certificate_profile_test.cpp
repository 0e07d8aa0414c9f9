// A device-CA certificate the issuer would never produce — a common name that merely
// contains the station id, a CA allowed to certify other CAs, a keyUsage that is not
// critical, a subject key identifier of another key — made with the product's own issuer
// (hallmark::x509) and a manufacturing-CA key in memory, then shown to both checkers: the
// station, before its device-CA certifies a device (DeviceCertificateAuthority::prepare),
// and an auditor (verify_device_ca_certificate). Both hold it to the one profile of
// verifier/core/x509_profile.h, so both refuse it; and both accept what the issuer makes.
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include "hsm-profiles/x509/certificate_issuer.h"
#include "station-agent/station/device_certificate.h"
#include "tests/support/test_keys.h"
#include "tests/x509/x509_test_support.h"
#include "verifier/trust/station_registration.h"

using namespace hallmark;

namespace {

constexpr const char* kStation = "station-7";
constexpr const char* kFactory = "Example Factory";

struct MemoryKey {
  ossl::PkeyPtr key;
  verifier::PublicKey public_key;
  int calls = 0;

  MemoryKey()
      : key(testing::generate_openssl_key("P-256")),
        public_key(verifier::PublicKey::from_spki_der(testing::spki_of(key.get())).value()) {}
  x509::SignFunction sign() { return testing::memory_sign_function(key.get(), &calls); }
};

struct Pki {
  MemoryKey manufacturing;
  MemoryKey device_ca;

  // The device-CA certificate as the enrollment ceremony issues it.
  x509::CertificateSpec issuer_spec() const {
    return x509::device_ca_spec(kStation, kFactory, device_ca.public_key,
                                testing::validity_now());
  }
  Bytes issue(const x509::CertificateSpec& spec) {
    return x509::issue_certificate(spec, manufacturing.public_key, manufacturing.sign()).value();
  }
};

// Empty when the station accepts the certificate, else its reason.
std::string station_verdict(Pki& pki, const Bytes& der) {
  auto authority = station::DeviceCertificateAuthority::prepare(
      der, StationId(kStation), pki.device_ca.public_key, pki.device_ca.sign());
  if (authority) return {};
  CHECK(authority.error().code == ErrorCode::kPolicyRefused);
  return authority.error().message;
}

// Empty when an auditor accepts the certificate, else the reason.
std::string auditor_verdict(const Pki& pki, const Bytes& der) {
  auto ok = verifier::verify_device_ca_certificate(der, pki.manufacturing.public_key,
                                                   pki.device_ca.public_key, kStation,
                                                   std::time(nullptr));
  return ok ? std::string() : ok.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("what the issuer makes for a station, its station and every auditor accept") {
  Pki pki;
  const Bytes der = pki.issue(pki.issuer_spec());
  CHECK(station_verdict(pki, der) == "");
  CHECK(auditor_verdict(pki, der) == "");
}

TEST_CASE("a device-CA certificate whose name merely contains the station id is refused by both") {
  Pki pki;
  for (const std::string& cn : {std::string(kStation), "Device CA " + std::string(kStation),
                               "Hallmark device CA " + std::string(kStation) + " (spare)",
                               "hallmark device ca " + std::string(kStation)}) {
    CAPTURE(cn);
    auto spec = pki.issuer_spec();
    spec.subject_cn = cn;
    const Bytes der = pki.issue(spec);
    CHECK(contains(station_verdict(pki, der), "does not name station"));
    CHECK(contains(auditor_verdict(pki, der), "does not name station"));
  }
}

TEST_CASE("a device-CA certificate that may certify other CAs is refused by both") {
  Pki pki;
  for (const std::optional<int> path_len : {std::optional<int>(1), std::optional<int>()}) {
    auto spec = pki.issuer_spec();
    spec.path_len = path_len;
    const Bytes der = pki.issue(spec);
    CHECK(contains(station_verdict(pki, der), "path length"));
    CHECK(contains(auditor_verdict(pki, der), "path length"));
  }
}

TEST_CASE("an end-entity certificate named as a station's device-CA is refused by both") {
  Pki pki;
  auto spec = pki.issuer_spec();
  spec.is_ca = false;
  spec.path_len = std::nullopt;
  spec.usage = x509::CertificateUsage::kDigitalSignature;
  const Bytes der = pki.issue(spec);
  CHECK(contains(station_verdict(pki, der), "CA:TRUE"));
  CHECK(contains(auditor_verdict(pki, der), "CA:TRUE"));
}

TEST_CASE("a device-CA certificate for another key than the enrolled one is refused by both") {
  Pki pki;
  MemoryKey other;
  auto spec = pki.issuer_spec();
  spec.subject_key = other.public_key;
  const Bytes der = pki.issue(spec);
  CHECK(contains(station_verdict(pki, der), "not the enrolled device-CA key"));
  CHECK(contains(auditor_verdict(pki, der), "not the enrolled device-CA key"));
}
