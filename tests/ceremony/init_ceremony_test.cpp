// The init ceremony through the library, on SoftHSM tokens, with a recording UI.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include <algorithm>

#include "ceremony/src/init_ceremony.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "tests/support/imported_key.h"
#include "verifier/trust/transcript.h"
#include "verifier/trust/trusted_root.h"

using namespace hallmark;
using namespace hallmark::testing;
using Kind = UiEvent::Kind;

namespace {

std::size_t private_keys_on(const CeremonyTokens& tokens, const std::string& token) {
  auto session = tokens.hsm.open(token);
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto found = hsm::find_objects(session, match);
  REQUIRE(found);
  return found->size();
}

ceremony::CeremonyOutcome init(RecordingUi& ui, const ceremony::LoadedPlan& plan,
                               std::vector<std::string> present = {}) {
  ceremony::CeremonyContext context{ui, fixed_clock(), std::move(present)};
  return ceremony::run_init(plan, context);
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("init with 2 of 3 custodians present yields trust root v1 that verifies as an anchor") {
  CeremonyTokens tokens;
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan, {"alice", "bob"});
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));

  auto root = verifier::TrustedRootTestAccess::from_anchor(*outcome.document);
  REQUIRE_MESSAGE(root, (root ? "" : root.error().message));
  const v1::TrustRoot& v1 = root->current();
  CHECK(v1.version() == 1);
  CHECK(v1.issued_unix() == kNow);
  CHECK(v1.expires_unix() == kNow + 365 * 86400);
  CHECK(v1.custodians_size() == 3);  // carol's card was checked and her key listed
  CHECK(outcome.document->signatures_size() == 2);
  CHECK_FALSE(v1.manufacturing_ca_certificate_der().empty());
  auto [verified, quorum] = *root->verify(*outcome.document, v1::ROOT, verifier::kTrustRootType);
  CHECK(quorum.identities == std::vector<std::string>{"alice", "bob"});

  // The transcript is signed by the two signers and names the result.
  std::vector<verifier::PublicKey> signers;
  for (const auto& c : v1.custodians()) {
    if (c.name() == "carol") continue;
    signers.push_back(*root->key(c.key_ids(0)));
  }
  auto transcript = verifier::verify_transcript(outcome.transcript, *root);
  REQUIRE_MESSAGE(transcript, (transcript ? "" : transcript.error().message));
  CHECK(transcript->transcript.result_digest() == std::string(as_chars(root->current_digest().bytes())));
  CHECK(has_entry(transcript->entries, "verify", true));
  // The signer keys were generated inside the HSM and are now there, checked.
  CHECK(private_keys_on(tokens, "signer-hsm") == 3);
}

TEST_CASE("init with 1 of 3 custodians present is refused before any card is touched") {
  CeremonyTokens tokens;
  verifier::PublicKey alice_key = [&] {
    auto session = tokens.hsm.open("custodian-alice");
    auto key = hsm::generate_key(session, hsm::KeySpec{v1::ECDSA_P256_SHA256, "custodian", {}, false});
    REQUIRE(key);
    return key->public_key();
  }();
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan, {"alice"});
  REQUIRE_FALSE(outcome.ok());
  CHECK_FALSE(outcome.document);
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("only 1 custodian(s) present") != std::string::npos);
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "refused", false, "needs the signatures of 2"));
  CHECK_FALSE(has_entry(entries, "login", true));
  // Nobody's key was generated, nothing in the HSM.
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);
  // alice, at the table, signed the transcript of the refusal, after seeing it.
  REQUIRE(ui.count(Kind::kShowSigning) == 1);
  REQUIRE(ui.count(Kind::kAskPin) == 1);
  const auto show = std::find_if(ui.events.begin(), ui.events.end(),
                                 [](const UiEvent& e) { return e.kind == Kind::kShowSigning; });
  const auto ask = std::find_if(ui.events.begin(), ui.events.end(),
                                [](const UiEvent& e) { return e.kind == Kind::kAskPin; });
  CHECK(show < ask);
  CHECK(show->text.find("REFUSED") != std::string::npos);
  auto verified = verifier::verify_transcript(outcome.transcript, std::span(&alice_key, 1), 1);
  CHECK_MESSAGE(verified, (verified ? "" : verified.error().message));
}

}  // TEST_SUITE

