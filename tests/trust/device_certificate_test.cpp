// A unit's identity certificate (verify_device_certificate): issued by the station's
// device-CA key to exactly that serial, not a CA, valid when the unit was programmed.
// Each case names the forgery it must refuse.
#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::trust_testing {
namespace {

namespace hv = hallmark::verifier;

// The device-CA certificate whose subject the device certificates name as issuer.
Bytes device_ca_certificate() {
  CertSpec spec;
  spec.cn = "Hallmark manufacturing CA";  // the name make_certificate() writes as issuer
  return make_certificate(device_ca(), mfg_ca(), spec);
}

CertSpec device_spec(const std::string& serial) {
  CertSpec spec;
  spec.cn = serial;
  spec.ca = false;
  spec.pathlen = -1;
  spec.key_usage = false;
  spec.basic_constraints_critical = false;
  return spec;
}

}  // namespace

TEST_CASE("device certificate: one issued by the station's device-CA key to the unit's serial verifies") {
  const Bytes cert = make_certificate(erin(), device_ca(), device_spec("SN-0001"));
  auto v = hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0001", kNow);
  REQUIRE_MESSAGE(v, (v ? "" : v.error().message));
  CHECK(v->common_name == "SN-0001");
  CHECK(v->device_key.key_id() == erin().pub.key_id());
}

TEST_CASE("device certificate: a certificate moved to another serial (label swap) is refused") {
  const Bytes cert = make_certificate(erin(), device_ca(), device_spec("SN-0001"));
  auto v = hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0002", kNow);
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("not to serial SN-0002") != std::string::npos);
}

TEST_CASE("device certificate: one signed by another key than the station's device CA is refused") {
  const Bytes cert = make_certificate(erin(), carol(), device_spec("SN-0001"));
  CHECK_FALSE(hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0001", kNow));
}

TEST_CASE("device certificate: a device claiming to be a CA is refused") {
  CertSpec spec = device_spec("SN-0001");
  spec.ca = true;
  spec.pathlen = 0;
  spec.basic_constraints_critical = true;
  const Bytes cert = make_certificate(erin(), device_ca(), spec);
  auto v = hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0001", kNow);
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("CA") != std::string::npos);
}

TEST_CASE("device certificate: one outside its validity at the event's time is refused") {
  CertSpec spec = device_spec("SN-0001");
  spec.not_before = kNow + kDay;
  const Bytes cert = make_certificate(erin(), device_ca(), spec);
  CHECK_FALSE(hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0001", kNow));
}

TEST_CASE("device certificate: an issuer name that is not the station's device-CA certificate is refused") {
  const Bytes cert = make_certificate(erin(), device_ca(), device_spec("SN-0001"));
  CertSpec other;
  other.cn = "Hallmark device CA st-2";
  const Bytes other_ca = make_certificate(device_ca(), mfg_ca(), other);
  auto v = hv::verify_device_certificate(cert, other_ca, device_ca().pub, "SN-0001", kNow);
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("issuer") != std::string::npos);
}

TEST_CASE("device certificate: truncated or garbage bytes are refused") {
  Bytes cert = make_certificate(erin(), device_ca(), device_spec("SN-0001"));
  cert.resize(cert.size() / 2);
  CHECK_FALSE(hv::verify_device_certificate(cert, device_ca_certificate(), device_ca().pub, "SN-0001", kNow));
  CHECK_FALSE(hv::verify_device_certificate({}, device_ca_certificate(), device_ca().pub, "SN-0001", kNow));
}

}  // namespace hallmark::trust_testing
