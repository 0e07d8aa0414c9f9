// Ceremony transcripts: written by the ceremony, closed by the custodians' signatures, and
// any edit, removal or reordering caught by the verifier — even when re-signed.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include <algorithm>

#include "ceremony/src/init_ceremony.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/trust/transcript.h"
#include "verifier/trust/trusted_root.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

struct Ceremony {
  v1::Envelope root;
  v1::Envelope transcript;
};

Ceremony run_init(CeremonyTokens&) {
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::CeremonyContext context{ui, fixed_clock(), {"alice", "bob"}};
  auto outcome = ceremony::run_init(plan, context);
  REQUIRE(outcome.ok());
  return {*outcome.document, outcome.transcript};
}

// The transcript with its entries changed by `edit`, signed again by alice and bob: the
// signatures are fine, so only the hash chain can catch it.
v1::Envelope resigned(CeremonyTokens& tokens, const v1::Envelope& original,
                      const std::function<void(v1::CeremonyTranscript&)>& edit) {
  auto transcript = payload_of<v1::CeremonyTranscript>(original);
  edit(transcript);
  auto alice = fixture_signer(tokens, "custodian-alice");
  auto bob = fixture_signer(tokens, "custodian-bob");
  return sign_envelope(transcript, verifier::kTranscriptType, {alice.get(), bob.get()});
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("the init transcript verifies under the trust root and records each step") {
  CeremonyTokens tokens;
  const auto c = run_init(tokens);
  auto root = verifier::TrustedRootTestAccess::from_anchor(c.root);
  REQUIRE(root);
  auto verified = verifier::verify_transcript(c.transcript, *root);
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  CHECK(verified->transcript.ceremony() == "init");
  std::vector<std::string> steps;
  for (const auto& e : verified->entries) steps.push_back(e.step());
  for (const char* step : {"plan", "present", "quorum", "login", "generate-key", "provenance",
                           "certificate", "build", "sign", "verify", "result"}) {
    CHECK_MESSAGE(std::find(steps.begin(), steps.end(), step) != steps.end(), step);
  }
  // Keys are recorded with their public keys and provenance, entries with the clock's time.
  bool key_recorded = false;
  for (const auto& e : verified->entries) {
    CHECK(e.time_unix() == kNow);
    for (const auto& k : e.keys()) {
      key_recorded = key_recorded || (k.provenance().never_extractable() &&
                                      !k.public_key().spki_der().empty());
    }
  }
  CHECK(key_recorded);
  CHECK(verifier::render_transcript(*verified).find("generate-key") != std::string::npos);
}

TEST_CASE("a transcript edited without re-signing fails its signatures") {
  CeremonyTokens tokens;
  const auto c = run_init(tokens);
  auto root = verifier::TrustedRootTestAccess::from_anchor(c.root);
  REQUIRE(root);
  v1::Envelope tampered = c.transcript;
  std::string payload = tampered.payload();
  payload[payload.size() / 2] = static_cast<char>(payload[payload.size() / 2] ^ 0x20);
  tampered.set_payload(payload);
  CHECK_FALSE(verifier::verify_transcript(tampered, *root));
}

TEST_CASE("an edited, removed or reordered entry breaks the chain even when re-signed") {
  CeremonyTokens tokens;
  const auto c = run_init(tokens);
  auto root = verifier::TrustedRootTestAccess::from_anchor(c.root);
  REQUIRE(root);
  // Control: re-signing the untouched transcript verifies.
  CHECK(verifier::verify_transcript(resigned(tokens, c.transcript, [](auto&) {}), *root));

  auto edited = resigned(tokens, c.transcript, [](v1::CeremonyTranscript& t) {
    v1::TranscriptEntry entry;
    REQUIRE(entry.ParseFromString(t.entries(2)));
    entry.set_detail("nothing to see here");
    t.set_entries(2, entry.SerializeAsString());
  });
  CHECK_FALSE(verifier::verify_transcript(edited, *root));

  auto removed = resigned(tokens, c.transcript, [](v1::CeremonyTranscript& t) {
    t.mutable_entries()->erase(t.mutable_entries()->begin() + 3);
  });
  CHECK_FALSE(verifier::verify_transcript(removed, *root));

  auto reordered = resigned(tokens, c.transcript, [](v1::CeremonyTranscript& t) {
    t.mutable_entries()->SwapElements(4, 5);
  });
  CHECK_FALSE(verifier::verify_transcript(reordered, *root));
}

}  // TEST_SUITE
