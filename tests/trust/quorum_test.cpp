// Role quorums: who counts, and how often (docs/design.md §2), on the anchor and on role
// documents.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/core/document.h"
#include "verifier/trust/trusted_root.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::ErrorCode;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

v1::Envelope approver_doc(const Signers& signers) {
  v1::Revocation any;  // any message will do as an approver-signed payload
  any.set_reason("approval");
  return sign("promotion-statement", any, signers);
}

RootSpec alice_with_two_cards() {
  RootSpec spec = default_spec();
  spec.custodians[0].keys = {&alice(), &alice_backup()};
  return spec;
}

}  // namespace

TEST_CASE("v1 signed by 2 of 3 root keys verifies and reports who signed") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  CHECK(root->version() == 1);
  auto verified =
      root->verify(sign_root(default_spec(), {&carol(), &bob()}), v1::ROOT, "trust-root");
  REQUIRE(verified.has_value());
  CHECK(verified->second.identities == std::vector<std::string>{"bob", "carol"});
  CHECK(verified->second.key_ids.size() == 2);
  CHECK(verified->second.threshold == 2);
}

TEST_CASE("v1 signed by 1 of 3 root keys is refused") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice()}));
  REQUIRE_FALSE(root.has_value());
  CHECK(root.error().code == ErrorCode::kVerificationFailed);
  CHECK(contains(root.error().message, "1 of 2"));
}

TEST_CASE("the same custodian signing with two keys counts once") {
  const RootSpec spec = alice_with_two_cards();
  auto refused = hv::TrustedRootTestAccess::from_anchor(sign_root(spec, {&alice(), &alice_backup()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));

  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(spec, {&alice(), &alice_backup(), &bob()}));
  REQUIRE(root.has_value());
  auto q =
      root->verify(sign_root(spec, {&alice(), &alice_backup(), &bob()}), v1::ROOT, "trust-root");
  REQUIRE(q.has_value());
  CHECK(q->second.key_ids.size() == 3);
  CHECK(q->second.identities == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("a key signing twice counts once") {
  auto refused = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &alice()}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));
}

TEST_CASE("an unknown key's signature does not count, even claiming a custodian's key id") {
  auto envelope = sign_root(default_spec(), {&alice(), &mallory()});
  envelope.mutable_signatures(1)->set_keyid(bob().pub.key_id());
  auto refused = hv::TrustedRootTestAccess::from_anchor(envelope);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));
}

TEST_CASE("a key id is only a hint: wrong or missing hints still verify") {
  auto envelope = sign_root(default_spec(), {&alice(), &bob()});
  envelope.mutable_signatures(0)->set_keyid(bob().pub.key_id());
  envelope.mutable_signatures(1)->clear_keyid();
  CHECK(hv::TrustedRootTestAccess::from_anchor(envelope).has_value());
}

TEST_CASE("a tampered anchor payload is refused") {
  auto envelope = sign_root(default_spec(), {&alice(), &bob()});
  RootSpec longer = default_spec();
  longer.expires += kYear;
  envelope.set_payload(std::string(hallmark::as_chars(hv::deterministic_bytes(make_root(longer)))));
  auto refused = hv::TrustedRootTestAccess::from_anchor(envelope);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "0 of 2"));
}

TEST_CASE("an anchor with another payload type is refused") {
  auto envelope = sign("revocation", make_root(default_spec()), {&alice(), &bob()});
  auto refused = hv::TrustedRootTestAccess::from_anchor(envelope);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "payload type"));
}

TEST_CASE("pinned anchor digest mismatch is refused — a matching pin verifies") {
  const auto envelope = sign_root(default_spec(), {&alice(), &bob()});
  auto right = hv::Digest::from_bytes(hallmark::as_bytes(payload_digest(envelope)));
  REQUIRE(right.has_value());
  CHECK(hv::TrustedRootTestAccess::from_anchor(envelope, *right).has_value());

  RootSpec other = default_spec();
  other.expires -= kDay;
  auto wrong = hv::Digest::from_bytes(
      hallmark::as_bytes(payload_digest(sign_root(other, {&alice(), &bob()}))));
  REQUIRE(wrong.has_value());
  auto refused = hv::TrustedRootTestAccess::from_anchor(envelope, *wrong);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "pinned digest"));
}

TEST_CASE("a role document counts identities of that role only") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  CHECK(root->verify(approver_doc({&alice(), &carol()}), v1::APPROVER, "promotion-statement"));
  // The release key holds RELEASE, not APPROVER.
  auto refused =
      root->verify(approver_doc({&alice(), &release_key()}), v1::APPROVER, "promotion-statement");
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));
}

TEST_CASE("a non-custodian key counts as its own key id") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  auto q = root->verify(approver_doc({&release_key()}), v1::RELEASE, "promotion-statement");
  REQUIRE(q.has_value());
  CHECK(q->second.identities == std::vector<std::string>{release_key().pub.key_id()});
}

TEST_CASE("a role the trust root does not define verifies nothing") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  auto refused = root->verify(approver_doc({&alice()}), v1::EVIDENCE, "promotion-statement");
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "no EVIDENCE role"));
}

TEST_CASE("role document with the wrong payload type is refused") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  auto refused = root->verify(approver_doc({&alice(), &bob()}), v1::APPROVER, "revocation");
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "payload type"));
}

TEST_CASE("role_keys and key() return the current version's keys") {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  CHECK(root->role_keys(v1::ROOT).size() == 3);
  REQUIRE(root->role_keys(v1::MANUFACTURING_CA).size() == 1);
  CHECK(root->role_keys(v1::MANUFACTURING_CA)[0] == mfg_ca().pub);
  CHECK(root->key(bob().pub.key_id()).has_value());
  CHECK_FALSE(root->key(mallory().pub.key_id()).has_value());
  CHECK(root->role_keys(v1::EVIDENCE).empty());
}
