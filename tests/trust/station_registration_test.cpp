// Station enrollment requests (proof of possession of both keys, production provenance)
// and registrations (root quorum, not revoked, certificate, validity).
#include "tests/support/trusted_root_access.h"
#include "verifier/trust/station_registration.h"

#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::ErrorCode;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

v1::Envelope request(const v1::StationEnrollment& e, const Signers& signers) {
  return sign("station-enrollment", e, signers);
}

v1::StationEnrollment good_enrollment() { return enrollment("st-1", station_key(), device_ca()); }

hv::TrustedRoot trusted_root() {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  return *root;
}

v1::StationRegistration good_registration() {
  return registration(good_enrollment(), make_certificate(device_ca(), mfg_ca()));
}

v1::Envelope registered(const v1::StationRegistration& r,
                        const Signers& signers = {&alice(), &carol()}) {
  return sign("station-registration", r, signers);
}

std::string registration_error(const v1::Envelope& envelope, const hv::TrustedRoot& root) {
  auto r = hv::verify_station_registration(envelope, root, kNow);
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST_CASE("enrollment request signed by the station key and the device-CA key verifies") {
  auto verified =
      hv::verify_enrollment_request(request(good_enrollment(), {&station_key(), &device_ca()}));
  REQUIRE(verified.has_value());
  CHECK(verified->enrollment.station_id() == "st-1");
  CHECK(verified->station_key == station_key().pub);
  CHECK(verified->device_ca_key == device_ca().pub);
  CHECK(verified->payload.size() > 0);
}

TEST_CASE("enrollment request signed by station key only (no device-CA signature) is refused") {
  auto refused = hv::verify_enrollment_request(request(good_enrollment(), {&station_key()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "device-CA key"));
}

TEST_CASE("enrollment request signed by device-CA key only is refused") {
  auto refused = hv::verify_enrollment_request(request(good_enrollment(), {&device_ca()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "not signed by its station key"));
}

TEST_CASE("enrollment request signed by someone else's keys is refused") {
  auto refused = hv::verify_enrollment_request(request(good_enrollment(), {&mallory(), &carol()}));
  CHECK_FALSE(refused.has_value());
}

TEST_CASE("extractable provenance in an enrollment request is refused") {
  auto e = good_enrollment();
  e.mutable_device_ca_key_provenance()->set_extractable(true);
  auto refused = hv::verify_enrollment_request(request(e, {&station_key(), &device_ca()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kPolicyRefused);
  CHECK(contains(refused.error().message, "extractable"));

  e = good_enrollment();
  e.mutable_station_key_provenance()->set_never_extractable(false);
  CHECK_FALSE(hv::verify_enrollment_request(request(e, {&station_key(), &device_ca()})));
}

TEST_CASE("an imported (not token-generated) station key is refused") {
  auto e = good_enrollment();
  e.mutable_station_key_provenance()->set_local(false);
  auto refused = hv::verify_enrollment_request(request(e, {&station_key(), &device_ca()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "CKA_LOCAL"));
}

TEST_CASE("one key as both station key and device-CA key is refused") {
  auto e = enrollment("st-1", station_key(), station_key());
  auto refused = hv::verify_enrollment_request(request(e, {&station_key()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "must differ"));
}

TEST_CASE("enrollment request without a station id is refused") {
  auto e = good_enrollment();
  e.clear_station_id();
  CHECK_FALSE(hv::verify_enrollment_request(request(e, {&station_key(), &device_ca()})));
}

TEST_CASE("a registration signed by a root quorum with a proper certificate verifies") {
  auto root = trusted_root();
  auto verified = hv::verify_station_registration(registered(good_registration()), root, kNow);
  REQUIRE(verified.has_value());
  CHECK(verified->registration.station_id() == "st-1");
  CHECK(verified->enrollment.device_ca_key == device_ca().pub);
}

TEST_CASE("a registration signed by one custodian is refused") {
  CHECK(contains(registration_error(registered(good_registration(), {&alice()}), trusted_root()),
                 "1 of 2"));
}

TEST_CASE("revoked station's registration is refused") {
  auto root = trusted_root();
  auto r = revocation(1);
  r.add_station_ids("st-1");
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&bob(), &carol()})).has_value());
  auto refused = hv::verify_station_registration(registered(good_registration()), root, kNow);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kPolicyRefused);
  CHECK(contains(refused.error().message, "revoked"));
}

TEST_CASE("a registration whose device-CA key is revoked is refused") {
  auto root = trusted_root();
  auto r = revocation(1);
  r.add_key_ids(device_ca().pub.key_id());
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&bob(), &carol()})).has_value());
  CHECK(contains(registration_error(registered(good_registration()), root), "is revoked"));
}

TEST_CASE("a registration is refused once the manufacturing-CA key is revoked") {
  auto root = trusted_root();
  auto r = revocation(1);
  r.add_key_ids(mfg_ca().pub.key_id());
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&bob(), &carol()})).has_value());
  CHECK(contains(registration_error(registered(good_registration()), root), "manufacturing-CA"));
}

TEST_CASE("an expired registration is refused") {
  auto r = good_registration();
  r.set_registered_unix(kNow - 2 * kYear);
  r.set_expires_unix(kNow - kYear);
  CHECK(contains(registration_error(registered(r), trusted_root()), "not valid at"));
}

TEST_CASE("a registration with a certificate from the wrong issuer is refused") {
  auto r = registration(good_enrollment(), make_certificate(device_ca(), carol()));
  CHECK(contains(registration_error(registered(r), trusted_root()), "does not verify"));
}

TEST_CASE("a registration certifying another key than the enrolled device-CA key is refused") {
  auto r = registration(good_enrollment(), make_certificate(station_key(), mfg_ca()));
  CHECK(contains(registration_error(registered(r), trusted_root()), "not the enrolled"));
}

TEST_CASE("a registration carrying another station's enrollment is refused") {
  auto r = good_registration();
  r.set_station_id("st-2");
  CHECK(contains(registration_error(registered(r), trusted_root()), "carries the enrollment"));
}

TEST_CASE("a registration carrying an extractable enrollment is refused") {
  auto e = good_enrollment();
  e.mutable_station_key_provenance()->set_extractable(true);
  auto r = registration(e, make_certificate(device_ca(), mfg_ca()));
  CHECK(contains(registration_error(registered(r), trusted_root()), "extractable"));
}

TEST_CASE("a registration naming a future trust root version is refused") {
  auto r = good_registration();
  r.set_trust_root_version(2);
  CHECK(contains(registration_error(registered(r), trusted_root()), "v2"));
}
