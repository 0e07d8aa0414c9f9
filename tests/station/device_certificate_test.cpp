// Device identity certificates from the bundle's profile, with in-memory keys standing in
// for the manufacturing CA, the station's device-CA and the device: what is issued chains
// to the device-CA certificate under OpenSSL's own path building, and what must not be
// certified is refused before the device-CA key is asked to sign.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <optional>
#include <string>

#include "station-agent/station/device_certificate.h"
#include "tests/support/test_keys.h"
#include "tests/x509/x509_test_support.h"

using namespace hallmark;
using hallmark::testing::parse_certificate;
using hallmark::testing::verify_chain;

namespace {

constexpr const char* kStation = "station-7";
constexpr const char* kFactory = "Example Factory";  // the factory PKI's organisation

struct MemoryKey {
  ossl::PkeyPtr key;
  verifier::PublicKey public_key;
  int calls = 0;

  explicit MemoryKey(const std::string& kind = "P-256")
      : key(testing::generate_openssl_key(kind)),
        public_key(verifier::PublicKey::from_spki_der(testing::spki_of(key.get())).value()) {}
  x509::SignFunction sign() { return testing::memory_sign_function(key.get(), &calls); }
};

// Manufacturing CA → station-7's device-CA, as the ceremony issues them.
struct StationPki {
  MemoryKey manufacturing;
  MemoryKey device_ca;
  Bytes root_der;
  Bytes device_ca_der;

  explicit StationPki(const std::string& station = kStation) {
    const auto validity = testing::validity_now();
    root_der = x509::issue_certificate(
                   x509::manufacturing_ca_spec(kFactory, manufacturing.public_key, validity),
                   manufacturing.public_key, manufacturing.sign())
                   .value();
    device_ca_der = x509::issue_certificate(
                        x509::device_ca_spec(station, kFactory, device_ca.public_key, validity),
                        manufacturing.public_key, manufacturing.sign())
                        .value();
  }
};

v1::DeviceCertificateProfile profile(const std::string& subject_template,
                                     const std::string& algorithm = "ecdsa-p256") {
  v1::DeviceCertificateProfile p;
  p.set_subject_template(subject_template);
  p.set_validity_days(3650);
  p.set_key_algorithm(algorithm);
  return p;
}

struct Unit {
  Serial serial{"SN-000123"};
  device::HardwareId hardware_id{"a4cf12:0042"};
  MemoryKey key;
};

const std::int64_t kNow = std::time(nullptr);

Result<station::DeviceCertificate> issue(StationPki& pki, const v1::DeviceCertificateProfile& p,
                                         const Unit& unit,
                                         std::optional<Bytes> device_spki = std::nullopt) {
  const Bytes spki = device_spki ? *device_spki : unit.key.public_key.spki_der();
  return station::issue_device_certificate(
      station::DeviceCertificateRequest{
          .profile = p,
          .serial = unit.serial,
          .hardware_id = unit.hardware_id,
          .device_public_key_der = spki,
          .station_id = StationId(kStation),
          .device_ca_certificate_der = pki.device_ca_der,
          .device_ca_key = pki.device_ca.public_key,
          .now_unix = kNow,
      },
      pki.device_ca.sign());
}

std::string name_entry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
          static_cast<std::size_t>(ASN1_STRING_length(data))};
}

std::int64_t unix_time(const ASN1_TIME* t) {
  struct tm parts {};
  REQUIRE(ASN1_TIME_to_tm(t, &parts) == 1);
  return static_cast<std::int64_t>(timegm(&parts));
}

// Refused with `code`, the message mentioning `needle`, and the device-CA never signed.
void check_refused(StationPki& pki, const Result<station::DeviceCertificate>& r,
                   ErrorCode code, const std::string& needle) {
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message);
  CHECK(r.error().code == code);
  CHECK(r.error().message.find(needle) != std::string::npos);
  CHECK(pki.device_ca.calls == 0);
}

}  // namespace

