#include <string>

#include <doctest/doctest.h>

#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"
#include "testkit/softhsm_fixture.h"
#include "tests/support/text.h"

using namespace hallmark;
using testing::SoftHsmFixture;

using hallmark::testing::contains;

namespace {

hsm::TokenUri uri(const std::string& text) {
  auto parsed = hsm::TokenUri::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_SUITE("softhsm") {
  TEST_CASE("wrong PIN gives a clear error naming the token and no crash") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm::Session::open(hsm.module(), uri("pkcs11:token=signer-hsm"));
    REQUIRE(session);
    auto login = session->login(hsm::Pin("not-the-pin"));
    REQUIRE_FALSE(login);
    CHECK(login.error().code == ErrorCode::kToken);
    CHECK(login.error().ck_rv == CKR_PIN_INCORRECT);
    CHECK(contains(login.error().message, "token 'signer-hsm'"));
    CHECK(contains(login.error().message, "wrong PIN"));
    CHECK(contains(login.error().message, "count low"));  // the token's own PIN state
    CHECK(contains(login.error().message, "CKR_PIN_INCORRECT"));
    CHECK(contains(login.error().message, "not-the-pin") == false);
    CHECK_FALSE(session->logged_in());

    // The session is still usable: the right PIN works afterwards.
    CHECK(session->login(SoftHsmFixture::user_pin()));
    CHECK(session->logged_in());
  }

  TEST_CASE("a token that is not present is named with what to do") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm::Session::open(hsm.module(), uri("pkcs11:token=custodian-card-1"));
    REQUIRE_FALSE(session);
    CHECK(session.error().code == ErrorCode::kToken);
    CHECK(contains(session.error().message, "no token matching pkcs11:token=custodian-card-1"));
    CHECK(contains(session.error().message, "insert the card"));
  }

  TEST_CASE("two tokens are selected by label and never by slot") {
    SoftHsmFixture hsm({"alpha", "beta"});
    for (const std::string label : {"alpha", "beta"}) {
      CAPTURE(label);
      auto session = hsm::Session::open(hsm.module(), uri("pkcs11:token=" + label));
      REQUIRE(session);
      CHECK(session->token_label() == label);
      auto info = session->token_info();
      REQUIRE(info);
      CHECK(info->label() == label);
      CHECK(info->manufacturer() == "SoftHSM project");
      CHECK_FALSE(info->serial().empty());
    }
  }

  TEST_CASE("a URI matching several tokens asks for the serial") {
    SoftHsmFixture hsm({"alpha", "beta"});
    auto ambiguous = hsm::Session::open(hsm.module(), uri("pkcs11:manufacturer=SoftHSM%20project"));
    REQUIRE_FALSE(ambiguous);
    CHECK(contains(ambiguous.error().message, "2 tokens match"));
    CHECK(contains(ambiguous.error().message, "add serial="));

    auto beta = hsm::Session::open(hsm.module(), uri("pkcs11:token=beta"));
    REQUIRE(beta);
    auto info = beta->token_info();
    REQUIRE(info);
    auto by_serial = hsm::Session::open(
        hsm.module(), uri("pkcs11:manufacturer=SoftHSM%20project;serial=" + info->serial()));
    REQUIRE(by_serial);
    CHECK(by_serial->token_label() == "beta");
  }

  TEST_CASE("login is shared per token: the last session to leave logs out") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto first = hsm.open("signer-hsm", true);
    {
      auto second = hsm.open("signer-hsm", true);  // CKR_USER_ALREADY_LOGGED_IN is fine
      CHECK(second.logged_in());
    }
    // `second` left; `first` must still be logged in as far as the token is concerned.
    CK_SESSION_INFO info{};
    REQUIRE(first.functions()->C_GetSessionInfo(first.handle(), &info) == CKR_OK);
    CHECK(info.state == CKS_RW_USER_FUNCTIONS);
  }

  TEST_CASE("a moved session keeps working and the moved-from one closes nothing") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm", true);
    const CK_SESSION_HANDLE handle = session.handle();
    hsm::Session moved(std::move(session));
    CHECK(moved.handle() == handle);
    CHECK(session.handle() == CK_INVALID_HANDLE);  // NOLINT(bugprone-use-after-move)
    CK_SESSION_INFO info{};
    CHECK(moved.functions()->C_GetSessionInfo(moved.handle(), &info) == CKR_OK);
  }

  TEST_CASE("the PIN state of a fresh token reports nothing alarming") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm", false);
    auto state = session.pin_state();
    REQUIRE(state);
    CHECK_FALSE(state->locked);
    CHECK_FALSE(state->final_try);
    CHECK(state->text() == "no failed attempts recorded");
    hsm::PinState low = hsm::PinState::from_flags(CKF_USER_PIN_COUNT_LOW);
    CHECK(low.text().find("count low") != std::string::npos);
    CHECK(hsm::PinState::from_flags(CKF_USER_PIN_LOCKED).text() == "locked");
  }
}
