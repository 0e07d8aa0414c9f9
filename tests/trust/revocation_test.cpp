// Revocations: signed by a root quorum of the current version; from then on their keys,
// custodians, stations and bundles are refused.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/trust/trusted_root.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::ErrorCode;
using hallmark::StationId;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

hv::TrustedRoot anchored() {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  return *root;
}

v1::Envelope approval(const Signers& signers) {
  v1::Revocation any;
  any.set_reason("an approver-signed document");
  return sign("promotion-statement", any, signers);
}

v1::Envelope revoke_key(const Key& key, const Signers& signers, uint64_t version = 1) {
  auto r = revocation(version);
  r.add_key_ids(key.pub.key_id());
  return sign("revocation", r, signers);
}

}  // namespace

TEST_CASE("revoked key no longer counts toward a quorum") {
  auto root = anchored();
  REQUIRE(root.verify(approval({&alice(), &bob()}), v1::APPROVER, "promotion-statement"));
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, revoke_key(bob(), {&alice(), &carol()})).has_value());
  CHECK(root.key_revoked(bob().pub.key_id()));
  auto refused = root.verify(approval({&alice(), &bob()}), v1::APPROVER, "promotion-statement");
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));
  CHECK(root.verify(approval({&alice(), &carol()}), v1::APPROVER, "promotion-statement"));
  CHECK(root.role_keys(v1::ROOT).size() == 2);
  CHECK_FALSE(root.key(bob().pub.key_id()).has_value());
}

TEST_CASE("a revoked key no longer counts toward a rotation") {
  const auto v1env = sign_root(default_spec(), {&alice(), &bob()});
  auto root = hv::TrustedRootTestAccess::from_anchor(v1env);
  REQUIRE(root.has_value());
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(*root, revoke_key(bob(), {&alice(), &carol()})).has_value());
  RootSpec v2spec = default_spec();
  v2spec.version = 2;
  v2spec.previous_digest = payload_digest(v1env);
  CHECK_FALSE(hallmark::verifier::TrustedRootTestAccess::update(*root, sign_root(v2spec, {&alice(), &bob()})).has_value());
  CHECK(hallmark::verifier::TrustedRootTestAccess::update(*root, sign_root(v2spec, {&alice(), &carol()})).has_value());
}

TEST_CASE("a revoked custodian counts for none of their keys") {
  RootSpec spec = default_spec();
  spec.custodians[0].keys = {&alice(), &alice_backup()};
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(spec, {&alice(), &bob()}));
  REQUIRE(root.has_value());
  auto r = revocation(1);
  r.add_custodians("alice");
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(*root, sign("revocation", r, {&bob(), &carol()})).has_value());
  CHECK(root->custodian_revoked("alice"));
  CHECK(root->key_revoked(alice_backup().pub.key_id()));
  CHECK_FALSE(
      root->verify(approval({&alice_backup(), &bob()}), v1::APPROVER, "promotion-statement"));
}

TEST_CASE("revocation signed by one custodian is refused") {
  auto root = anchored();
  auto refused = hallmark::verifier::TrustedRootTestAccess::add_revocation(root, revoke_key(bob(), {&alice()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kVerificationFailed);
  CHECK_FALSE(root.key_revoked(bob().pub.key_id()));
}

TEST_CASE("revocation naming a future trust root version is refused") {
  auto root = anchored();
  auto refused = hallmark::verifier::TrustedRootTestAccess::add_revocation(root, revoke_key(bob(), {&alice(), &carol()}, 2));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "v2"));
  CHECK_FALSE(root.key_revoked(bob().pub.key_id()));
}

TEST_CASE("a revocation cannot be replayed as another document type") {
  auto root = anchored();
  auto r = revocation(1);
  r.add_key_ids(bob().pub.key_id());
  auto refused = hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("trust-root", r, {&alice(), &carol()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "payload type"));
}

TEST_CASE("revocation naming nothing is refused") {
  auto root = anchored();
  auto refused = hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", revocation(1), {&alice(), &carol()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUsage);
}

TEST_CASE("revoked bundles and stations are reported — digests compared as bytes") {
  auto root = anchored();
  auto r = revocation(1);
  const std::string bundle(32, '\x07');
  r.add_bundle_digests(bundle);
  r.add_station_ids("st-9");
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&alice(), &carol()})).has_value());
  CHECK(root.bundle_revoked(hallmark::as_bytes(bundle)));
  CHECK_FALSE(root.bundle_revoked(hallmark::as_bytes(std::string(32, '\x08'))));
  CHECK(root.station_revoked(StationId("st-9")));
  CHECK_FALSE(root.station_revoked(StationId("st-1")));
}

TEST_CASE("a revocation with a malformed bundle digest is refused and changes nothing") {
  auto root = anchored();
  auto r = revocation(1);
  r.add_station_ids("st-9");
  r.add_bundle_digests("short");
  REQUIRE_FALSE(hallmark::verifier::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&alice(), &carol()})).has_value());
  CHECK_FALSE(root.station_revoked(StationId("st-9")));
}

TEST_CASE("a postdated revocation is refused: it would let a compromised station's evidence verify until then") {
  auto root = anchored();
  auto r = revocation(1);
  r.add_station_ids("st-9");
  r.set_effective_unix(r.issued_unix() + 1);
  auto refused = hv::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&alice(), &bob()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "no later than it is issued"));
  CHECK_FALSE(root.station_revoked(StationId("st-9")));
}

TEST_CASE("a station revoked twice is revoked from the earlier effective time, with that reason") {
  auto root = anchored();
  for (auto [effective, reason] : {std::pair{kNow - 300, "later"}, std::pair{kNow - 900, "earlier"}}) {
    auto r = revocation(1);
    r.add_station_ids("st-9");
    r.set_effective_unix(effective);
    r.set_reason(reason);
    REQUIRE(hv::TrustedRootTestAccess::add_revocation(root, sign("revocation", r, {&alice(), &bob()})));
  }
  const auto from = root.station_revoked_from(StationId("st-9"));
  REQUIRE(from.has_value());
  CHECK(from->effective_unix == kNow - 900);
  CHECK(from->reason == "earlier");
  CHECK_FALSE(root.station_revoked_from(StationId("st-1")).has_value());
}