TEST_CASE("a device certificate names the serial and chains to the station's device-CA") {
  StationPki pki;
  Unit unit;
  auto issued = issue(pki, profile("CN=${serial},O=Example Devices Ltd"), unit);
  REQUIRE_MESSAGE(issued.has_value(), (issued ? "" : issued.error().message));
  CHECK(pki.device_ca.calls == 1);
  CHECK(issued->subject.common_name == "SN-000123");
  CHECK(issued->subject.organisation == "Example Devices Ltd");
  CHECK(issued->device_key_id == unit.key.public_key.key_id());

  auto leaf = parse_certificate(issued->der);
  auto device_ca = parse_certificate(pki.device_ca_der);
  auto root = parse_certificate(pki.root_der);
  REQUIRE((leaf && device_ca && root));
  CHECK(name_entry(X509_get_subject_name(leaf.get()), NID_commonName) == "SN-000123");
  CHECK(name_entry(X509_get_subject_name(leaf.get()), NID_organizationName) ==
        "Example Devices Ltd");
  // The profile's organisation differs from the factory PKI's; the issuer is still exactly
  // the device-CA certificate's subject.
  CHECK(X509_NAME_cmp(X509_get_issuer_name(leaf.get()), X509_get_subject_name(device_ca.get())) ==
        0);
  CHECK(X509_verify(leaf.get(), pki.device_ca.key.get()) == 1);
  CHECK(X509_check_ca(leaf.get()) == 0);
  CHECK(verify_chain(root.get(), {device_ca.get()}, leaf.get()) == X509_V_OK);

  CHECK(unix_time(X509_get0_notBefore(leaf.get())) == kNow - 60);
  CHECK(unix_time(X509_get0_notAfter(leaf.get())) == kNow + 3650LL * 24 * 3600);
  CHECK(issued->not_before_unix == kNow - 60);
}

TEST_CASE("a template without O= and with ${hardware_id} still chains") {
  StationPki pki;
  Unit unit;
  auto issued = issue(pki, profile("cn = ${serial}/${hardware_id}"), unit);
  REQUIRE_MESSAGE(issued.has_value(), (issued ? "" : issued.error().message));
  CHECK(issued->subject.common_name == "SN-000123/a4cf12:0042");
  CHECK(issued->subject.organisation.empty());
  auto leaf = parse_certificate(issued->der);
  auto device_ca = parse_certificate(pki.device_ca_der);
  auto root = parse_certificate(pki.root_der);
  REQUIRE((leaf && device_ca && root));
  CHECK(X509_NAME_entry_count(X509_get_subject_name(leaf.get())) == 1);
  CHECK(verify_chain(root.get(), {device_ca.get()}, leaf.get()) == X509_V_OK);
}

TEST_CASE("a device key of another algorithm than the profile's is refused before signing") {
  StationPki pki;
  Unit unit;
  MemoryKey ed25519("ED25519");
  check_refused(pki, issue(pki, profile("CN=${serial}"), unit, ed25519.public_key.spki_der()),
                ErrorCode::kPolicyRefused, "asks for ecdsa-p256");
  MemoryKey p384("P-384");
  check_refused(pki, issue(pki, profile("CN=${serial}", "p256"), unit, p384.public_key.spki_der()),
                ErrorCode::kPolicyRefused, "ECDSA_P384_SHA384");
  // ... and the same P-384 key is fine when the profile asks for it.
  CHECK(issue(pki, profile("CN=${serial}", "ECDSA-P384"), unit, p384.public_key.spki_der())
            .has_value());
}

TEST_CASE("an unknown placeholder in the subject template is refused naming the template") {
  StationPki pki;
  Unit unit;
  check_refused(pki, issue(pki, profile("CN=${serial},O=${customer}"), unit),
                ErrorCode::kPolicyRefused, "'CN=${serial},O=${customer}'");
  check_refused(pki, issue(pki, profile("CN=${serial"), unit), ErrorCode::kPolicyRefused,
                "unterminated placeholder");
}

TEST_CASE("subject attributes other than one CN and one O are refused") {
  StationPki pki;
  Unit unit;
  check_refused(pki, issue(pki, profile("CN=${serial},OU=Line 1"), unit),
                ErrorCode::kPolicyRefused, "'OU=Line 1' is not allowed");
  check_refused(pki, issue(pki, profile("O=Example"), unit), ErrorCode::kPolicyRefused,
                "has no CN");
  check_refused(pki, issue(pki, profile("CN=a,CN=${serial}"), unit), ErrorCode::kPolicyRefused,
                "'CN=${serial}' is not allowed");
}

