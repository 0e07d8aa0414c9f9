// Rotation: version N+1 needs thresholds of N and N+1, the exact next number, N's digest,
// and must be issued while N was valid; the newest version must be fresh.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/trust/trusted_root.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::ErrorCode;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

// v2 replaces carol by dave; v3 raises the root threshold to 3 of 3.
std::vector<RootSpec> specs_v1_to_v3() {
  RootSpec v1spec = default_spec();
  RootSpec v2spec = default_spec();
  v2spec.version = 2;
  v2spec.custodians[2] = {"dave", {&dave()}};
  RootSpec v3spec = v2spec;
  v3spec.version = 3;
  v3spec.root_threshold = 3;
  return {v1spec, v2spec, v3spec};
}

std::vector<v1::Envelope> chain_v1_to_v3() {
  return make_chain(specs_v1_to_v3(),
                    {{&alice(), &bob()}, {&alice(), &bob()}, {&alice(), &bob(), &dave()}});
}

// A v2 held by entirely new custodians (dave, erin, frank).
RootSpec new_custodians_v2(const v1::Envelope& v1env) {
  RootSpec spec = default_spec();
  spec.version = 2;
  spec.custodians = {{"dave", {&dave()}}, {"erin", {&erin()}}, {"frank", {&frank()}}};
  spec.previous_digest = payload_digest(v1env);
  return spec;
}

hv::TrustedRoot anchor(const v1::Envelope& v1env) {
  auto root = hv::TrustedRootTestAccess::from_anchor(v1env);
  REQUIRE(root.has_value());
  return *root;
}

}  // namespace

TEST_CASE("rotation chain v1→v3 verifies") {
  const auto chain = chain_v1_to_v3();
  auto root = hv::TrustedRootTestAccess::chain(chain, kNow);
  REQUIRE(root.has_value());
  CHECK(root->version() == 3);
  CHECK(root->current().custodians(2).name() == "dave");
  CHECK(root->current_digest().hex() ==
        hallmark::to_hex(hallmark::as_bytes(payload_digest(chain[2]))));
  // v3 needs all three custodians now.
  CHECK_FALSE(root->verify(chain[1], v1::ROOT, "trust-root").has_value());
}

TEST_CASE("rollback to an older version is refused") {
  const auto chain = chain_v1_to_v3();
  auto root = anchor(chain[0]);
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::update(root, chain[1]).has_value());
  auto back = hallmark::verifier::TrustedRootTestAccess::update(root, chain[0]);
  REQUIRE_FALSE(back.has_value());
  CHECK(back.error().code == ErrorCode::kPolicyRefused);
  CHECK(contains(back.error().message, "rollback"));
  auto same = hallmark::verifier::TrustedRootTestAccess::update(root, chain[1]);
  REQUIRE_FALSE(same.has_value());
  CHECK(contains(same.error().message, "rollback"));
  CHECK(root.version() == 2);
}

TEST_CASE("skipped version (v1→v3) is refused") {
  const auto chain = chain_v1_to_v3();
  auto root = anchor(chain[0]);
  auto skipped = hallmark::verifier::TrustedRootTestAccess::update(root, chain[2]);
  REQUIRE_FALSE(skipped.has_value());
  CHECK(contains(skipped.error().message, "skipped"));
  CHECK(root.version() == 1);
}

TEST_CASE("a chain given out of order is refused") {
  auto chain = chain_v1_to_v3();
  std::swap(chain[1], chain[2]);
  CHECK_FALSE(hv::TrustedRootTestAccess::chain(chain, kNow).has_value());
}

