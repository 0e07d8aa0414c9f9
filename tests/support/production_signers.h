// Test-only ways to a hsm::ProductionSigner (hsm-profiles/profile/production_signer.h).
//
// production_signer() goes the real way: ProductionSigner::create() under the softhsm2
// profile, so the fixture's keys (generated on the token, never extractable) pass the
// provenance check exactly as in production. The test-only path is in
// production_signer_access.h. Uses doctest REQUIRE.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "hsm-profiles/profile/production_signer.h"
#include "tests/support/production_signer_access.h"
#include "hsm-profiles/profile/profile.h"
#include "testkit/softhsm_fixture.h"

namespace hallmark::testing {

inline const v1::HsmProfile& softhsm_profile() {
  static const v1::HsmProfile profile = [] {
    auto loaded = hsm::load_profile("softhsm2");
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    return *loaded;
  }();
  return profile;
}

// `key` on a SoftHSM token opened for `role` through the real check; REQUIREs it passes.
inline hsm::ProductionSigner production_signer(
    hsm::Session& session, hsm::TokenKey key, hsm::ProductionRole role,
    hsm::SignatureCheck check = hsm::SignatureCheck::kEverySignature) {
  auto signer = hsm::ProductionSigner::create(
      session, std::move(key), softhsm_profile(), role,
      [] { return Result<hsm::Pin>(SoftHsmFixture::user_pin()); }, hsm::ImportedKey::kByProfile,
      check);
  REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().message));
  return std::move(*signer);
}

}  // namespace hallmark::testing
