#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "hsm-profiles/src/token_admin.h"
#include "testkit/softhsm_fixture.h"

using namespace hallmark;
using testing::SoftHsmFixture;

TEST_SUITE("softhsm") {
  TEST_CASE("a token label that already exists is not initialised twice") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto again = hsm::init_token(*hsm.module(), "signer-hsm", SoftHsmFixture::so_pin(),
                                 SoftHsmFixture::user_pin());
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::kUsage);
    CHECK(again.error().message.find("already exists") != std::string::npos);
  }

  TEST_CASE("an initialised token takes the user PIN and rejects the SO PIN as user PIN") {
    SoftHsmFixture hsm(std::vector<std::string>{});
    REQUIRE(hsm::init_token(*hsm.module(), "fresh", hsm::Pin("so-secret-1"),
                            hsm::Pin("user-secret-1")));
    auto session = hsm.open("fresh", false);
    auto wrong = session.login(hsm::Pin("so-secret-1"));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().ck_rv == CKR_PIN_INCORRECT);
    CHECK(session.login(hsm::Pin("user-secret-1")));
  }

  TEST_CASE("a token label longer than 32 bytes is refused before touching a slot") {
    SoftHsmFixture hsm(std::vector<std::string>{});
    auto result = hsm::init_token(*hsm.module(), std::string(33, 'x'), SoftHsmFixture::so_pin(),
                                  SoftHsmFixture::user_pin());
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kUsage);
  }
}
