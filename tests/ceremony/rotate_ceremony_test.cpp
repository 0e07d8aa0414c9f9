// Rotation: the ceremony builds v1 → v2 → v3; hand-built versions signed on the fixture
// tokens show the verifier refusing what the ceremony would never produce.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "ceremony/src/rotate_ceremony.h"
#include "ceremony/src/trust_root_builder.h"
#include "hsm-profiles/src/keygen.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/trust/trusted_root.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

ceremony::CeremonyOutcome rotate(RecordingUi& ui, std::vector<v1::Envelope> chain,
                                 const ceremony::LoadedPlan& plan,
                                 const ceremony::LoadedPlan* previous,
                                 std::vector<std::string> present, int64_t now) {
  ceremony::CeremonyContext context{ui, fixed_clock(now), std::move(present)};
  ceremony::RotateInput input{chain, {}, &plan, previous};
  return ceremony::run_rotate(input, context);
}

verifier::TrustedRoot anchor(const v1::Envelope& v1) {
  auto root = verifier::TrustedRootTestAccess::from_anchor(v1);
  REQUIRE(root);
  return *root;
}

v1::PublicKey generate_custodian_key(CeremonyTokens& tokens, const std::string& token) {
  auto session = tokens.hsm.open(token);
  auto key = hsm::generate_key(session, hsm::KeySpec{v1::ECDSA_P256_SHA256, "custodian", {}, false});
  REQUIRE(key);
  return key->public_key().to_proto();
}

// Version `version` on top of `previous` (its custodians plus `extra`), root threshold
// `threshold`, signer keys kept: what a hand-built rotation looks like.
v1::TrustRoot hand_built(const verifier::TrustedRoot& previous, uint64_t version,
                         uint32_t threshold, const std::vector<ceremony::CustodianRecord>& extra,
                         const verifier::Digest& previous_digest) {
  const v1::TrustRoot& old = previous.current();
  ceremony::TrustRootParts parts;
  parts.version = version;
  parts.issued_unix = kNow + 10;
  parts.expires_unix = kNow + 1000;
  parts.custodians = ceremony::custodian_records(old);
  parts.custodians.insert(parts.custodians.end(), extra.begin(), extra.end());
  parts.root_threshold = threshold;
  parts.approver_threshold = 2;
  parts.signer = {*ceremony::role_key(old, v1::RELEASE), *ceremony::role_key(old, v1::EVIDENCE),
                  *ceremony::role_key(old, v1::MANUFACTURING_CA)};
  parts.manufacturing_ca_certificate_der = to_bytes(old.manufacturing_ca_certificate_der());
  parts.previous_digest.assign(previous_digest.bytes().begin(), previous_digest.bytes().end());
  auto root = ceremony::build_trust_root(parts);
  REQUIRE_MESSAGE(root, (root ? "" : root.error().message));
  return *root;
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("rotation chain v1 -> v2 -> v3 verifies: a custodian replaced, then a threshold raised") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const auto plan1 = make_plan(names({"alice", "bob", "carol"}), 2);
  const auto plan2 = make_plan(names({"alice", "bob", "dave"}), 2);
  const auto plan3 = make_plan(names({"alice", "bob", "dave"}), 3);

  // carol leaves (her card comes from the previous plan), dave joins: alice and carol meet
  // v1's threshold, alice and dave v2's.
  RecordingUi ui2;
  auto v2 = rotate(ui2, {v1}, plan2, &plan1, {"alice", "carol", "dave"}, kNow + 100);
  REQUIRE_MESSAGE(v2.ok(), (v2.error ? v2.error->message : ""));
  CHECK(v2.version == 2);

  RecordingUi ui3;
  auto v3 = rotate(ui3, {v1, *v2.document}, plan3, nullptr, {}, kNow + 200);
  REQUIRE_MESSAGE(v3.ok(), (v3.error ? v3.error->message : ""));

  const std::vector<v1::Envelope> chain{v1, *v2.document, *v3.document};
  auto root = verifier::TrustedRootTestAccess::chain(chain, kNow + 300);
  REQUIRE_MESSAGE(root, (root ? "" : root.error().message));
  CHECK(root->version() == 3);
  std::vector<std::string> custodians;
  for (const auto& c : root->current().custodians()) custodians.push_back(c.name());
  CHECK(custodians == std::vector<std::string>{"alice", "bob", "dave"});
  for (const auto& role : root->current().roles()) {
    if (role.role() == v1::ROOT) CHECK(role.threshold() == 3);
  }
  // Signer keys are kept across rotations unless regenerated.
  const auto first = anchor(v1);
  CHECK(ceremony::role_key(root->current(), v1::RELEASE)->key_id() ==
        ceremony::role_key(first.current(), v1::RELEASE)->key_id());
  CHECK(payload_of<v1::TrustRoot>(*v3.document).previous_digest() ==
        std::string(as_chars(verifier::sha256(as_bytes(v2.document->payload()))->bytes())));
}

