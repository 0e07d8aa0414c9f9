// A person's card on throwaway SoftHSM tokens: card init, opening the card, the key
// provenance rule, and statements signed by the token.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>

#include "station-agent/station/card_signer.h"
#include "verifier/people/person_statements.h"
#include "tests/support/imported_key.h"
#include "testkit/softhsm_fixture.h"

namespace hallmark::station {
namespace {

using people::sign_session;
using people::verify_session;
using people::sign_break_glass;
using people::verify_break_glass;

using testing::SoftHsmFixture;

constexpr const char* kStation = "line-3-station-1";
constexpr std::int64_t kNow = 1'760'000'000;
constexpr const char* kPinVariable = "HALLMARK_PEOPLE_TEST_PIN";

hsm::TokenOptions card_options(const std::string& uri,
                               const char* pin = SoftHsmFixture::kUserPin) {
  ::setenv(kPinVariable, pin, 1);
  hsm::TokenOptions options;
  options.uri = uri;
  options.profile = "softhsm2";
  options.module = SoftHsmFixture::kModulePath;
  options.pin = std::string("env:") + kPinVariable;
  options.allow_software_token = true;  // the test's cards are SoftHSM tokens
  return options;
}

}  // namespace

TEST_CASE("card init makes a sign-only key on the card and the card signs a session") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  auto made = init_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(made, made.error().message);
  CHECK(made->key.label() == kPersonKeyLabel);
  CHECK(made->key.provenance().local());
  CHECK(made->key.provenance().never_extractable());
  CHECK_FALSE(made->key.provenance().extractable());
  CHECK(made->public_key.algorithm() == v1::ECDSA_P256_SHA256);
  CHECK(status.str().find(made->public_key.key_id()) != std::string::npos);

  auto card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(card, card.error().message);
  CHECK(card->key_id() == made->public_key.key_id());
  auto session = sign_session(card->signer(), kStation, "Alice Operator", kNow);
  REQUIRE_MESSAGE(session, session.error().message);
  auto verified = verify_session(*session, made->public_key, kStation);
  REQUIRE_MESSAGE(verified, verified.error().message);
  CHECK(verified->operator_key_id() == made->public_key.key_id());
}

TEST_CASE("card init twice is refused") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  auto first = init_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(first, first.error().message);
  auto second = init_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::kPolicyRefused);
  CHECK(second.error().message.find("alice-card") != std::string::npos);
  // The first key is still the card's only person key.
  auto card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(card, card.error().message);
  CHECK(card->key_id() == first->public_key.key_id());
}

TEST_CASE("card key that was imported and not generated on the card is refused") {
  SoftHsmFixture fixture({"alice-card"});
  {
    auto session = fixture.open("alice-card");
    testing::import_p256(session, kPersonKeyLabel, false);
  }
  std::ostringstream status;
  auto card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_FALSE(card);
  CHECK(card.error().code == ErrorCode::kPolicyRefused);
  // SoftHSM also reports an imported key as never sensitive from birth, so either half of
  // the rule may speak first; both mean the key may exist outside the card.
  CHECK(card.error().message.find("generate") != std::string::npos);
  CHECK(card.error().message.find("card init") != std::string::npos);
}

TEST_CASE("card key that is extractable is refused") {
  SoftHsmFixture fixture({"alice-card"});
  {
    auto session = fixture.open("alice-card");
    testing::import_p256(session, kPersonKeyLabel, true);
  }
  std::ostringstream status;
  auto card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_FALSE(card);
  CHECK(card.error().code == ErrorCode::kPolicyRefused);
  CHECK(card.error().message.find("extractable") != std::string::npos);
}

TEST_CASE("card without a person key is refused with a hint to run card init") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  auto card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_FALSE(card);
  CHECK(card.error().code == ErrorCode::kToken);
  CHECK(card.error().message.find("card init") != std::string::npos);
}

TEST_CASE("card key named by object= in the card URI is the one used") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  auto person = init_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(person, person.error().message);
  auto other = init_card(card_options("pkcs11:token=alice-card;object=alice-2025"), status);
  REQUIRE_MESSAGE(other, other.error().message);
  CHECK(other->key.label() == "alice-2025");

  auto card = open_card(card_options("pkcs11:token=alice-card;object=alice-2025"), status);
  REQUIRE_MESSAGE(card, card.error().message);
  CHECK(card->key_id() == other->public_key.key_id());
  CHECK(card->key_id() != person->public_key.key_id());
}

TEST_CASE("card with the wrong PIN is a token error") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  REQUIRE(init_card(card_options("pkcs11:token=alice-card"), status));
  auto card = open_card(card_options("pkcs11:token=alice-card", "wrong-pin-0000"), status);
  REQUIRE_FALSE(card);
  CHECK(card.error().code == ErrorCode::kToken);
}

TEST_CASE("card key asking its PIN for every signature signs a break-glass") {
  SoftHsmFixture fixture({"bob-card"});
  std::ostringstream status;
  auto made = init_card(card_options("pkcs11:token=bob-card"), status, true);
  REQUIRE_MESSAGE(made, made.error().message);
  CHECK(made->key.provenance().always_authenticate());
  auto card = open_card(card_options("pkcs11:token=bob-card"), status);
  REQUIRE_MESSAGE(card, card.error().message);
  auto glass = sign_break_glass(card->signer(), kStation, "Bob Supervisor", 42,
                                "label misprint checked by hand", kNow);
  REQUIRE_MESSAGE(glass, glass.error().message);
  CHECK(verify_break_glass(*glass, made->public_key, kStation));
}

TEST_CASE("break-glass signed by another card on the token is refused") {
  SoftHsmFixture fixture({"alice-card", "bob-card"});
  std::ostringstream status;
  auto alice = init_card(card_options("pkcs11:token=alice-card"), status);
  auto bob = init_card(card_options("pkcs11:token=bob-card"), status);
  REQUIRE(alice);
  REQUIRE(bob);
  auto alice_card = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(alice_card, alice_card.error().message);
  auto glass = sign_break_glass(alice_card->signer(), kStation, "Bob Supervisor", 42,
                                "operator releases her own line stop", kNow);
  REQUIRE(glass);
  auto verified = verify_break_glass(*glass, bob->public_key, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("opened card moved elsewhere keeps signing") {
  SoftHsmFixture fixture({"alice-card"});
  std::ostringstream status;
  auto made = init_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE(made);
  auto opened = open_card(card_options("pkcs11:token=alice-card"), status);
  REQUIRE_MESSAGE(opened, opened.error().message);
  const CardSigner signer = opened->signer();
  OpenedCard moved = std::move(*opened);
  auto session = sign_session(signer, kStation, "Alice Operator", kNow);
  REQUIRE_MESSAGE(session, session.error().message);
  CHECK(verify_session(*session, made->public_key, kStation));
  CHECK(moved.key_id() == made->public_key.key_id());
}

}  // namespace hallmark::station
