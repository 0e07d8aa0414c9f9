// Attacks on "the profile is never silently SoftHSM" (hsm-profiles/profile/profile_choice.h,
// verifier/core/software_token.h): a production role on a software token without the plan
// or flag saying so, a record edited to hide that its token was software, and a profile
// named for a token it does not match. The ceremony cases run on SoftHSM tokens through
// the ceremony library; the record cases build the records with the product's own types.
#include <doctest/doctest.h>

#include <string>

#include "ceremony/src/init_ceremony.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/core/software_token.h"
#include "verifier/trust/transcript.h"

namespace hallmark::attacks {
namespace {

using testing::CeremonyTokens;
using testing::RecordingUi;

// alice, bob and carol; `alice_line` and `signer_line` replace their plan lines.
ceremony::LoadedPlan plan_with(const std::string& alice_line, const std::string& signer_line) {
  const std::string text =
      alice_line + "\n" +
      "custodians { name: \"bob\" card_uri: \"pkcs11:token=custodian-bob\" "
      "generate_if_missing: true allow_software_token: true }\n"
      "custodians { name: \"carol\" card_uri: \"pkcs11:token=custodian-carol\" "
      "generate_if_missing: true allow_software_token: true }\n"
      "root_threshold: 2\n" +
      signer_line + "\norganisation: \"Test Devices\"\n";
  auto plan = ceremony::parse_plan(as_bytes(text), "plan.textproto");
  REQUIRE_MESSAGE(plan.has_value(), plan.error().message);
  return *plan;
}

constexpr const char* kAliceAllowed =
    "custodians { name: \"alice\" card_uri: \"pkcs11:token=custodian-alice\" "
    "generate_if_missing: true allow_software_token: true }";
constexpr const char* kSignerAllowed =
    "signer { uri: \"pkcs11:token=signer-hsm\" allow_software_token: true }";

ceremony::CeremonyOutcome run_init(const ceremony::LoadedPlan& plan) {
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, testing::fixed_clock(), {"alice", "bob", "carol"}};
  return ceremony::run_init(plan, context);
}

v1::TokenInfo softhsm_token(const std::string& label) {
  v1::TokenInfo t;
  t.set_label(label);
  t.set_serial("5c2f0a9b1e");
  t.set_manufacturer("SoftHSM project");
  t.set_model("SoftHSM v2");
  t.set_profile("softhsm2");
  return t;
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("a custodian card on SoftHSM is refused at init unless the plan allows it") {
  CeremonyTokens tokens;
  auto outcome = run_init(plan_with(
      "custodians { name: \"alice\" card_uri: \"pkcs11:token=custodian-alice\" "
      "profile: \"softhsm2\" generate_if_missing: true }",
      kSignerAllowed));
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("custodian-alice") != std::string::npos);
  CHECK(outcome.error->message.find("softhsm2") != std::string::npos);
  CHECK(outcome.error->message.find("--allow-software-token") != std::string::npos);
  CHECK_FALSE(outcome.document.has_value());
}

TEST_CASE("a signer HSM on SoftHSM is refused at init unless the plan allows it") {
  CeremonyTokens tokens;
  auto outcome =
      run_init(plan_with(kAliceAllowed, "signer { uri: \"pkcs11:token=signer-hsm\" "
                                        "profile: \"softhsm2\" }"));
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("signer-hsm") != std::string::npos);
  CHECK(outcome.error->message.find("--allow-software-token") != std::string::npos);
}

TEST_CASE("a plan naming a hardware profile for a SoftHSM card is refused as a mismatch") {
  CeremonyTokens tokens;
  auto outcome = run_init(plan_with(
      "custodians { name: \"alice\" card_uri: \"pkcs11:token=custodian-alice\" "
      "profile: \"yubihsm2\" module: \"" + std::string(testing::SoftHsmFixture::kModulePath) +
          "\" generate_if_missing: true allow_software_token: true }",
      kSignerAllowed));
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->code == ErrorCode::kUsage);
  CHECK(outcome.error->message.find("'yubihsm2'") != std::string::npos);
  CHECK(outcome.error->message.find("softhsm2") != std::string::npos);
  CHECK(outcome.error->message.find("custodian-alice") != std::string::npos);
}

