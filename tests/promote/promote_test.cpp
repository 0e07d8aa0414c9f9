// Promotion through the library on SoftHSM tokens: the happy path, and each attack or
// fault the approval quorum, anti-rollback and the atomic write must stop.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include <filesystem>

#include "ceremony/src/revoke_ceremony.h"
#include "ceremony/src/trust_root_builder.h"
#include "tests/promote/promote_test_support.h"
#include "tests/support/production_signers.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/key_mapping.h"

using namespace hallmark;
using namespace hallmark::promote::testing;
using hallmark::testing::UiEvent;
namespace fs = std::filesystem;

namespace {

bool mentions(const Error& e, const std::string& part) {
  return e.message.find(part) != std::string::npos;
}

// The directory holds nothing but what the test made: no output, no temporary file.
void check_nothing_written(const World& w, const std::string& history_before) {
  CHECK_FALSE(fs::exists(w.path("promoted.bundle")));
  for (const auto& name : w.files()) CHECK_MESSAGE(name.find("promote-tmp") == std::string::npos, name);
  for (const auto& name : w.files()) CHECK_MESSAGE(name.find(".tmp") == std::string::npos, name);
  CHECK(w.history_text() == history_before);
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("happy path: two approvals, promote, and the promoted bundle verifies") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  RecordingUi ui;
  auto alice = w.approve(bundle, "alice", ui);
  REQUIRE_MESSAGE(alice, (alice ? "" : alice.error().message));
  // The custodian saw what they signed before their PIN was asked for.
  std::size_t shown = ui.events.size(), asked = ui.events.size();
  for (std::size_t i = 0; i < ui.events.size(); ++i) {
    if (ui.events[i].kind == UiEvent::Kind::kShowSigning && shown == ui.events.size()) shown = i;
    if (ui.events[i].kind == UiEvent::Kind::kAskPin && asked == ui.events.size()) asked = i;
  }
  REQUIRE(shown < asked);
  CHECK(ui.events[shown].text.find("combo-1") != std::string::npos);

  auto promoted = w.promote(bundle, {{"a.json", *alice}, w.approval(bundle, "bob")});
  REQUIRE_MESSAGE(promoted, (promoted ? "" : promoted.error().message));
  CHECK(fs::exists(w.path("promoted.bundle")));
  CHECK(promoted->verified.approvals.approvers == std::vector<std::string>{"alice", "bob"});
  CHECK(promoted->verified.native_images.size() == 2);
  CHECK(w.history_text().find("\tcombo-1\t1.2.0\t3\t") != std::string::npos);

  auto again = bundle::verify_promoted_bundle(w.path("promoted.bundle"), w.trust(w.now + 5), {});
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(again->release.release_key_id() == w.release().key.signer.key_id());
  CHECK(again->release_key.esp32_efuse_digest.has_value());
  CHECK(again->release_key.mcuboot_key_hash.has_value());
  CHECK_FALSE(again->release_key.ckaid_hex.empty());
}

// `bundle show` said "not an MCUboot key" for a bundle with no MCUboot image while `verify`
// named the release key's MCUboot key hash: both now compute it from the release key.
TEST_CASE("bundle show's key mapping names every native identifier of the release key, as verify does") {
  World w;
  const auto bundle = w.make_bundle("esp-only.bundle", "1.2.0", 3, "rm-erin", 1,
                                    [](v1::BundleSpec& spec) {
                                      for (auto& image : *spec.mutable_images()) {
                                        if (image.format() == v1::MCUBOOT) {
                                          image.set_format(v1::IMAGE_FORMAT_RAW);
                                        }
                                      }
                                    });
  auto promoted = w.promote(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")});
  REQUIRE_MESSAGE(promoted, (promoted ? "" : promoted.error().message));
  auto verified = bundle::verify_promoted_bundle(w.path("promoted.bundle"), w.trust(w.now + 5), {});
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  REQUIRE(verified->release_key.mcuboot_key_hash.has_value());

  auto contents = bundle::read_bundle(w.path("promoted.bundle"));
  REQUIRE(contents);
  auto shown = bundle::recorded_key_id_mapping(*contents);
  REQUIRE(shown);
  REQUIRE(shown->has_value());
  CHECK(bundle::render_key_id_mapping(**shown) ==
        bundle::render_key_id_mapping(verified->release_key));
  CHECK((*shown)->mcuboot_key_hash == verified->release_key.mcuboot_key_hash);
}

TEST_CASE("a quorum of one approver is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto r = w.promote(bundle, {w.approval(bundle, "alice")});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "1 of 2 distinct approvers"));
  check_nothing_written(w, "");
}

TEST_CASE("the same custodian approving twice counts once") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto a1 = w.approval(bundle, "alice");
  auto a2 = w.hand_signed(w.statement_for(bundle), "custodian-alice");
  auto r = w.promote(bundle, {a1, a2});
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "1 of 2 distinct approvers"));
}

