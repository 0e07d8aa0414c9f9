#include <string>

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "hsm-profiles/src/spki.h"
#include "tests/support/test_keys.h"
#include "verifier/core/sha256.h"

using namespace hallmark;

namespace {

Bytes der_octet_string(ByteView content) {
  Bytes out{std::byte{0x04}};
  if (content.size() >= 0x80) out.push_back(std::byte{0x81});
  out.push_back(static_cast<std::byte>(content.size()));
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::string expected_key_id(EVP_PKEY* key) {
  auto digest = verifier::sha256(testing::spki_of(key));
  REQUIRE(digest);
  return digest->hex();
}

Bytes bignum_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  ossl::BignumPtr owned(bn);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("Ed25519 public key is built from either CKA_EC_PARAMS form") {
    auto key = testing::generate_openssl_key("ED25519");
    REQUIRE(key);
    const Bytes point = testing::raw_public_point(key.get());
    REQUIRE(point.size() == 32);
    const Bytes oid = bytes_of({0x06, 0x03, 0x2b, 0x65, 0x70});
    const Bytes printable = bytes_of({0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5',
                                      '5', '1', '9'});
    const std::string key_id = expected_key_id(key.get());

    for (const Bytes& params : {oid, printable}) {
      for (const Bytes& ec_point : {point, der_octet_string(point)}) {
        auto built = hsm::public_key_from_ec(params, ec_point);
        REQUIRE(built);
        CHECK(built->algorithm() == v1::ED25519);
        CHECK(built->key_id() == key_id);
        CHECK(built->spki_der() == testing::spki_of(key.get()));
      }
    }
  }

  TEST_CASE("EC point wrapped in an OCTET STRING or raw gives the same P-256 and P-384 key") {
    for (const char* curve : {"P-256", "P-384"}) {
      CAPTURE(curve);
      auto key = testing::generate_openssl_key(curve);
      REQUIRE(key);
      const Bytes point = testing::raw_public_point(key.get());
      const v1::KeyAlgorithm algorithm = std::string(curve) == "P-256" ? v1::ECDSA_P256_SHA256
                                                                      : v1::ECDSA_P384_SHA384;
      const ByteView params = hsm::ec_params_for(algorithm);
      auto raw = hsm::public_key_from_ec(params, point);
      auto wrapped = hsm::public_key_from_ec(params, der_octet_string(point));
      REQUIRE(raw);
      REQUIRE(wrapped);
      CHECK(raw->algorithm() == algorithm);
      CHECK(raw->key_id() == expected_key_id(key.get()));
      CHECK(wrapped->key_id() == raw->key_id());
    }
  }

  TEST_CASE("a raw point that happens to parse as an OCTET STRING is still read as raw") {
    // 0x04 0x3f ... is both an uncompressed P-256 point and a 63-byte OCTET STRING header.
    for (int attempt = 0; attempt < 2000; ++attempt) {
      auto key = testing::generate_openssl_key("P-256");
      const Bytes point = testing::raw_public_point(key.get());
      if (point[1] != std::byte{0x3f}) continue;
      auto unwrapped = hsm::unwrap_ec_point(v1::ECDSA_P256_SHA256, point);
      REQUIRE(unwrapped);
      CHECK(*unwrapped == point);
      return;
    }
    // Constructed case when no random key hit the pattern: length logic alone.
    Bytes fake(65, std::byte{0x11});
    fake[0] = std::byte{0x04};
    fake[1] = std::byte{0x3f};
    auto unwrapped = hsm::unwrap_ec_point(v1::ECDSA_P256_SHA256, fake);
    REQUIRE(unwrapped);
    CHECK(unwrapped->size() == 65);
  }

  TEST_CASE("a key on a curve Hallmark does not use is refused") {
    const Bytes secp256k1 = bytes_of({0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a});
    auto algorithm = hsm::algorithm_from_ec_params(secp256k1);
    REQUIRE_FALSE(algorithm);
    CHECK(algorithm.error().code == ErrorCode::kPolicyRefused);
    CHECK(algorithm.error().message.find("P-256, P-384 and Ed25519") != std::string::npos);
  }

  TEST_CASE("a point that is not on the curve or has the wrong size is refused") {
    const ByteView p256 = hsm::ec_params_for(v1::ECDSA_P256_SHA256);
    Bytes off_curve(65, std::byte{0x01});
    off_curve[0] = std::byte{0x04};
    CHECK_FALSE(hsm::public_key_from_ec(p256, off_curve));
    CHECK_FALSE(hsm::public_key_from_ec(p256, Bytes(40, std::byte{0x04})));
    CHECK_FALSE(hsm::public_key_from_ec(hsm::ec_params_for(v1::ED25519), Bytes(31)));
  }

  TEST_CASE("RSA-3072 public key from modulus and exponent and other sizes refused") {
    auto key = testing::generate_openssl_key("RSA");
    REQUIRE(key);
    auto built = hsm::public_key_from_rsa(bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_N),
                                          bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_E));
    REQUIRE(built);
    CHECK(built->algorithm() == v1::RSA_PSS_3072_SHA256);
    CHECK(built->key_id() == expected_key_id(key.get()));

    ossl::PkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    REQUIRE(small);
    auto refused = hsm::public_key_from_rsa(bignum_param(small.get(), OSSL_PKEY_PARAM_RSA_N),
                                            bignum_param(small.get(), OSSL_PKEY_PARAM_RSA_E));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kPolicyRefused);
  }
}
