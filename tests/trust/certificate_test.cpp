// Device-CA certificates: signed by the manufacturing CA with the algorithm its key
// defines, certifying exactly the enrolled key, a CA for devices only (pathlen 0), valid now.
#include <doctest/doctest.h>

#include <algorithm>

#include "testkit/trust_fixture.h"
#include "verifier/trust/station_registration.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::Bytes;

using hallmark::testing::contains;

namespace {

// Empty when the certificate is accepted, else the reason.
std::string verdict(const Bytes& der, const Key& issuer = mfg_ca(),
                    const Key& subject = device_ca(), std::string_view station = "st-1") {
  auto r = hv::verify_device_ca_certificate(der, issuer.pub, subject.pub, station, kNow);
  return r ? std::string() : r.error().message;
}

std::string with(CertSpec spec, const Key& issuer = mfg_ca()) {
  return verdict(make_certificate(device_ca(), issuer, spec), issuer);
}

}  // namespace

TEST_CASE("a proper device-CA certificate from the manufacturing CA (P-256) verifies") {
  CHECK(with({}) == "");
}

TEST_CASE("device-CA certificate from the wrong issuer is refused") {
  const Bytes der = make_certificate(device_ca(), mallory());
  CHECK(contains(verdict(der), "signed with"));  // P-384 signature where P-256 is expected
  const Bytes same_alg = make_certificate(device_ca(), carol());
  CHECK(contains(verdict(same_alg), "does not verify"));
}

TEST_CASE("device-CA certificate for the wrong subject key is refused") {
  const Bytes der = make_certificate(station_key(), mfg_ca());
  CHECK(contains(verdict(der), "not the enrolled device-CA key"));
}

TEST_CASE("device-CA certificate with CA:FALSE is refused") {
  CertSpec spec;
  spec.ca = false;
  CHECK(contains(with(spec), "CA:TRUE"));
}

TEST_CASE("device-CA certificate without a path length is refused") {
  CertSpec spec;
  spec.pathlen = -1;
  CHECK(contains(with(spec), "path length"));
  spec.pathlen = 1;
  CHECK(contains(with(spec), "path length"));
}

TEST_CASE("device-CA certificate with non-critical constraints or usage is refused") {
  CertSpec spec;
  spec.basic_constraints_critical = false;
  CHECK(contains(with(spec), "critical basicConstraints"));
  spec = {};
  spec.key_usage_critical = false;
  CHECK(contains(with(spec), "keyUsage"));
}

TEST_CASE("device-CA certificate without keyCertSign is refused") {
  CertSpec spec;
  spec.key_cert_sign = false;
  CHECK(contains(with(spec), "keyCertSign"));
  spec = {};
  spec.key_usage = false;
  CHECK(contains(with(spec), "keyCertSign"));
}

TEST_CASE("expired device-CA certificate is refused, as is one not valid yet") {
  CertSpec spec;
  spec.not_before = kNow - 2 * kYear;
  spec.not_after = kNow - kYear;
  CHECK(contains(with(spec), "not valid at"));
  spec.not_before = kNow + kDay;
  spec.not_after = kNow + kYear;
  CHECK(contains(with(spec), "not valid at"));
}

TEST_CASE("tampered device-CA certificate is refused") {
  Bytes der = make_certificate(device_ca(), mfg_ca());
  const std::string cn = "st-1";
  auto at = std::search(der.begin(), der.end(), hallmark::as_bytes(cn).begin(),
                        hallmark::as_bytes(cn).end());
  REQUIRE(at != der.end());
  *(at + 3) = std::byte{'2'};  // "st-2": still a well-formed certificate
  CHECK(contains(verdict(der, mfg_ca(), device_ca(), "st-2"), "does not verify"));
  Bytes trailing = make_certificate(device_ca(), mfg_ca());
  trailing.push_back(std::byte{0});
  CHECK(contains(verdict(trailing), "trailing"));
  CHECK_FALSE(verdict(Bytes{std::byte{0x30}, std::byte{0x03}}).empty());
}

TEST_CASE("the common name must be exactly the one the issuer writes for the station") {
  CertSpec spec;
  spec.cn = "Hallmark device CA st-10";
  CHECK(contains(with(spec), "does not name station"));
  spec.cn = "st-1";  // contains the station id, but the issuer never writes it
  CHECK(contains(with(spec), "does not name station"));
  spec.cn = "Device CA st-1";
  CHECK(contains(with(spec), "does not name station"));
  const Bytes der = make_certificate(device_ca(), mfg_ca());
  CHECK(contains(verdict(der, mfg_ca(), device_ca(), "st-"), "does not name"));
}

TEST_CASE("Ed25519 manufacturing CA: its certificate verifies — a P-256 key cannot stand in") {
  CHECK(with({}, bob()) == "");
  const Bytes der = make_certificate(device_ca(), bob());
  CHECK(contains(verdict(der, mfg_ca()), "signed with"));
}

TEST_CASE("RSA-PSS manufacturing CA: salt 32 verifies, other PSS parameters are refused") {
  const Key& rsa = ht::key(ht::Alg::kRsa3072, 10);
  CHECK(with({}, rsa) == "");
  CertSpec spec;
  spec.pss_salt = 20;
  CHECK(contains(with(spec, rsa), "RSA-PSS parameters"));
}
