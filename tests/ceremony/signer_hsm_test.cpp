// The signer HSM as the guard of the keys a ceremony generates: a key generated and not
// committed is destroyed whichever way the ceremony leaves (here: the SignerHsm simply goes
// out of scope, as on an early return that forgot to discard), and a committed key stays.
#include <doctest/doctest.h>

#include "ceremony/src/signer_hsm.h"
#include "hsm-profiles/src/objects.h"
#include "tests/ceremony/ceremony_test_support.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

std::size_t private_keys_on(const CeremonyTokens& tokens, const std::string& token) {
  auto session = tokens.hsm.open(token);
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto found = hsm::find_objects(session, match);
  REQUIRE(found);
  return found->size();
}

// Generates the plan's release key on the fixture's signer HSM; commits it when `commit`.
void generate_release_key(RecordingUi& ui, bool commit) {
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::TranscriptRecorder transcript("test", plan.digest.hex(), fixed_clock());
  auto hsm = ceremony::SignerHsm::open(plan.plan.signer(), ui, transcript);
  REQUIRE_MESSAGE(hsm, (hsm ? "" : hsm.error().message));
  auto key = (*hsm)->generate(plan.plan.release_key(), "release");
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  if (commit) (*hsm)->keep_generated();
}

}  // namespace

TEST_CASE("a ceremony that leaves without committing leaves no generated key in the HSM") {
  CeremonyTokens tokens;
  RecordingUi ui;
  generate_release_key(ui, /*commit=*/false);
  CHECK(private_keys_on(tokens, "signer-hsm") == 0);
}

TEST_CASE("a key the ceremony committed stays in the HSM") {
  CeremonyTokens tokens;
  RecordingUi ui;
  generate_release_key(ui, /*commit=*/true);
  CHECK(private_keys_on(tokens, "signer-hsm") == 1);
}