TEST_SUITE("softhsm") {

TEST_CASE("one card presented for two custodians is refused before anything is signed") {
  CeremonyTokens tokens;
  RecordingUi ui;
  // bob's entry names alice's card by serial: a different URI, the same card.
  const auto plan = make_plan({{"alice", ""},
                               {"bob", "pkcs11:serial=" + tokens.serial("custodian-alice")},
                               {"carol", ""}},
                              2);
  auto outcome = init(ui, plan);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("already presented by custodian alice") != std::string::npos);
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "card-twice", false, "one card counts once"));
  CHECK_FALSE(has_entry(entries, "sign", true));
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);
}

TEST_CASE("a custodian card that is really the signer HSM is refused before any PIN or key") {
  CeremonyTokens tokens;
  RecordingUi ui;
  const auto plan = make_plan(
      {{"alice", ""}, {"bob", ""}, {"carol", "pkcs11:serial=" + tokens.serial("signer-hsm")}}, 2);
  auto outcome = init(ui, plan);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("already presented by the signer HSM") != std::string::npos);
  for (const auto& request : ui.pin_requests) CHECK(request.name != "carol");
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);  // no custodian key made in the HSM
}

TEST_CASE("a custodian named twice as present counts once and cannot make a quorum alone") {
  CeremonyTokens tokens;
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan, {"alice", "alice"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("only 1 custodian(s) present") != std::string::npos);
  CHECK(has_entry(entries_of(outcome.transcript), "present", false, "counts once"));
}

TEST_CASE("a wrong PIN is reported with the PIN state and asked again, and the transcript keeps it") {
  CeremonyTokens tokens;
  RecordingUi ui;
  ui.script("alice", {"not-the-pin"});
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan, {"alice", "bob"});
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  std::vector<ceremony::PinRequest> alice;
  for (const auto& r : ui.pin_requests) {
    if (r.name == "alice") alice.push_back(r);
  }
  REQUIRE(alice.size() >= 2);
  CHECK(alice[0].attempt == 1);
  CHECK_FALSE(alice[0].state.count_low);
  CHECK(alice[1].attempt == 2);       // asked again,
  CHECK(alice[1].state.count_low);    // showing what the token now says about failures
  CHECK(alice[1].purpose == alice[0].purpose);
  CHECK(ui.any_warning_contains("Wrong PIN for alice"));
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "login", false, "wrong PIN (attempt 1 of 3"));
  CHECK(has_entry(entries, "login", true, "attempt 2 of 3"));
}

TEST_CASE("three wrong PINs stop the ceremony before the card locks, and no key survives") {
  CeremonyTokens tokens;
  RecordingUi ui;
  // bob's card check passes; his PIN to sign is wrong three times.
  ui.script("bob", {SoftHsmFixture::kUserPin, "wrong-1", "wrong-2", "wrong-3"});
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan, {"alice", "bob"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kToken);
  CHECK(outcome.error->message.find("3 wrong PINs for bob") != std::string::npos);
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "discard-key", true, "destroyed"));
  // The keys generated in the HSM for this refused trust root are gone again.
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);
  // alice had opened her card to sign; she closes the transcript.
  CHECK(outcome.transcript.signatures_size() == 1);
}

