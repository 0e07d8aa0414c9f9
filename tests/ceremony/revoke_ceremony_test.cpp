// Revocation through the library: signed by a root quorum, honoured by later checks.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "ceremony/src/revoke_ceremony.h"
#include "ceremony/src/trust_root_builder.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/trust/trusted_root.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

ceremony::CeremonyOutcome revoke(RecordingUi& ui, const v1::Envelope& v1,
                                 ceremony::RevokeRequest request,
                                 std::vector<std::string> present = {}) {
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 50), std::move(present)};
  const std::vector<v1::Envelope> chain{v1};
  ceremony::RevokeInput input{chain, {}, &plan, std::move(request)};
  return ceremony::run_revoke(input, context);
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("a revoked custodian key no longer counts toward the root quorum") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  auto root = verifier::TrustedRootTestAccess::from_anchor(v1);
  REQUIRE(root);
  const auto alice_keys = ceremony::custodian_key_ids(root->current(), "alice");
  REQUIRE(alice_keys.size() == 1);

  RecordingUi ui;
  auto outcome = revoke(ui, v1, {{alice_keys[0]}, {}, {}, {}, "card lost on the train", std::nullopt},
                        {"bob", "carol"});
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  const auto revocation = payload_of<v1::Revocation>(*outcome.document);
  CHECK(revocation.trust_root_version() == 1);
  CHECK(revocation.reason() == "card lost on the train");
  CHECK(revocation.effective_unix() == kNow + 50);  // default: now

  // Before the revocation alice and bob make a quorum; after it they do not.
  auto alice = fixture_signer(tokens, "custodian-alice");
  auto bob = fixture_signer(tokens, "custodian-bob");
  auto carol = fixture_signer(tokens, "custodian-carol");
  const auto statement = payload_of<v1::TrustRoot>(v1);
  const auto by_alice_bob =
      sign_envelope(statement, verifier::kTrustRootType, {alice.get(), bob.get()});
  CHECK(root->verify(by_alice_bob, v1::ROOT, verifier::kTrustRootType));
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(*root, *outcome.document));
  CHECK(root->key_revoked(alice_keys[0]));
  auto refused = root->verify(by_alice_bob, v1::ROOT, verifier::kTrustRootType);
  CHECK_FALSE(refused);
  const auto by_bob_carol =
      sign_envelope(statement, verifier::kTrustRootType, {bob.get(), carol.get()});
  CHECK(root->verify(by_bob_carol, v1::ROOT, verifier::kTrustRootType));
}

TEST_CASE("a revocation with one custodian present is refused before any card is touched") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  RecordingUi ui;
  auto outcome = revoke(ui, v1, {{}, {}, {"line-9"}, {}, "stolen", std::nullopt}, {"carol"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(has_entry(entries_of(outcome.transcript), "refused", false, "needs 2 root custodians"));
  CHECK_FALSE(has_entry(entries_of(outcome.transcript), "sign", true));
}

TEST_CASE("revoking a key the trust root does not list, or without a reason, is refused") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  RecordingUi ui;
  auto unknown = revoke(ui, v1, {{std::string(64, 'a')}, {}, {}, {}, "typo?", std::nullopt});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error->code == ErrorCode::kUsage);
  CHECK(unknown.error->message.find("is not in trust root v1") != std::string::npos);
  RecordingUi ui2;
  auto no_reason = revoke(ui2, v1, {{}, {"alice"}, {}, {}, "", std::nullopt});
  REQUIRE_FALSE(no_reason.ok());
  CHECK(no_reason.error->message.find("needs a reason") != std::string::npos);
  CHECK(ui.pin_requests.empty());
}


TEST_CASE("a revocation is backdated with --effective, and a postdated one is refused before any card is touched") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  RecordingUi ui;
  auto backdated = revoke(ui, v1, {{}, {}, {"line-9"}, {}, "stolen", kNow - 3600}, {"bob", "carol"});
  REQUIRE_MESSAGE(backdated.ok(), (backdated.error ? backdated.error->message : ""));
  CHECK(payload_of<v1::Revocation>(*backdated.document).effective_unix() == kNow - 3600);

  RecordingUi ui2;
  auto postdated = revoke(ui2, v1, {{}, {}, {"line-9"}, {}, "stolen", kNow + 51}, {"bob", "carol"});
  REQUIRE_FALSE(postdated.ok());
  CHECK(postdated.error->code == ErrorCode::kUsage);
  CHECK(postdated.error->message.find("in the future") != std::string::npos);
  CHECK(ui2.count(UiEvent::Kind::kAskPin) == 0);
}

}  // TEST_SUITE
