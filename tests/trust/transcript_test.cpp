// Transcripts: any edited, removed, inserted or reordered entry breaks the chain; too few
// custodian signatures break the envelope.
#include "tests/support/trusted_root_access.h"
#include "verifier/trust/transcript.h"

#include <doctest/doctest.h>

#include "testkit/trust_fixture.h"
#include "verifier/core/document.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
using namespace hallmark::trust_testing;
using hallmark::ErrorCode;
namespace v1 = hallmark::v1;

using hallmark::testing::contains;

namespace {

v1::TranscriptEntry entry(const std::string& step, const std::string& actor, bool ok = true) {
  v1::TranscriptEntry e;
  e.set_step(step);
  e.set_actor(actor);
  e.set_time_unix(kNow);
  e.set_ok(ok);
  e.set_detail(step + " by " + actor);
  return e;
}

v1::CeremonyTranscript transcript() {
  hv::TranscriptChain chain;
  auto check_card = entry("check-card", "alice");
  auto* key = check_card.add_keys();
  key->set_uri("pkcs11:token=alice;object=custodian");
  *key->mutable_public_key() = alice().pub.to_proto();
  *key->mutable_provenance() = token_provenance();
  key->mutable_token()->set_label("alice-card");
  chain.append(check_card);
  chain.append(entry("wrong-pin", "bob", false));
  chain.append(entry("check-card", "bob"));
  chain.append(entry("sign-trust-root", "alice, bob"));
  return chain.finish("init", std::string(64, 'a'), hallmark::as_bytes(std::string(32, 'r')));
}

hv::TrustedRoot trusted_root() {
  auto root = hv::TrustedRootTestAccess::from_anchor(sign_root(default_spec(), {&alice(), &bob()}));
  REQUIRE(root.has_value());
  return *root;
}

std::string chain_error(const v1::CeremonyTranscript& t) {
  auto r = hv::check_transcript_chain(t);
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST_CASE("a transcript built by TranscriptChain and signed by a quorum verifies") {
  auto root = trusted_root();
  auto verified =
      hv::verify_transcript(sign("ceremony-transcript", transcript(), {&alice(), &bob()}), root);
  REQUIRE(verified.has_value());
  CHECK(verified->entries.size() == 4);
  CHECK(verified->entries[1].sequence() == 1);
  CHECK(verified->entries[1].step() == "wrong-pin");
  CHECK(verified->signer_identities == std::vector<std::string>{"alice", "bob"});
  CHECK(verified->signer_key_ids.size() == 2);
}

TEST_CASE("the first entry chains to 32 zero bytes and each next one to its predecessor") {
  const auto t = transcript();
  v1::TranscriptEntry first;
  REQUIRE(first.ParseFromString(t.entries(0)));
  CHECK(first.previous_hash() == std::string(32, '\0'));
  v1::TranscriptEntry second;
  REQUIRE(second.ParseFromString(t.entries(1)));
  auto digest = hv::sha256(hallmark::as_bytes(t.entries(0)));
  REQUIRE(digest.has_value());
  CHECK(second.previous_hash() == std::string(hallmark::as_chars(digest->bytes())));
}

TEST_CASE("tampered transcript entry is detected") {
  auto t = transcript();
  v1::TranscriptEntry edited;
  REQUIRE(edited.ParseFromString(t.entries(1)));
  edited.set_ok(true);  // hide the wrong PIN
  t.set_entries(1, std::string(hallmark::as_chars(hv::deterministic_bytes(edited))));
  CHECK(contains(chain_error(t), "entry 1 was edited"));
  // Re-signed by a quorum or not, it is refused.
  auto root = trusted_root();
  CHECK_FALSE(hv::verify_transcript(sign("ceremony-transcript", t, {&alice(), &bob()}), root));
}

TEST_CASE("an edited envelope payload (last entry) is detected by the signatures") {
  auto envelope = sign("ceremony-transcript", transcript(), {&alice(), &bob()});
  auto t = transcript();
  v1::TranscriptEntry last;
  REQUIRE(last.ParseFromString(t.entries(3)));
  last.set_detail("signed by alice alone");
  t.set_entries(3, std::string(hallmark::as_chars(hv::deterministic_bytes(last))));
  CHECK(chain_error(t).empty());  // the chain alone cannot see a changed last entry ...
  envelope.set_payload(std::string(hallmark::as_chars(hv::deterministic_bytes(t))));
  auto refused = hv::verify_transcript(envelope, trusted_root());  // ... the signatures do
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "0 of 2"));
}

TEST_CASE("removed transcript entry is detected") {
  auto t = transcript();
  t.mutable_entries()->DeleteSubrange(1, 1);
  CHECK(contains(chain_error(t), "entry 1 has sequence 2"));
}

TEST_CASE("reordered transcript entries are detected") {
  auto t = transcript();
  t.mutable_entries()->SwapElements(1, 2);
  CHECK(contains(chain_error(t), "entry 1 has sequence 2"));
}

