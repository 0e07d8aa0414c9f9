#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_signer.h"
#include "tests/support/test_keys.h"
#include "testkit/softhsm_fixture.h"
#include "tests/support/text.h"

using namespace hallmark;
using testing::SoftHsmFixture;

using hallmark::testing::contains;

namespace {

hsm::TokenSigner make_signer(hsm::Session& session, const hsm::KeySpec& spec,
                             hsm::PinCallback pin = {}) {
  auto key = hsm::generate_key(session, spec);
  REQUIRE(key);
  auto signer = hsm::TokenSigner::create(session, std::move(*key), std::move(pin));
  REQUIRE(signer);
  return std::move(*signer);
}

}  // namespace

TEST_SUITE("softhsm") {
  TEST_CASE("sign and verify round trip for P-256 and P-384 and RSA-3072-PSS and Ed25519") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    const Bytes message = to_bytes("hallmark bundle v1.2.3 for sku esp32-c3");
    for (auto algorithm : {v1::ECDSA_P256_SHA256, v1::ECDSA_P384_SHA384,
                           v1::RSA_PSS_3072_SHA256, v1::ED25519}) {
      CAPTURE(algorithm);
      auto signer = make_signer(session, {algorithm, "key-" + std::to_string(algorithm), {}, false});
      auto signature = signer.sign(message);
      REQUIRE(signature);
      // Both the project's verifier and plain OpenSSL accept it...
      CHECK(signer.public_key().verify(message, *signature));
      CHECK(testing::openssl_verify(signer.public_key().spki_der(), algorithm, message,
                                    *signature));
      // ...and neither accepts it for another message.
      const Bytes other = to_bytes("hallmark bundle v1.2.4 for sku esp32-c3");
      CHECK_FALSE(signer.public_key().verify(other, *signature));
      CHECK_FALSE(testing::openssl_verify(signer.public_key().spki_der(), algorithm, other,
                                          *signature));
      CHECK(signer.key_id() == signer.public_key().key_id());
    }
  }

  TEST_CASE("a signer keeps signing after the Session it was made from is moved and destroyed") {
    SoftHsmFixture hsm({"signer-hsm"});
    const Bytes message = to_bytes("hallmark trust root v2");
    std::optional<hsm::TokenSigner> signer;
    {
      auto session = hsm.open("signer-hsm");
      signer.emplace(make_signer(session, {v1::ECDSA_P256_SHA256, "shared", {}, false}));
      hsm::Session moved = std::move(session);  // a move that once left the signer dangling
    }  // every Session object is gone; the signer's share keeps the session open
    auto signature = signer->sign(message);
    REQUIRE_MESSAGE(signature, (signature ? "" : signature.error().message));
    CHECK(signer->public_key().verify(message, *signature));
  }

  TEST_CASE("always-authenticate key needs the context login for every signature") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    int pin_requests = 0;
    auto signer = make_signer(session, {v1::ECDSA_P256_SHA256, "root", {}, true}, [&] {
      ++pin_requests;
      return Result<hsm::Pin>(SoftHsmFixture::user_pin());
    });
    CHECK(signer.key().provenance().always_authenticate());

    const Bytes message = to_bytes("trust root v1");
    auto first = signer.sign(message);
    REQUIRE(first);
    CHECK(pin_requests == 1);
    auto second = signer.sign(message);
    REQUIRE(second);
    CHECK(pin_requests == 2);
    CHECK(signer.public_key().verify(message, *second));

    // Without the context login the token refuses, even though the session is logged in.
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    REQUIRE(session.functions()->C_SignInit(session.handle(), &ecdsa,
                                            signer.key().handle()) == CKR_OK);
    Bytes digest(32, std::byte{0x5a});
    Bytes out(128);
    auto size = static_cast<CK_ULONG>(out.size());
    CK_RV rv = session.functions()->C_Sign(session.handle(),
                                           reinterpret_cast<CK_BYTE_PTR>(digest.data()),
                                           static_cast<CK_ULONG>(digest.size()),
                                           reinterpret_cast<CK_BYTE_PTR>(out.data()), &size);
    CHECK(rv == CKR_USER_NOT_LOGGED_IN);

    // And the signer still works afterwards (no operation left active).
    CHECK(signer.sign(message));
    CHECK(pin_requests == 3);
  }

  TEST_CASE("always-authenticate key without a PIN source is refused up front") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto key = hsm::generate_key(session, {v1::ED25519, "root", {}, true});
    REQUIRE(key);
    auto signer = hsm::TokenSigner::create(session, std::move(*key));
    REQUIRE_FALSE(signer);
    CHECK(contains(signer.error().message, "CKA_ALWAYS_AUTHENTICATE"));
  }

  TEST_CASE("a failing PIN callback or a wrong context PIN gives no signature and no stuck session") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    int calls = 0;
    auto signer = make_signer(session, {v1::ED25519, "root", {}, true}, [&]() -> Result<hsm::Pin> {
      ++calls;
      if (calls == 1) return fail(ErrorCode::kUsage, "operator cancelled");
      if (calls == 2) return hsm::Pin("wrong-pin");
      return SoftHsmFixture::user_pin();
    });
    const Bytes message = to_bytes("approval");
    auto cancelled = signer.sign(message);
    REQUIRE_FALSE(cancelled);
    CHECK(contains(cancelled.error().message, "operator cancelled"));
    auto wrong = signer.sign(message);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().ck_rv == CKR_PIN_INCORRECT);
    CHECK(contains(wrong.error().message, "signer-hsm"));
    auto good = signer.sign(message);
    REQUIRE(good);
    CHECK(signer.public_key().verify(message, *good));
  }

  TEST_CASE("Ed25519 refuses a message over 64 KiB and says to sign a digest") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto signer = make_signer(session, {v1::ED25519, "evidence", {}, false});
    const Bytes limit(hsm::TokenSigner::kMaxEddsaMessage, std::byte{0x61});
    auto ok = signer.sign(limit);
    REQUIRE(ok);
    CHECK(signer.public_key().verify(limit, *ok));
    const Bytes too_big(hsm::TokenSigner::kMaxEddsaMessage + 1, std::byte{0x61});
    auto refused = signer.sign(too_big);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kUsage);
    CHECK(contains(refused.error().message, "sign a digest"));
  }

  TEST_CASE("a planted public key object that does not match the private key gives no signature") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto victim = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false});
    auto attacker = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "other", {}, false});
    REQUIRE(victim);
    REQUIRE(attacker);
    // Re-pair: the victim's public object is renamed away, the attacker's takes its place.
    auto relabel = [&](const hsm::TokenKey& key, const std::string& label, const Bytes& id) {
      hsm::AttributeTemplate match;
      match.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_bytes(CKA_ID, key.id());
      auto found = hsm::find_objects(session, match);
      REQUIRE(found);
      REQUIRE(found->size() == 1);
      hsm::AttributeTemplate change;
      change.add_text(CKA_LABEL, label).add_bytes(CKA_ID, id);
      REQUIRE(session.functions()->C_SetAttributeValue(session.handle(), found->front(),
                                                       change.data(), change.size()) == CKR_OK);
    };
    relabel(*victim, "moved-away", Bytes{std::byte{0xee}});
    relabel(*attacker, "release", victim->id());

    auto key = hsm::TokenKey::from_handle(session, victim->handle());
    REQUIRE(key);
    CHECK(key->key_id() == attacker->key_id());  // the token now pairs the wrong public key
    auto signer = hsm::TokenSigner::create(session, std::move(*key));
    REQUIRE(signer);
    auto signature = signer->sign(to_bytes("bundle"));
    REQUIRE_FALSE(signature);
    CHECK(signature.error().code == ErrorCode::kToken);
    CHECK(contains(signature.error().message, "does not verify under its public key"));
  }

  TEST_CASE("signing without login names the key and says to log in") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto generated = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false});
    REQUIRE(generated);
    // A second session on a token nobody is logged in to any more.
    hsm::Session logged_out = std::move(session);
    REQUIRE(logged_out.functions()->C_Logout(logged_out.handle()) == CKR_OK);
    auto signer = hsm::TokenSigner::create(logged_out, std::move(*generated));
    REQUIRE(signer);
    auto signature = signer->sign(to_bytes("bundle"));
    REQUIRE_FALSE(signature);
    CHECK(signature.error().code == ErrorCode::kToken);
    CHECK(contains(signature.error().message, "key 'release' on token 'signer-hsm'"));
  }
}