TEST_CASE("the summary and digest are shown before every PIN that authorises a signature") {
  CeremonyTokens tokens;
  RecordingUi ui;
  // carol's key asks for her PIN on every signature (like a PIV signature key).
  const auto plan = make_plan({{"alice", ""}, {"bob", ""}, {"carol", "", true}}, 2);
  auto outcome = init(ui, plan, {"alice", "carol"});
  REQUIRE(outcome.ok());
  auto digest = verifier::sha256(as_bytes(outcome.document->payload()));
  REQUIRE(digest);
  int signing_pins = 0;
  for (std::size_t i = 0; i < ui.events.size(); ++i) {
    const UiEvent& e = ui.events[i];
    if (e.kind != Kind::kAskPin || e.text.find("sign trust root") == std::string::npos) continue;
    ++signing_pins;
    bool shown = false;
    for (std::size_t j = 0; j < i; ++j) {
      const UiEvent& before = ui.events[j];
      shown = shown || (before.kind == Kind::kShowSigning && before.who == e.who &&
                        before.digest == digest->hex() &&
                        before.text.find("TRUST ROOT version 1") != std::string::npos);
    }
    CHECK_MESSAGE(shown, "PIN asked of " << e.who << " before the summary was shown");
  }
  CHECK(signing_pins == 2);
  // Every per-signature PIN (trust root, then transcript) follows what it authorises.
  int per_signature = 0;
  for (std::size_t i = 0; i < ui.events.size(); ++i) {
    const UiEvent& e = ui.events[i];
    if (e.kind != Kind::kAskPin || e.text.find("authorise this signature") == std::string::npos) {
      continue;
    }
    ++per_signature;
    CHECK(e.who == "carol");
    std::size_t shows = 0;
    for (std::size_t j = 0; j < i; ++j) {
      shows += ui.events[j].kind == Kind::kShowSigning && ui.events[j].who == "carol" ? 1u : 0u;
    }
    CHECK(shows == static_cast<std::size_t>(per_signature));
  }
  CHECK(per_signature == 2);
  // bob, not at the table, is never asked to sign.
  for (const auto& e : ui.events) {
    if (e.kind == Kind::kShowSigning && e.text.find("TRUST ROOT") != std::string::npos) {
      CHECK(e.who != "bob");
    }
  }
}

TEST_CASE("an extractable custodian key is refused and no signer key is generated") {
  CeremonyTokens tokens;
  {
    auto session = tokens.hsm.open("custodian-bob");
    import_p256(session, "custodian", true);
  }
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("custodian bob") != std::string::npos);
  CHECK(has_entry(entries_of(outcome.transcript), "provenance", false, "refused"));
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);
}

TEST_CASE("init refuses a signer HSM that already holds a key with a planned label") {
  CeremonyTokens tokens;
  {
    auto session = tokens.hsm.open("signer-hsm");
    REQUIRE(hsm::generate_key(session, hsm::KeySpec{v1::ECDSA_P256_SHA256, "evidence", {}, false}));
  }
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto outcome = init(ui, plan);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("already holds an object labelled 'evidence'") !=
        std::string::npos);
  // Found before any custodian card was checked or any key generated.
  CHECK_FALSE(has_entry(entries_of(outcome.transcript), "provenance", true));
  CHECK(private_keys_on(tokens, "signer-hsm") == 1);
}

}  // TEST_SUITE

// Transcripts embedded the build machine's paths (/home/…/demo-out/ceremony/plan.textproto):
// the plan's digest identifies it; where it lay on a laptop is nobody's business.
TEST_CASE("the transcript names the plan file, never the directories it was read from") {
  CeremonyTokens tokens;
  RecordingUi ui;
  auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  plan.origin = "/home/release-manager/secret-project/ceremony/plan.textproto";
  auto outcome = init(ui, plan, {"alice", "bob"});
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "plan", true, "plan plan.textproto (SHA-256 " + plan.digest.hex()));
  for (const auto& e : entries) {
    INFO(e.step() << ": " << e.detail());
    CHECK(e.detail().find("/home/release-manager") == std::string::npos);
  }
}