TEST_CASE("inserted transcript entry is detected, even one that chains to its predecessor") {
  auto t = transcript();
  auto forged = entry("check-card", "mallory");
  forged.set_sequence(1);
  auto digest = hv::sha256(hallmark::as_bytes(t.entries(0)));
  REQUIRE(digest.has_value());
  forged.set_previous_hash(std::string(hallmark::as_chars(digest->bytes())));
  t.mutable_entries()->Add(std::string(hallmark::as_chars(hv::deterministic_bytes(forged))));
  // Move the forged entry from the end to position 1.
  for (int i = t.entries_size() - 1; i > 1; --i) t.mutable_entries()->SwapElements(i, i - 1);
  CHECK(contains(chain_error(t), "entry 2 has sequence 1"));
}

TEST_CASE("a first entry that does not chain to zero is refused") {
  hv::TranscriptChain chain;
  chain.append(entry("init", "alice"));
  auto t = chain.finish("init", "", {});
  v1::TranscriptEntry first;
  REQUIRE(first.ParseFromString(t.entries(0)));
  first.set_previous_hash(std::string(32, '\x01'));
  t.set_entries(0, std::string(hallmark::as_chars(hv::deterministic_bytes(first))));
  CHECK(contains(chain_error(t), "32 zero bytes"));
}

TEST_CASE("an entry that is not a TranscriptEntry, and an empty transcript, are refused") {
  auto t = transcript();
  t.set_entries(2, "\xff\xff\xff");
  CHECK(contains(chain_error(t), "not a TranscriptEntry"));
  CHECK(contains(chain_error(v1::CeremonyTranscript{}), "no entries"));
}

TEST_CASE("transcript signed below threshold refused") {
  auto root = trusted_root();
  auto refused = hv::verify_transcript(sign("ceremony-transcript", transcript(), {&alice()}), root);
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "1 of 2"));

  const std::vector<hv::PublicKey> keys{alice().pub, bob().pub, carol().pub};
  auto by_keys =
      hv::verify_transcript(sign("ceremony-transcript", transcript(), {&alice()}), keys, 2);
  CHECK_FALSE(by_keys.has_value());
}

TEST_CASE("transcript verified against plain keys and a threshold") {
  const std::vector<hv::PublicKey> keys{alice().pub, bob().pub, carol().pub};
  auto verified =
      hv::verify_transcript(sign("ceremony-transcript", transcript(), {&bob(), &carol()}), keys, 2);
  REQUIRE(verified.has_value());
  CHECK(verified->signer_identities.size() == 2);
  CHECK(verified->entries.size() == 4);
}

TEST_CASE("a transcript with another payload type is refused") {
  auto refused =
      hv::verify_transcript(sign("trust-root", transcript(), {&alice(), &bob()}), trusted_root());
  REQUIRE_FALSE(refused.has_value());
  CHECK(contains(refused.error().message, "payload type"));
}

TEST_CASE(
    "render_transcript shows each entry, failures, keys and signers — escapes control bytes") {
  auto t = transcript();
  hv::TranscriptChain chain;
  auto evil = entry("note", "mallory");
  evil.set_detail("\x1b[2Jcleared");
  chain.append(evil);
  auto root = trusted_root();
  auto verified = hv::verify_transcript(sign("ceremony-transcript", t, {&alice(), &bob()}), root);
  REQUIRE(verified.has_value());
  const std::string text = hv::render_transcript(*verified);
  CHECK(contains(text, "ceremony: init"));
  CHECK(contains(text, "wrong-pin"));
  CHECK(contains(text, "FAILED"));
  CHECK(contains(text, alice().pub.key_id()));
  CHECK(contains(text, "never-extractable=yes"));
  CHECK(contains(text, "2025-06-15T15:06:40Z"));
  CHECK(contains(text, "signed by: alice, bob"));

  auto evil_verified = hv::verify_transcript(
      sign("ceremony-transcript", chain.finish("note", "", {}), {&alice(), &bob()}), root);
  REQUIRE(evil_verified.has_value());
  const std::string evil_text = hv::render_transcript(*evil_verified);
  CHECK(contains(evil_text, "\\x1b[2Jcleared"));
  CHECK_FALSE(contains(evil_text, "\x1b"));
}

// The init ceremony records the trust root it built as several lines; auditors read a
// literal \x0a between them.
TEST_CASE("render_transcript keeps a detail's line breaks as indented lines, not a literal \\x0a") {
  auto t = transcript();
  hv::TranscriptChain chain;
  auto built = entry("build-trust-root", "ceremony");
  built.set_detail("trust root v1 built:\n  TRUST ROOT version 1\n  custodians:\x1b\n");
  chain.append(built);
  auto root = trusted_root();
  auto verified = hv::verify_transcript(
      sign("ceremony-transcript", chain.finish("init", "", {}), {&alice(), &bob()}), root);
  REQUIRE(verified.has_value());
  const std::string text = hv::render_transcript(*verified);
  CHECK(contains(text, "    detail: trust root v1 built:\n        TRUST ROOT version 1\n"
                       "        custodians:\\x1b\n"));
  CHECK_FALSE(contains(text, "\\x0a"));
}
