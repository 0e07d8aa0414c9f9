#include <string>

#include <doctest/doctest.h>

#include "hsm-profiles/src/token_key.h"

using namespace hallmark;

namespace {

v1::KeyProvenance generated_on_token() {
  v1::KeyProvenance p;
  p.set_local(true);
  p.set_never_extractable(true);
  p.set_always_sensitive(true);
  p.set_extractable(false);
  p.set_sensitive(true);
  return p;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("a key generated inside the token may hold a production role") {
    CHECK(hsm::check_production_use(generated_on_token(), false, "key 'release'"));
  }

  TEST_CASE("an extractable key is refused even where imported keys are allowed") {
    auto p = generated_on_token();
    p.set_extractable(true);
    p.set_never_extractable(false);
    for (bool allow_imported : {false, true}) {
      auto result = hsm::check_production_use(p, allow_imported, "key 'release' on token 'hsm'");
      REQUIRE_FALSE(result);
      CHECK(result.error().code == ErrorCode::kPolicyRefused);
      CHECK(result.error().message.find("key 'release' on token 'hsm'") != std::string::npos);
      CHECK(result.error().message.find("generate a new key inside the token") !=
            std::string::npos);
    }
  }

  TEST_CASE("a key that was once extractable is refused after being locked down") {
    auto p = generated_on_token();
    p.set_never_extractable(false);  // CKA_EXTRACTABLE now false, but it was true once
    CHECK_FALSE(hsm::check_production_use(p, true, "key 'release'"));
    auto q = generated_on_token();
    q.set_always_sensitive(false);  // its value was readable once
    CHECK_FALSE(hsm::check_production_use(q, true, "key 'release'"));
    auto r = generated_on_token();
    r.set_sensitive(false);
    CHECK_FALSE(hsm::check_production_use(r, true, "key 'release'"));
  }

  TEST_CASE("a never-extractable key not generated on the token needs a profile allowing it") {
    auto p = generated_on_token();
    p.set_local(false);
    auto refused = hsm::check_production_use(p, false, "key 'release'");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("CKA_LOCAL") != std::string::npos);
    CHECK(hsm::check_production_use(p, true, "key 'release'"));
  }
}
