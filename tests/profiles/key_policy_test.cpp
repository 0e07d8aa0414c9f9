// The production-role rule per token family (hsm-profiles/profile/key_policy.h): what a
// module reports is believed only as far as its profile says, and an imported key needs
// the profile's and the plan's consent.
#include <doctest/doctest.h>

#include <string>

#include "hsm-profiles/profile/key_policy.h"
#include "hsm-profiles/profile/profile.h"

using hallmark::ErrorCode;
using hallmark::hsm::check_key_for_production;
using hallmark::hsm::load_profile;

namespace {

// What a card module reports for a key it says it generated and never let out.
hallmark::v1::KeyProvenance reported_local() {
  hallmark::v1::KeyProvenance p;
  p.set_local(true);
  p.set_never_extractable(true);
  p.set_always_sensitive(true);
  p.set_sensitive(true);
  return p;
}

bool mentions(const hallmark::Error& e, const std::string& text) {
  return e.message.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("a CAC card's claim of on-card generation is not believed: without the plan's consent "
          "its key is refused, naming the key and the profile") {
  auto cac = load_profile("opensc-cac");
  REQUIRE_MESSAGE(cac.has_value(), cac.error().message);
  auto verdict = check_key_for_production(reported_local(), *cac, false, "key 'CAC ID Certificate'");
  REQUIRE_FALSE(verdict.has_value());
  CHECK(verdict.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(verdict.error(), "key 'CAC ID Certificate'"));
  CHECK(mentions(verdict.error(), "profile 'opensc-cac' cannot show where a key was made"));
  CHECK(mentions(verdict.error(), "allow_imported_key: true"));
}

TEST_CASE("a CAC card key with the plan's consent is accepted as imported, with a note for the "
          "transcript") {
  auto cac = load_profile("opensc-cac");
  REQUIRE(cac.has_value());
  auto verdict = check_key_for_production(reported_local(), *cac, true, "key 'k'");
  REQUIRE_MESSAGE(verdict.has_value(), verdict.error().message);
  CHECK(verdict->imported);
  CHECK_FALSE(verdict->believed.local());
  CHECK(verdict->note.find("imported key accepted: profile 'opensc-cac'") != std::string::npos);
}

TEST_CASE("the plan's consent alone does not admit an imported key on a profile that forbids "
          "imported keys") {
  auto softhsm = load_profile("softhsm2");
  REQUIRE(softhsm.has_value());
  auto imported = reported_local();
  imported.set_local(false);
  auto verdict = check_key_for_production(imported, *softhsm, true, "key 'k'");
  REQUIRE_FALSE(verdict.has_value());
  CHECK(mentions(verdict.error(), "profile 'softhsm2' does not allow imported keys"));
}

TEST_CASE("a key that was ever extractable is refused even when profile and plan allow imports") {
  auto cac = load_profile("opensc-cac");
  REQUIRE(cac.has_value());
  auto exposed = reported_local();
  exposed.set_never_extractable(false);
  auto verdict = check_key_for_production(exposed, *cac, true, "key 'k'");
  REQUIRE_FALSE(verdict.has_value());
  CHECK(mentions(verdict.error(), "CKA_NEVER_EXTRACTABLE is false"));
}

TEST_CASE("a key generated on a token whose provenance is believed is accepted, not as imported") {
  auto softhsm = load_profile("softhsm2");
  REQUIRE(softhsm.has_value());
  auto verdict = check_key_for_production(reported_local(), *softhsm, false, "key 'k'");
  REQUIRE_MESSAGE(verdict.has_value(), verdict.error().message);
  CHECK_FALSE(verdict->imported);
  CHECK(verdict->note.empty());
}