TEST_CASE("a rotation that would meet only the old threshold is refused before any card is touched") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const auto plan2 = make_plan(names({"alice", "bob", "carol"}), 3);
  RecordingUi ui;
  auto v2 = rotate(ui, {v1}, plan2, nullptr, {"alice", "bob"}, kNow + 100);
  REQUIRE_FALSE(v2.ok());
  CHECK(v2.error->code == ErrorCode::kPolicyRefused);
  CHECK(v2.error->message.find("AND 3 of its own") != std::string::npos);
  CHECK_FALSE(has_entry(entries_of(v2.transcript), "sign", true));
}

TEST_CASE("the verifier refuses a rotation signed by the old threshold alone") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const v1::PublicKey dave = generate_custodian_key(tokens, "custodian-dave");
  verifier::TrustedRoot root = anchor(v1);
  const v1::TrustRoot v2 =
      hand_built(root, 2, 3, {{"dave", {dave}, {}}}, root.current_digest());
  auto alice = fixture_signer(tokens, "custodian-alice");
  auto bob = fixture_signer(tokens, "custodian-bob");
  auto old_only = sign_envelope(v2, verifier::kTrustRootType, {alice.get(), bob.get()});
  auto refused = hallmark::verifier::TrustedRootTestAccess::update(root, old_only);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("its own root role") != std::string::npos);
  CHECK(root.version() == 1);  // nothing changed

  // With the third signature of the new root role the same version is accepted.
  auto dave_signer = fixture_signer(tokens, "custodian-dave");
  auto both = sign_envelope(v2, verifier::kTrustRootType,
                            {alice.get(), bob.get(), dave_signer.get()});
  CHECK(hallmark::verifier::TrustedRootTestAccess::update(root, both));
}

TEST_CASE("the verifier refuses a skipped version and a rollback, even when signed by a quorum") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  verifier::TrustedRoot root = anchor(v1);
  auto alice = fixture_signer(tokens, "custodian-alice");
  auto bob = fixture_signer(tokens, "custodian-bob");

  const v1::TrustRoot skipping = hand_built(root, 3, 2, {}, root.current_digest());
  auto skipped = hallmark::verifier::TrustedRootTestAccess::update(root, sign_envelope(skipping, verifier::kTrustRootType,
                                           {alice.get(), bob.get()}));
  REQUIRE_FALSE(skipped);
  CHECK(skipped.error().message.find("may not be skipped") != std::string::npos);

  const v1::TrustRoot v2 = hand_built(root, 2, 2, {}, root.current_digest());
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::update(root, sign_envelope(v2, verifier::kTrustRootType, {alice.get(), bob.get()})));
  auto rollback = hallmark::verifier::TrustedRootTestAccess::update(root, v1);
  REQUIRE_FALSE(rollback);
  CHECK(rollback.error().message.find("rollback") != std::string::npos);
  CHECK(root.version() == 2);
}

TEST_CASE("rotate refuses a chain given out of order (a rollback of the input)") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  RecordingUi ui;
  auto v2 = rotate(ui, {v1}, plan, nullptr, {}, kNow + 100);
  REQUIRE(v2.ok());
  RecordingUi ui3;
  auto v3 = rotate(ui3, {*v2.document, v1}, plan, nullptr, {}, kNow + 200);
  REQUIRE_FALSE(v3.ok());
  CHECK(has_entry(entries_of(v3.transcript), "trust-root", false));
  CHECK(ui3.pin_requests.empty());
}

TEST_CASE("a regenerated release key replaces the old one and the manufacturing CA is kept") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2, 0,
                              "release_key { label: \"release-2\" }\n"
                              "regenerate_keys: \"release-2\"\n");
  RecordingUi ui;
  auto v2 = rotate(ui, {v1}, plan, nullptr, {"bob", "carol"}, kNow + 100);
  REQUIRE_MESSAGE(v2.ok(), (v2.error ? v2.error->message : ""));
  const auto old_root = payload_of<v1::TrustRoot>(v1);
  const auto new_root = payload_of<v1::TrustRoot>(*v2.document);
  CHECK(ceremony::role_key(new_root, v1::RELEASE)->key_id() !=
        ceremony::role_key(old_root, v1::RELEASE)->key_id());
  CHECK(ceremony::role_key(new_root, v1::MANUFACTURING_CA)->key_id() ==
        ceremony::role_key(old_root, v1::MANUFACTURING_CA)->key_id());
  CHECK(new_root.manufacturing_ca_certificate_der() == old_root.manufacturing_ca_certificate_der());
}

}  // TEST_SUITE
