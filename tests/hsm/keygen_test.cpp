#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "testkit/softhsm_fixture.h"

using namespace hallmark;
using testing::SoftHsmFixture;

namespace {

bool flag(const hsm::Session& session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  auto value = hsm::read_bool(session, object, type);
  REQUIRE(value);
  REQUIRE(value->has_value());
  return **value;
}

std::vector<CK_MECHANISM_TYPE> allowed_mechanisms(const hsm::Session& session,
                                                  CK_OBJECT_HANDLE object) {
  auto bytes = hsm::read_attribute(session, object, CKA_ALLOWED_MECHANISMS);
  REQUIRE(bytes);
  std::vector<CK_MECHANISM_TYPE> mechanisms(bytes->size() / sizeof(CK_MECHANISM_TYPE));
  std::memcpy(mechanisms.data(), bytes->data(), mechanisms.size() * sizeof(CK_MECHANISM_TYPE));
  return mechanisms;
}

CK_OBJECT_HANDLE public_object(const hsm::Session& session, const hsm::TokenKey& key) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_bytes(CKA_ID, key.id());
  auto found = hsm::find_objects(session, match);
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  return found->front();
}

}  // namespace

TEST_SUITE("softhsm") {
  TEST_CASE("CKA_VALUE of a generated key is unreadable (CKR_ATTRIBUTE_SENSITIVE)") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    for (auto algorithm : {v1::ECDSA_P256_SHA256, v1::ED25519}) {
      CAPTURE(algorithm);
      auto key = hsm::generate_key(session, {algorithm, "k" + std::to_string(algorithm), {}, false});
      REQUIRE(key);
      CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
      CK_RV rv = session.functions()->C_GetAttributeValue(session.handle(), key->handle(),
                                                          &value, 1);
      CHECK(rv == CKR_ATTRIBUTE_SENSITIVE);
      CHECK(value.ulValueLen == CK_UNAVAILABLE_INFORMATION);
      auto read = hsm::read_attribute(session, key->handle(), CKA_VALUE);
      REQUIRE_FALSE(read);
      CHECK(read.error().ck_rv == CKR_ATTRIBUTE_SENSITIVE);
    }
  }

  TEST_CASE("a generated key is sign-only with one allowed mechanism and never extractable") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    struct Case {
      v1::KeyAlgorithm algorithm;
      CK_MECHANISM_TYPE mechanism;
    };
    for (const Case c : {Case{v1::ECDSA_P256_SHA256, CKM_ECDSA},
                         Case{v1::ECDSA_P384_SHA384, CKM_ECDSA},
                         Case{v1::RSA_PSS_3072_SHA256, CKM_RSA_PKCS_PSS},
                         Case{v1::ED25519, CKM_EDDSA}}) {
      CAPTURE(c.algorithm);
      auto key = hsm::generate_key(session, {c.algorithm, "key-" + std::to_string(c.algorithm),
                                             {}, false});
      REQUIRE(key);
      const CK_OBJECT_HANDLE priv = key->handle();
      CHECK(key->algorithm() == c.algorithm);
      CHECK(key->id().size() == 16);
      CHECK(flag(session, priv, CKA_SIGN));
      CHECK_FALSE(flag(session, priv, CKA_DECRYPT));
      CHECK_FALSE(flag(session, priv, CKA_UNWRAP));
      CHECK_FALSE(flag(session, priv, CKA_DERIVE));
      CHECK(flag(session, priv, CKA_TOKEN));
      CHECK(flag(session, priv, CKA_PRIVATE));
      CHECK(allowed_mechanisms(session, priv) == std::vector<CK_MECHANISM_TYPE>{c.mechanism});

      const auto& p = key->provenance();
      CHECK(p.local());
      CHECK(p.never_extractable());
      CHECK(p.always_sensitive());
      CHECK(p.sensitive());
      CHECK_FALSE(p.extractable());
      CHECK_FALSE(p.always_authenticate());
      CHECK(hsm::check_production_use(p, false, key->name()));

      const CK_OBJECT_HANDLE pub = public_object(session, *key);
      CHECK(flag(session, pub, CKA_VERIFY));
      CHECK_FALSE(flag(session, pub, CKA_ENCRYPT));
      CHECK_FALSE(flag(session, pub, CKA_WRAP));
    }
  }

  TEST_CASE("a generated key cannot be made extractable afterwards") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto key = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false});
    REQUIRE(key);
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE extractable{CKA_EXTRACTABLE, &yes, sizeof yes};
    CHECK(session.functions()->C_SetAttributeValue(session.handle(), key->handle(),
                                                   &extractable, 1) != CKR_OK);
    auto again = hsm::read_bool(session, key->handle(), CKA_EXTRACTABLE);
    REQUIRE(again);
    CHECK(*again == std::optional<bool>(false));
  }

  TEST_CASE("an RSA key generated for PSS refuses PKCS#1 v1.5 signing and decryption") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    auto key = hsm::generate_key(session, {v1::RSA_PSS_3072_SHA256, "release", {}, false});
    INFO((key ? std::string() : key.error().message));
    REQUIRE(key);
    CK_MECHANISM pkcs1{CKM_RSA_PKCS, nullptr, 0};
    CHECK(session.functions()->C_SignInit(session.handle(), &pkcs1, key->handle()) != CKR_OK);
    CHECK(session.functions()->C_DecryptInit(session.handle(), &pkcs1, key->handle()) !=
          CKR_OK);
    CK_MECHANISM raw{CKM_RSA_X_509, nullptr, 0};
    CHECK(session.functions()->C_SignInit(session.handle(), &raw, key->handle()) != CKR_OK);
  }

  TEST_CASE("a key label that already exists on the token is refused") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    REQUIRE(hsm::generate_key(session, {v1::ED25519, "release", {}, false}));
    auto second = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false});
    REQUIRE_FALSE(second);
    CHECK(second.error().code == ErrorCode::kUsage);
    CHECK(second.error().message.find("already has an object labelled 'release'") !=
          std::string::npos);
    CHECK(second.error().message.find("signer-hsm") != std::string::npos);
  }

  TEST_CASE("generating a key without logging in is refused with what to do") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm", false);
    auto key = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false});
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ErrorCode::kToken);
    CHECK(key.error().ck_rv == CKR_USER_NOT_LOGGED_IN);
    CHECK(key.error().message.find("log in first") != std::string::npos);
  }

  TEST_CASE("a caller-chosen CKA_ID is kept") {
    SoftHsmFixture hsm({"signer-hsm"});
    auto session = hsm.open("signer-hsm");
    const Bytes id{std::byte{0xca}, std::byte{0xfe}};
    auto key = hsm::generate_key(session, {v1::ECDSA_P384_SHA384, "evidence", id, false});
    REQUIRE(key);
    CHECK(key->id() == id);
    auto stored = hsm::read_attribute(session, key->handle(), CKA_ID);
    REQUIRE(stored);
    CHECK(*stored == id);
  }
}
