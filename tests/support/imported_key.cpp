#include "tests/support/imported_key.h"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"
#include "tests/support/test_keys.h"

namespace hallmark::testing {

void import_p256(hsm::Session& session, const std::string& label, bool extractable) {
  auto key = generate_openssl_key("P-256");
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
  const Bytes raw = raw_public_point(key.get());
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

}  // namespace hallmark::testing