TEST_CASE("allowed: every transcript entry naming a SoftHSM token says software_token") {
  CeremonyTokens tokens;
  auto outcome = run_init(plan_with(kAliceAllowed, kSignerAllowed));
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  const auto entries = testing::entries_of(outcome.transcript);
  int with_token = 0;
  for (const auto& e : entries) {
    if (!e.has_token()) continue;
    ++with_token;
    CHECK_MESSAGE(e.token().software_token(), e.step(), " ", e.token().label());
    CHECK(e.token().profile() == "softhsm2");
  }
  CHECK(with_token >= 4);  // three cards and the signer HSM logged in
  v1::CeremonyTranscript t;
  REQUIRE(t.ParseFromString(outcome.transcript.payload()));
  auto checked = verifier::check_transcript_chain(t);
  REQUIRE_MESSAGE(checked.has_value(), checked.error().message);
  const std::string shown = verifier::render_transcript(
      verifier::VerifiedTranscript{t, *checked, {}, {}});
  CHECK(shown.find("SOFTWARE TOKEN, allowed by --allow-software-token") != std::string::npos);
}

TEST_CASE("a plan that names neither profile nor module for a card is refused before any module loads") {
  CeremonyTokens tokens;
  auto outcome = run_init(plan_with(
      "custodians { name: \"alice\" card_uri: \"pkcs11:token=custodian-alice\" "
      "generate_if_missing: true }",
      kSignerAllowed));
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->code == ErrorCode::kUsage);
  CHECK(outcome.error->message.find("no HSM profile named") != std::string::npos);
  CHECK(outcome.error->message.find("--allow-software-token") != std::string::npos);
}

}  // TEST_SUITE

TEST_CASE("a transcript entry that hides software_token for a SoftHSM token is refused") {
  v1::TranscriptEntry entry;
  entry.set_step("login");
  entry.set_actor("alice");
  entry.set_ok(true);
  *entry.mutable_token() = softhsm_token("custodian-alice");  // software_token left false
  verifier::TranscriptChain chain;
  chain.append(entry);
  auto refused = verifier::check_transcript_chain(chain.finish("init", "", {}));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kVerificationFailed);
  CHECK(refused.error().message.find("custodian-alice") != std::string::npos);
  CHECK(refused.error().message.find("software") != std::string::npos);

  // The same entry with the flag recorded passes.
  entry.mutable_token()->set_software_token(true);
  verifier::TranscriptChain honest;
  honest.append(entry);
  CHECK(verifier::check_transcript_chain(honest.finish("init", "", {})).has_value());
}

TEST_CASE("a key in a transcript entry that hides software_token is refused") {
  v1::TranscriptEntry entry;
  entry.set_step("generate-key");
  auto* key = entry.add_keys();
  *key->mutable_token() = softhsm_token("signer-hsm");
  verifier::TranscriptChain chain;
  chain.append(entry);
  CHECK_FALSE(verifier::check_transcript_chain(chain.finish("init", "", {})).has_value());
}

TEST_CASE("a SoftHSM token renamed in the profile field is still a software token") {
  auto t = softhsm_token("signer-hsm");
  t.set_profile("yubihsm2");  // the profile claim changed, the token still names itself
  CHECK(verifier::is_software_token(t));
  CHECK_FALSE(verifier::check_software_token_claim(t, "release").has_value());
}

TEST_CASE("a record from before the rule (no profile) passes but still shows as software") {
  auto t = softhsm_token("signer-hsm");
  t.clear_profile();
  CHECK(verifier::check_software_token_claim(t, "old transcript").has_value());
  CHECK(verifier::is_software_token(t));
}

}  // namespace hallmark::attacks