TEST_CASE("rotation signed by the old threshold alone is refused") {
  const auto v1env = sign_root(default_spec(), {&alice(), &bob()});
  auto root = anchor(v1env);
  auto refused = hallmark::verifier::TrustedRootTestAccess::update(root, sign_root(new_custodians_v2(v1env), {&alice(), &bob()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "its own root role"));
  CHECK(root.version() == 1);
}

TEST_CASE("rotation signed by the new threshold alone is refused") {
  const auto v1env = sign_root(default_spec(), {&alice(), &bob()});
  auto root = anchor(v1env);
  auto refused = hallmark::verifier::TrustedRootTestAccess::update(root, sign_root(new_custodians_v2(v1env), {&dave(), &erin()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "current root role"));
  CHECK(root.version() == 1);
}

TEST_CASE("rotation to new custodians signed by both thresholds verifies") {
  const auto v1env = sign_root(default_spec(), {&alice(), &bob()});
  auto root = anchor(v1env);
  auto ok =
      hallmark::verifier::TrustedRootTestAccess::update(root, sign_root(new_custodians_v2(v1env), {&alice(), &carol(), &erin(), &frank()}));
  CHECK(ok.has_value());
  CHECK(root.version() == 2);
}

TEST_CASE("rotation with a wrong previous digest is refused") {
  const auto v1env = sign_root(default_spec(), {&alice(), &bob()});
  auto root = anchor(v1env);
  RootSpec v2spec = default_spec();
  v2spec.version = 2;
  v2spec.previous_digest = std::string(32, '\x42');
  auto refused = hallmark::verifier::TrustedRootTestAccess::update(root, sign_root(v2spec, {&alice(), &bob()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "previous digest"));
}

TEST_CASE("expired newest version is refused") {
  const auto chain = chain_v1_to_v3();
  auto expired = hv::TrustedRootTestAccess::chain(chain, kNow + 2 * kYear);
  REQUIRE_FALSE(expired.has_value());
  CHECK(expired.error().code == ErrorCode::kPolicyRefused);
  CHECK(contains(expired.error().message, "expired"));
}

TEST_CASE("a newest version not valid yet is refused") {
  auto early = hv::TrustedRootTestAccess::chain(chain_v1_to_v3(), kNow - 2 * kDay);
  REQUIRE_FALSE(early.has_value());
  CHECK(contains(early.error().message, "not valid yet"));
}

TEST_CASE("an expired older version does not matter once a fresh successor exists") {
  auto specs = specs_v1_to_v3();
  specs.resize(2);
  specs[0].issued = kNow - 3 * kYear;
  specs[0].expires = kNow - kYear;
  specs[1].issued = kNow - kYear - kDay;
  const auto chain = make_chain(specs, {{&alice(), &bob()}, {&alice(), &bob()}});
  CHECK(hv::TrustedRootTestAccess::chain(chain, kNow).has_value());
  CHECK_FALSE(hv::TrustedRootTestAccess::chain(std::span(chain).first(1), kNow).has_value());
}

TEST_CASE("version issued after its predecessor expired is refused") {
  auto specs = specs_v1_to_v3();
  specs.resize(2);
  specs[0].issued = kNow - 3 * kYear;
  specs[0].expires = kNow - kYear;
  specs[1].issued = kNow - kDay;  // after v1 expired
  const auto chain = make_chain(specs, {{&alice(), &bob()}, {&alice(), &bob()}});
  auto refused = hv::TrustedRootTestAccess::chain(chain, kNow);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "outside the validity"));
}

TEST_CASE("version issued before its predecessor is refused") {
  auto specs = specs_v1_to_v3();
  specs.resize(2);
  specs[1].issued = specs[0].issued - 1;
  const auto chain = make_chain(specs, {{&alice(), &bob()}, {&alice(), &bob()}});
  CHECK_FALSE(hv::TrustedRootTestAccess::chain(chain, kNow).has_value());
}

TEST_CASE("pinned anchor digest is checked on a chain") {
  const auto chain = chain_v1_to_v3();
  auto right = hv::Digest::from_bytes(hallmark::as_bytes(payload_digest(chain[0])));
  auto wrong = hv::Digest::from_bytes(hallmark::as_bytes(payload_digest(chain[1])));
  REQUIRE(right.has_value());
  REQUIRE(wrong.has_value());
  CHECK(hv::TrustedRootTestAccess::chain(chain, kNow, *right).has_value());
  auto refused = hv::TrustedRootTestAccess::chain(chain, kNow, *wrong);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "pinned digest"));
}

TEST_CASE("an empty chain is a usage error") {
  auto none = hv::TrustedRootTestAccess::chain({}, kNow);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::kUsage);
}
