#include <string>

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"
#include "hsm-profiles/src/token_key.h"
#include "tests/hsm/test_keys.h"
#include "tests/support/softhsm_fixture.h"

using namespace hallmark;
using testing::SoftHsmFixture;

namespace {

hsm::TokenUri uri(const std::string& text) {
  auto parsed = hsm::TokenUri::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Imports an OpenSSL P-256 key with C_CreateObject, the way a key made outside the token
// arrives: not CKA_LOCAL, and extractable when asked.
void import_p256(hsm::Session& session, const std::string& label, bool extractable) {
  auto key = testing::generate_openssl_key("P-256");
  REQUIRE(key);
  BIGNUM* d = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1);
  ossl::BignumPtr owned(d);
  Bytes value(32);
  REQUIRE(BN_bn2binpad(d, reinterpret_cast<unsigned char*>(value.data()), 32) == 32);
  const Bytes id{std::byte{0x42}, std::byte{0x01}};
  const ByteView params = hsm::ec_params_for(v1::ECDSA_P256_SHA256);

  hsm::AttributeTemplate priv;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_SENSITIVE, !extractable)
      .add_bool(CKA_EXTRACTABLE, extractable)
      .add_text(CKA_LABEL, label)
      .add_bytes(CKA_ID, id)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_VALUE, value);
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  REQUIRE(session.functions()->C_CreateObject(session.handle(), priv.data(), priv.size(),
                                              &handle) == CKR_OK);

  Bytes point{std::byte{0x04}, std::byte{0x41}};
  const Bytes raw = testing::raw_public_point(key.get());
  point.insert(point.end(), raw.begin(), raw.end());
  hsm::AttributeTemplate pub;
  pub.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_VERIFY, true)
      .add_text(CKA_LABEL, label)
      .add_bytes(CKA_ID, id)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_EC_POINT, point);
  REQUIRE(session.functions()->C_CreateObject(session.handle(), pub.data(), pub.size(),
                                              &handle) == CKR_OK);
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
    import_p256(session, "imported", true);
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
    import_p256(session, "imported", false);
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
