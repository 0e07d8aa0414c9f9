// check_trust_root_shape: a trust root that could never be satisfied, or that lets one
// person count twice, is refused before any signature matters.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/trust/trusted_root.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

std::string shape_error(const v1::TrustRoot& root) {
  auto r = hv::check_trust_root_shape(root);
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST_CASE("the default trust root has a valid shape") {
  CHECK(hv::check_trust_root_shape(make_root(default_spec())).has_value());
}

TEST_CASE("duplicate custodian names are refused (one person would count twice)") {
  RootSpec spec = default_spec();
  spec.custodians[2].name = "alice";
  CHECK(contains(shape_error(make_root(spec)), "used twice"));
}

TEST_CASE("a key held by two custodians is refused") {
  auto root = make_root(default_spec());
  root.mutable_custodians(1)->add_key_ids(alice().pub.key_id());
  CHECK(contains(shape_error(root), "exactly one custodian"));
}

TEST_CASE("a threshold of 0 is refused") {
  RootSpec spec = default_spec();
  spec.approver_threshold = 0;
  CHECK(contains(shape_error(make_root(spec)), "threshold 0"));
}

TEST_CASE("a threshold above the distinct identities holding the role is refused") {
  RootSpec spec = default_spec();
  spec.custodians = {{"alice", {&alice(), &alice_backup()}}, {"bob", {&bob()}}};
  spec.root_threshold = 3;  // three keys, but only two people
  CHECK(contains(shape_error(make_root(spec)), "only 2 distinct identities"));
}

TEST_CASE("a role key that is not listed among the keys is refused") {
  auto root = make_root(default_spec());
  root.mutable_roles(0)->add_key_ids(mallory().pub.key_id());
  CHECK(contains(shape_error(root), "not listed"));
}

TEST_CASE("a key whose id is not the SHA-256 of its SPKI is refused") {
  auto root = make_root(default_spec());
  root.mutable_keys(0)->set_key_id(std::string(64, 'a'));
  CHECK_FALSE(shape_error(root).empty());
}

TEST_CASE("a key listed twice is refused") {
  auto root = make_root(default_spec());
  *root.add_keys() = root.keys(0);
  CHECK(contains(shape_error(root), "listed twice"));
}

TEST_CASE("a role listed twice is refused") {
  auto root = make_root(default_spec());
  *root.add_roles() = root.roles(0);
  CHECK(contains(shape_error(root), "listed twice"));
}

TEST_CASE("a trust root without a root role is refused") {
  auto root = make_root(default_spec());
  root.mutable_roles(0)->set_role(v1::EVIDENCE);
  CHECK(contains(shape_error(root), "no ROOT role"));
}

TEST_CASE("version 0 and an expiry before issue are refused") {
  RootSpec spec = default_spec();
  spec.version = 0;
  CHECK(contains(shape_error(make_root(spec)), "version"));
  spec = default_spec();
  spec.expires = spec.issued;
  CHECK(contains(shape_error(make_root(spec)), "expires"));
}

TEST_CASE("v2 without a previous digest, and v1 with one, are refused") {
  RootSpec spec = default_spec();
  spec.version = 2;
  CHECK(contains(shape_error(make_root(spec)), "previous"));
  spec.version = 1;
  spec.previous_digest = std::string(32, 'x');
  CHECK(contains(shape_error(make_root(spec)), "previous"));
}

TEST_CASE("an anchor with a bad shape is refused even when signed by a quorum") {
  RootSpec spec = default_spec();
  spec.custodians[2].name = "bob";
  auto refused = hv::TrustedRootTestAccess::from_anchor(sign_root(spec, {&alice(), &bob(), &carol()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "used twice"));
}