TEST_CASE("a serial with control characters is refused before signing") {
  StationPki pki;
  for (const char* serial : {"SN-1\n", "SN\x1b[2J", "SN\x7f", "", "SN-\xc3\xa9"}) {
    Unit unit;
    unit.serial = Serial(serial);
    check_refused(pki, issue(pki, profile("CN=${serial}"), unit), ErrorCode::kUsage, "serial");
  }
}

TEST_CASE("a serial with ',' or '=' cannot smuggle in a subject attribute") {
  StationPki pki;
  Unit unit;
  unit.serial = Serial("SN-1,O=Evil Corp");
  auto issued = issue(pki, profile("CN=${serial},O=Example Devices Ltd"), unit);
  REQUIRE_MESSAGE(issued.has_value(), (issued ? "" : issued.error().message));
  CHECK(issued->subject.common_name == "SN-1,O=Evil Corp");
  CHECK(issued->subject.organisation == "Example Devices Ltd");
}

TEST_CASE("a device-CA certificate for another station or another key is refused") {
  StationPki other_station("station-8");
  Unit unit;
  check_refused(other_station, issue(other_station, profile("CN=${serial}"), unit),
                ErrorCode::kPolicyRefused, "not for this station");

  StationPki pki;
  StationPki stranger;
  pki.device_ca_der = stranger.device_ca_der;  // this station's token, another's certificate
  check_refused(pki, issue(pki, profile("CN=${serial}"), unit), ErrorCode::kPolicyRefused,
                "re-install the right registration");
}

TEST_CASE("a device that reports the device-CA's own key is refused") {
  StationPki pki;
  Unit unit;
  check_refused(pki, issue(pki, profile("CN=${serial}"), unit, pki.device_ca.public_key.spki_der()),
                ErrorCode::kPolicyRefused, "device-CA public key");
}

TEST_CASE("a device-CA prepared once certifies unit after unit, each chaining to it") {
  StationPki pki;
  auto authority = station::DeviceCertificateAuthority::prepare(
      pki.device_ca_der, StationId(kStation), pki.device_ca.public_key, pki.device_ca.sign());
  REQUIRE_MESSAGE(authority, (authority ? "" : authority.error().message));
  auto device_ca = parse_certificate(pki.device_ca_der);
  auto root = parse_certificate(pki.root_der);
  REQUIRE((device_ca && root));
  const auto p = profile("CN=${serial},O=Example Devices Ltd");
  for (int i = 0; i < 3; ++i) {
    Unit unit;
    unit.serial = Serial("SN-" + std::to_string(i));
    auto issued = authority->issue(station::DeviceUnit{p, unit.serial, unit.hardware_id,
                                                       unit.key.public_key.spki_der(), kNow});
    REQUIRE_MESSAGE(issued, (issued ? "" : issued.error().message));
    CHECK(issued->device_key_id == unit.key.public_key.key_id());
    auto leaf = parse_certificate(issued->der);
    REQUIRE(leaf);
    CHECK(X509_check_issued(device_ca.get(), leaf.get()) == X509_V_OK);
    CHECK(verify_chain(root.get(), {device_ca.get()}, leaf.get()) == X509_V_OK);
  }
  CHECK(pki.device_ca.calls == 3);
}

TEST_CASE("a device-CA certificate that is not a CA is refused when the device-CA is prepared") {
  StationPki pki;
  // An end-entity certificate for the device-CA key, named like this station's device-CA.
  auto spec = x509::device_ca_spec(kStation, kFactory, pki.device_ca.public_key,
                                   testing::validity_now());
  spec.is_ca = false;
  spec.path_len = std::nullopt;
  spec.usage = x509::CertificateUsage::kDigitalSignature;
  pki.device_ca_der =
      x509::issue_certificate(spec, pki.manufacturing.public_key, pki.manufacturing.sign())
          .value();
  auto authority = station::DeviceCertificateAuthority::prepare(
      pki.device_ca_der, StationId(kStation), pki.device_ca.public_key, pki.device_ca.sign());
  REQUIRE_FALSE(authority.has_value());
  CHECK(authority.error().code == ErrorCode::kPolicyRefused);
  CHECK(authority.error().message.find("not a CA certificate") != std::string::npos);
  CHECK(pki.device_ca.calls == 0);
}