TEST_CASE("an approval for another bundle digest is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  const auto other = w.make_bundle("other.bundle", "1.2.0", 3, "rm-erin", 7);
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), w.approval(other, "bob")});
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "not this bundle"));
  CHECK(mentions(r.error(), "approval-bob.json"));
  check_nothing_written(w, "");
}

TEST_CASE("an expired approval is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto s = w.statement_for(bundle);
  s.set_not_before_unix(w.now - 10 * 86400);
  s.set_not_after_unix(w.now - 3 * 86400);
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), w.hand_signed(s, "custodian-bob")});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "not at promotion time"));
}

TEST_CASE("an approval signed by a key that is not an approver key is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto by_evidence_key = w.hand_signed(w.statement_for(bundle), "signer-hsm", "evidence");
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), by_evidence_key});
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "not signed by an approver"));
}

TEST_CASE("an approval from a revoked custodian is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now - 20),
                                    {"alice", "carol"}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::RevokeInput rin{chain, {}, &w.plan, {{}, {"bob"}, {}, {}, "card stolen", std::nullopt}};
  auto revoked = ceremony::run_revoke(rin, context);
  REQUIRE_MESSAGE(revoked.ok(), (revoked.error ? revoked.error->message : ""));
  auto bob = w.hand_signed(w.statement_for(bundle), "custodian-bob");
  auto in = w.input(bundle, {w.approval(bundle, "alice"), bob});
  in.revocations = {*revoked.document};
  auto r = promote::prepare_promotion(std::move(in));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "revoked"));
  CHECK(mentions(r.error(), "bob"));
}

TEST_CASE("the requester of a bundle cannot approve it") {
  World w;
  const auto bundle = w.make_bundle("r.bundle", "1.2.0", 3, "bob");
  RecordingUi ui;
  auto refused = w.approve(bundle, "bob", ui);
  REQUIRE_FALSE(refused);
  CHECK(mentions(refused.error(), "requested"));
  // Refused before the card was touched, as the custodian's guide says: no PIN is asked,
  // not even to sign the refusal's transcript after REFUSED was shown.
  CHECK(ui.count(UiEvent::Kind::kAskPin) == 0);
  auto by_hand = w.hand_signed(w.statement_for(bundle), "custodian-bob");
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), by_hand});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "requested this bundle"));
}

TEST_CASE("downgrade: a lower version, a lower counter or the same bundle again is refused") {
  World w;
  const auto first = w.make_bundle("r1.bundle", "1.10.0", 5);
  REQUIRE(w.promote(first, {w.approval(first, "alice"), w.approval(first, "bob")}, "p1.bundle"));
  const std::string history = w.history_text();

  const auto lower_version = w.make_bundle("r2.bundle", "1.9.9", 6, "rm-erin", 2);
  auto r = w.promote(lower_version, {w.approval(lower_version, "alice"),
                                     w.approval(lower_version, "carol")}, "p2.bundle");
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "version 1.9.9 is not above 1.10.0"));

  const auto lower_counter = w.make_bundle("r3.bundle", "1.11.0", 4, "rm-erin", 3);
  r = w.promote(lower_counter, {w.approval(lower_counter, "alice"),
                                w.approval(lower_counter, "carol")}, "p3.bundle");
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "security counter 4 is below 5"));

  r = w.promote(first, {w.approval(first, "alice"), w.approval(first, "carol")}, "p4.bundle");
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "already promoted"));
  CHECK(w.history_text() == history);

  const auto newer = w.make_bundle("r5.bundle", "1.11.0", 5, "rm-erin", 4);
  CHECK(w.promote(newer, {w.approval(newer, "alice"), w.approval(newer, "carol")}, "p5.bundle"));
}

