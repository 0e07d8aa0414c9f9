// What the station and the manufacturing CA produce is what the verifier accepts:
// hallmark::trust checks an enrollment request from make_enrollment_request() and a
// device-CA certificate from hallmark::x509, both made with SoftHSM token keys.
#include <doctest/doctest.h>

#include <ctime>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/x509/certificate_issuer.h"
#include "station-agent/enrollment/enrollment_request.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/trust/station_registration.h"

using namespace hallmark;
using hallmark::testing::SoftHsmFixture;

namespace {

hsm::TokenSigner generate(hsm::Session& session, const std::string& label,
                          v1::KeyAlgorithm algorithm) {
  auto key = hsm::generate_key(session, hsm::KeySpec{algorithm, label, {}, false});
  REQUIRE(key.has_value());
  auto signer = hsm::TokenSigner::create(session, std::move(*key));
  REQUIRE(signer.has_value());
  return std::move(*signer);
}

}  // namespace

TEST_CASE("the verifier accepts the station's request and the device-CA certificate for it") {
  SoftHsmFixture hsm{{"signer-hsm", "station-token"}};
  auto signer_session = hsm.open("signer-hsm");
  auto station_session = hsm.open("station-token");
  auto mfg = generate(signer_session, "manufacturing-ca", v1::ECDSA_P384_SHA384);
  auto station_key = generate(station_session, "station", v1::ECDSA_P256_SHA256);
  auto device_ca = generate(station_session, "device-ca", v1::ECDSA_P256_SHA256);
  const std::int64_t now = std::time(nullptr);

  const station::EnrollmentInfo info{"station-7", verifier::sha256(as_bytes("bin")).value(),
                                     verifier::sha256(ByteView{}).value(), now, "softhsm2",
                                     station_session.token_info().value()};
  auto request = station::make_enrollment_request(station_key, device_ca, info);
  REQUIRE(request.has_value());
  auto enrolled = verifier::verify_enrollment_request(*request);
  REQUIRE_MESSAGE(enrolled.has_value(), (enrolled ? "" : enrolled.error().message));
  CHECK(enrolled->device_ca_key == device_ca.public_key());

  auto cert = x509::issue_certificate(
      x509::device_ca_spec("station-7", "Example Factory", enrolled->device_ca_key,
                           {now - 60, now + 86400}),
      mfg.public_key(), x509::token_sign_function(mfg));
  REQUIRE(cert.has_value());
  auto ok = verifier::verify_device_ca_certificate(*cert, mfg.public_key(),
                                                   enrolled->device_ca_key, "station-7", now);
  CHECK_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  // ...and not for another station, nor under another issuer key.
  CHECK_FALSE(verifier::verify_device_ca_certificate(*cert, mfg.public_key(),
                                                     enrolled->device_ca_key, "station-8", now)
                  .has_value());
  CHECK_FALSE(verifier::verify_device_ca_certificate(*cert, station_key.public_key(),
                                                     enrolled->device_ca_key, "station-7", now)
                  .has_value());
}
