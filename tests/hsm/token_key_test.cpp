#include <string>

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"
#include "hsm-profiles/src/token_key.h"
#include "tests/support/test_keys.h"
#include "tests/support/imported_key.h"
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
  TEST_CASE("key absent: the error names the key and the token") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto key = hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm;object=release"));
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ErrorCode::kToken);
    CHECK(key.error().message == "key 'release' not found on token 'signer-hsm'");
  }

  TEST_CASE("a key searched for before login says that login is missing") {
    SoftHsmFixture hsm({"signer-hsm"});
    {
      auto session = hsm.open("signer-hsm");
      REQUIRE(hsm::generate_key(session, {v1::ED25519, "release", {}, false}));
    }
    auto session = hsm.open("signer-hsm", false);
    auto key = hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm;object=release"));
    REQUIRE_FALSE(key);
    CHECK(contains(key.error().message, "not logged in"));
  }

  TEST_CASE("a card's public key is read without login, the same key the private key pairs "
            "with, and an absent label is an error naming it") {
    SoftHsmFixture hsm({"person-sam"});
    std::string generated_id;
    {
      auto session = hsm.open("person-sam");
      auto generated = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "hallmark-person", {}, false});
      REQUIRE(generated);
      generated_id = generated->key_id();
    }
    auto session = hsm.open("person-sam", false);  // no PIN
    auto key = hsm::read_public_key_object(session, "hallmark-person");
    REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
    CHECK(key->key_id() == generated_id);
    auto absent = hsm::read_public_key_object(session, "release");
    REQUIRE_FALSE(absent);
    CHECK(absent.error().code == ErrorCode::kToken);
    CHECK(contains(absent.error().message, "public key 'release' on token 'person-sam'"));
  }

  TEST_CASE("a key is found by label or by id and on its own token only") {
    SoftHsmFixture hsm({"alpha", "beta"});
    auto alpha = hsm.open("alpha");
    auto generated = hsm::generate_key(alpha, {v1::ECDSA_P256_SHA256, "release", {}, false});
    REQUIRE(generated);

    auto by_label = hsm::TokenKey::find(alpha, uri("pkcs11:token=alpha;object=release"));
    REQUIRE(by_label);
    CHECK(by_label->handle() == generated->handle());
    CHECK(by_label->key_id() == generated->key_id());

    auto by_uri = hsm::TokenUri::parse(generated->uri());
    REQUIRE(by_uri);
    CHECK(by_uri->object_id == generated->id());
    auto by_id = hsm::TokenKey::find(alpha, *by_uri);
    REQUIRE(by_id);
    CHECK(by_id->handle() == generated->handle());

    auto beta = hsm.open("beta");
    auto elsewhere = hsm::TokenKey::find(beta, uri("pkcs11:token=beta;object=release"));
    REQUIRE_FALSE(elsewhere);
    CHECK(elsewhere.error().message == "key 'release' not found on token 'beta'");
  }

  TEST_CASE("the key report carries URI and public key id and provenance") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto key = hsm::generate_key(session, {v1::ED25519, "evidence", {}, false});
    REQUIRE(key);
    const v1::TokenKey report = key->to_proto();
    CHECK(report.label() == "evidence");
    CHECK(report.ckaid().size() == 16);
    CHECK(report.uri().starts_with("pkcs11:"));
    CHECK(contains(report.uri(), "token=signer-hsm"));
    CHECK(report.public_key().algorithm() == v1::ED25519);
    CHECK(report.public_key().key_id().size() == 64);
    CHECK(report.public_key().key_id() == key->key_id());
    CHECK(report.provenance().local());
    CHECK(report.provenance().never_extractable());
    CHECK(report.token().label() == "signer-hsm");
    CHECK(report.token().manufacturer() == "SoftHSM project");
  }

  TEST_CASE("an extractable (imported) key is refused for a production role") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    testing::import_p256(session, "imported", true);
    auto key = hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm;object=imported"));
    REQUIRE(key);
    CHECK(key->algorithm() == v1::ECDSA_P256_SHA256);
    CHECK_FALSE(key->provenance().local());
    CHECK(key->provenance().extractable());
    for (bool allow_imported : {false, true}) {
      auto verdict = hsm::check_production_use(key->provenance(), allow_imported, key->name());
      REQUIRE_FALSE(verdict);
      CHECK(verdict.error().code == ErrorCode::kPolicyRefused);
      CHECK(contains(verdict.error().message, "key 'imported' on token 'signer-hsm'"));
      CHECK(contains(verdict.error().message, "generate a new key inside the token"));
    }
  }

  TEST_CASE("an imported key marked sensitive afterwards is still refused") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    testing::import_p256(session, "imported", false);
    auto key = hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm;object=imported"));
    REQUIRE(key);
    CHECK_FALSE(key->provenance().extractable());
    // Its value was known outside the token: never "always sensitive"/"never extractable".
    CHECK_FALSE(hsm::check_production_use(key->provenance(), true, key->name()));
  }

  TEST_CASE("a URI naming a public key or no key at all is a usage error") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto no_key = hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm"));
    REQUIRE_FALSE(no_key);
    CHECK(no_key.error().code == ErrorCode::kUsage);
    auto public_key =
        hsm::TokenKey::find(session, uri("pkcs11:token=signer-hsm;object=x;type=public"));
    REQUIRE_FALSE(public_key);
    CHECK(public_key.error().code == ErrorCode::kUsage);
  }
}