TEST_CASE("a signing failure (wrong PIN, token gone) leaves no output, no temp file, no history") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto prepared = promote::prepare_promotion(
      w.input(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}));
  REQUIRE(prepared);
  auto key = w.release().key;
  key.signer = hsm::ProductionSignerTestAccess::unchecked(
      hsm::ProductionRole::kRelease, key.signer.public_key(),
      [](ByteView) -> Result<Bytes> { return fail(ErrorCode::kToken, "CKR_PIN_INCORRECT"); });
  auto r = promote::finish_promotion(*prepared, key);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kToken);
  check_nothing_written(w, "");
}

TEST_CASE("a promoted archive that fails its own verification is never committed") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  std::string flipped;
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")},
                     "promoted.bundle", [&](const fs::path& temp) {
                       flipped = flip_byte(temp, temp, "promotion/approval-2.json", 30);
                     });
  REQUIRE_FALSE(r);
  CHECK(flipped == "promotion/approval-2.json");
  CHECK(mentions(r.error(), "did not verify"));
  check_nothing_written(w, "");
}

TEST_CASE("a key that is not the trust root's release key cannot promote") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto prepared = promote::prepare_promotion(
      w.input(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}));
  REQUIRE(prepared);
  auto evidence = hallmark::testing::fixture_signer(w.tokens, "signer-hsm", "evidence");
  // Opened as a release key (its provenance passes): the trust root's roles refuse it.
  promote::ReleaseKey key{.signer = hallmark::testing::production_signer(
                              evidence->session, evidence->signer->key(),
                              hsm::ProductionRole::kRelease),
                          .token = {}};
  auto r = promote::finish_promotion(*prepared, key);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is not the RELEASE key"));
  check_nothing_written(w, "");
}

TEST_CASE("a byte flipped in an image, the manifest or a native signature is caught") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  REQUIRE(w.promote(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}));
  const fs::path good = w.path("promoted.bundle");
  struct Case { const char* prefix; std::size_t offset; bool from_end; };
  for (const Case c : {Case{"images/", 1000, false}, Case{"hallmark/bundle.pb", 3, false},
                       Case{"native/", 4096 - 1 - 120, true},
                       Case{"promotion/release.json", 40, false}}) {
    CAPTURE(c.prefix);
    const fs::path bad = w.path("bad.bundle");
    const std::string entry = flip_byte(good, bad, c.prefix, c.offset, c.from_end);
    auto r = bundle::verify_promoted_bundle(bad, w.trust(w.now + 5), {});
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(r.error().code == ErrorCode::kVerificationFailed);
    if (entry != "hallmark/bundle.pb") CHECK(mentions(r.error(), entry));
    fs::remove(bad);
  }
}

TEST_CASE("a revoked bundle digest no longer verifies") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto promoted = w.promote(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")});
  REQUIRE(promoted);
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now), {}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::RevokeInput rin{chain, {}, &w.plan,
                            {{}, {}, {}, {promoted->verified.bundle_digest.hex()}, "bad build", std::nullopt}};
  auto revoked = ceremony::run_revoke(rin, context);
  REQUIRE(revoked.ok());
  auto r = bundle::verify_promoted_bundle(w.path("promoted.bundle"),
                                          w.trust(w.now + 5, {*revoked.document}), {});
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is revoked"));
}

}  // TEST_SUITE
