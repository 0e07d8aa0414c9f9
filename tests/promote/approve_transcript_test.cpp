// The approve ceremony's transcript: every step recorded, closed with the approving
// custodian's signature, written next to the approval — and alone when the approval is
// refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <vector>

#include "ceremony/src/outputs.h"
#include "tests/promote/promote_test_support.h"
#include "verifier/bundle/promotion_approvals.h"
#include "verifier/trust/transcript.h"

using namespace hallmark;
using namespace hallmark::promote::testing;
namespace fs = std::filesystem;
using hallmark::testing::UiEvent;

namespace {

// The transcript verified with the key that signed it (threshold 1), which must be a key
// of `custodian` in the trust root.
verifier::VerifiedTranscript verified(const World& w, const v1::Envelope& envelope,
                                      const std::string& custodian) {
  REQUIRE(envelope.signatures_size() == 1);
  const verifier::TrustedRoot root = w.anchor();
  auto key = root.key(envelope.signatures(0).keyid());
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  auto transcript = verifier::verify_transcript(envelope, std::span(&*key, 1), 1);
  REQUIRE_MESSAGE(transcript, (transcript ? "" : transcript.error().message));
  CHECK(bundle::identity_of_key(root.current(), key->key_id()) == custodian);
  return *transcript;
}

bool has_step(const verifier::VerifiedTranscript& t, const std::string& step, bool ok,
              const std::string& detail_part = "") {
  for (const auto& e : t.entries) {
    if (e.step() == step && e.ok() == ok &&
        e.detail().find(detail_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("an approval writes its transcript, signed by the approving custodian") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  RecordingUi ui;
  const ceremony::CeremonyOutcome outcome = w.approve_ceremony(bundle, "alice", ui);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  CHECK(outcome.ceremony == "approve");

  const auto t = verified(w, outcome.transcript, "alice");
  CHECK(t.transcript.ceremony() == "approve");
  CHECK(has_step(t, "trust-root", true));
  CHECK(has_step(t, "bundle", true, "image digests checked"));
  CHECK(has_step(t, "custodian", true, "not the requester"));
  CHECK(has_step(t, "review", true, "shown bundle SHA-256"));
  CHECK(has_step(t, "sign", true, "promotion-statement"));
  CHECK(has_step(t, "verify", true));
  CHECK(has_step(t, "result", true, "alice approved combo-1 1.2.0"));

  auto written = ceremony::write_outcome(outcome, w.path("approval-alice.json"));
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  CHECK(written->transcript == w.path("approval-alice.transcript.json"));
  CHECK(fs::exists(w.path("approval-alice.json")));
}

TEST_CASE("a self-approval is refused before the requester's card is touched, leaving an unsigned transcript and no approval") {
  World w;
  const auto bundle = w.make_bundle("r.bundle", "1.2.0", 3, "bob");
  RecordingUi ui;
  const ceremony::CeremonyOutcome outcome = w.approve_ceremony(bundle, "bob", ui);
  REQUIRE_FALSE(outcome.ok());
  REQUIRE(outcome.error);
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  // The guide's promise: refused before the card is touched — no PIN, not even to sign the
  // refusal's transcript.
  CHECK(ui.pin_requests.empty());
  CHECK(outcome.transcript.signatures_size() == 0);

  verifier::VerifiedTranscript t;
  REQUIRE(t.transcript.ParseFromString(outcome.transcript.payload()));
  auto entries = verifier::check_transcript_chain(t.transcript);
  REQUIRE_MESSAGE(entries, (entries ? "" : entries.error().message));
  t.entries = std::move(*entries);
  CHECK(has_step(t, "custodian", false, "requested"));
  CHECK(has_step(t, "refused", false, "requested"));
  CHECK_FALSE(has_step(t, "sign", true, "promotion-statement"));

  auto written = ceremony::write_outcome(outcome, w.path("approval-bob.json"));
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  CHECK_FALSE(written->document);
  CHECK(fs::exists(w.path("approval-bob.transcript.json")));
  CHECK_FALSE(fs::exists(w.path("approval-bob.json")));
}

// What custodians compare aloud must be one value for all of them. Each approval's validity
// starts at its own "now", so two approvals of one request differ in their payloads; the
// approval digest (bundle::approval_digest) is what they read aloud, and it is the same.
TEST_CASE("custodians approving one request an hour apart are shown the same digest to read aloud") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  RecordingUi alice_ui;
  const ceremony::CeremonyOutcome alice = w.approve_ceremony(bundle, "alice", alice_ui);
  REQUIRE_MESSAGE(alice.ok(), (alice.error ? alice.error->message : ""));
  w.now += 3600;
  RecordingUi bob_ui;
  const ceremony::CeremonyOutcome bob = w.approve_ceremony(bundle, "bob", bob_ui);
  REQUIRE_MESSAGE(bob.ok(), (bob.error ? bob.error->message : ""));

  const auto shown = [](const RecordingUi& ui) {
    for (const auto& e : ui.events) {
      if (e.kind == UiEvent::Kind::kShowSigning && e.text.find("Promotion statement") != std::string::npos) {
        return e;
      }
    }
    FAIL("no promotion statement was shown");
    return UiEvent{};
  };
  const UiEvent a = shown(alice_ui);
  const UiEvent b = shown(bob_ui);
  // Their payloads differ (validity windows an hour apart) ...
  CHECK(a.digest != b.digest);
  // ... what they read aloud does not, and it is the approval digest of what they signed.
  REQUIRE(a.read_aloud.size() == 64);
  CHECK(a.read_aloud == b.read_aloud);
  v1::PromotionStatement signed_by_bob;
  REQUIRE(signed_by_bob.ParseFromString(bob.document->payload()));
  CHECK(bundle::approval_digest(signed_by_bob)->hex() == a.read_aloud);
  // The transcript says the same as the screen.
  const auto t = verified(w, bob.transcript, "bob");
  CHECK(has_step(t, "review", true, "approval digest " + a.read_aloud));
}

TEST_CASE("an approval's transcript, signed by that custodian alone, has nothing to read aloud") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  RecordingUi ui;
  const ceremony::CeremonyOutcome outcome = w.approve_ceremony(bundle, "alice", ui);
  REQUIRE(outcome.ok());
  bool transcript_shown = false;
  for (const auto& e : ui.events) {
    if (e.kind == UiEvent::Kind::kShowSigning && e.text.find("Promotion statement") == std::string::npos) {
      transcript_shown = true;
      CHECK(e.read_aloud.empty());  // another custodian's transcript has another digest
    }
  }
  CHECK(transcript_shown);
}

TEST_CASE("the approval digest covers bundle, SKU, version, channel and request, not the window") {
  v1::PromotionStatement s;
  s.set_bundle_digest(std::string(32, '\x01'));
  s.set_sku("combo-1");
  s.set_version("1.2.0");
  s.set_channel("production");
  s.set_request_id("CR-42");
  s.set_not_before_unix(100);
  s.set_not_after_unix(200);
  const std::string base = bundle::approval_digest(s)->hex();
  v1::PromotionStatement later = s;
  later.set_not_before_unix(5000);
  later.set_not_after_unix(9000);
  CHECK(bundle::approval_digest(later)->hex() == base);
  for (auto edit : std::vector<std::function<void(v1::PromotionStatement&)>>{
           [](auto& m) { m.set_bundle_digest(std::string(32, '\x02')); },
           [](auto& m) { m.set_sku("combo-2"); }, [](auto& m) { m.set_version("1.2.1"); },
           [](auto& m) { m.set_channel("beta"); }, [](auto& m) { m.set_request_id("CR-43"); }}) {
    v1::PromotionStatement other = s;
    edit(other);
    CHECK(bundle::approval_digest(other)->hex() != base);
  }
}

}  // TEST_SUITE
