#include <doctest/doctest.h>

#include <array>
#include <thread>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "testkit/in_process_keys.h"
#include "verifier/core/sha256.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using hallmark::Bytes;
using hallmark::ErrorCode;

namespace {
const std::string kMessage = "firmware image 1.2.3";

Bytes flipped(Bytes b, std::size_t at) {
  b.at(at) ^= std::byte{0x01};
  return b;
}
}  // namespace

TEST_CASE("every accepted algorithm verifies its own signature and maps to its enum") {
  const std::pair<ht::Alg, hallmark::v1::KeyAlgorithm> cases[] = {
      {ht::Alg::kP256, hallmark::v1::ECDSA_P256_SHA256},
      {ht::Alg::kP384, hallmark::v1::ECDSA_P384_SHA384},
      {ht::Alg::kRsa3072, hallmark::v1::RSA_PSS_3072_SHA256},
      {ht::Alg::kEd25519, hallmark::v1::ED25519}};
  for (const auto& [alg, expected] : cases) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    CHECK(k.pub.algorithm() == expected);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    CHECK(k.pub.verify(as_bytes(kMessage), sig).has_value());
  }
}

TEST_CASE("tampered message fails for every algorithm") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    auto r = k.pub.verify(as_bytes(kMessage + " "), sig);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kVerificationFailed);
    CHECK(r.error().message.find(k.pub.key_id()) != std::string::npos);
  }
}

TEST_CASE("tampered signature fails for every algorithm and leaves no OpenSSL error queued") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    CHECK_FALSE(k.pub.verify(as_bytes(kMessage), flipped(sig, sig.size() - 1)).has_value());
    CHECK_FALSE(k.pub.verify(as_bytes(kMessage), Bytes{}).has_value());
    CHECK(ERR_peek_error() == 0);
  }
}

TEST_CASE("a signature by another key of the same algorithm fails") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const Bytes sig = ht::sign(ht::key(alg, 1), as_bytes(kMessage));
    CHECK_FALSE(ht::key(alg, 0).pub.verify(as_bytes(kMessage), sig).has_value());
  }
}

TEST_CASE("RSA-PSS with a different salt length is refused") {
  const auto& k = ht::key(ht::Alg::kRsa3072);
  CHECK(k.pub.verify(as_bytes(kMessage), ht::sign(k, as_bytes(kMessage), 32)).has_value());
  CHECK_FALSE(k.pub.verify(as_bytes(kMessage), ht::sign(k, as_bytes(kMessage), 64)).has_value());
  CHECK_FALSE(k.pub.verify(as_bytes(kMessage), ht::sign(k, as_bytes(kMessage), 20)).has_value());
}

TEST_CASE("RSA PKCS#1 v1.5 and RSA-PSS over SHA-384 signatures are refused") {
  const auto& k = ht::key(ht::Alg::kRsa3072);
  CHECK_FALSE(k.pub.verify(as_bytes(kMessage), ht::sign_raw(k.priv.get(), EVP_sha256(),
                                                            as_bytes(kMessage),
                                                            RSA_PKCS1_PADDING))
                  .has_value());
  CHECK_FALSE(k.pub.verify(as_bytes(kMessage),
                           ht::sign_raw(k.priv.get(), EVP_sha384(), as_bytes(kMessage),
                                        RSA_PKCS1_PSS_PADDING, 32))
                  .has_value());
}

TEST_CASE("ECDSA signature over the wrong hash for the curve is refused") {
  const auto& p256 = ht::key(ht::Alg::kP256);
  const auto& p384 = ht::key(ht::Alg::kP384);
  CHECK_FALSE(p256.pub.verify(as_bytes(kMessage),
                              ht::sign_raw(p256.priv.get(), EVP_sha384(), as_bytes(kMessage)))
                  .has_value());
  CHECK_FALSE(p384.pub.verify(as_bytes(kMessage),
                              ht::sign_raw(p384.priv.get(), EVP_sha256(), as_bytes(kMessage)))
                  .has_value());
}

TEST_CASE("Ed25519 signature of the wrong length is refused") {
  const auto& k = ht::key(ht::Alg::kEd25519);
  Bytes sig = ht::sign(k, as_bytes(kMessage));
  sig.push_back(std::byte{0});
  auto r = k.pub.verify(as_bytes(kMessage), sig);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("64 bytes") != std::string::npos);
}

TEST_CASE("RSA 2048 key is refused") {
  auto rsa2048 = ht::generate("RSA", nullptr, 2048);
  auto r = hv::PublicKey::from_spki_der(ht::spki_der(rsa2048.get()));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(r.error().message.find("2048") != std::string::npos);
}

TEST_CASE("other curves and key types are refused") {
  for (const char* curve : {"P-521", "secp256k1", "brainpoolP256r1"}) {
    CAPTURE(curve);
    auto k = ht::generate("EC", curve);
    auto r = hv::PublicKey::from_spki_der(ht::spki_der(k.get()));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kPolicyRefused);
  }
  auto ed448 = ht::generate("ED448", nullptr);
  CHECK_FALSE(hv::PublicKey::from_spki_der(ht::spki_der(ed448.get())).has_value());
}

TEST_CASE("key id is the hex SHA-256 of the DER SubjectPublicKeyInfo") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes der = ht::spki_der(k.priv.get());
    CHECK(k.pub.spki_der() == der);
    CHECK(k.pub.key_id() == hv::sha256(der)->hex());
    CHECK(k.pub.key_id().size() == 64);
  }
}

TEST_CASE("PEM and proto round trips keep the key id") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const std::string pem = k.pub.to_pem();
    CHECK(pem == ht::public_pem(k.priv.get()));  // same text as OpenSSL writes
    auto from_pem = hv::PublicKey::from_pem(pem);
    REQUIRE(from_pem.has_value());
    CHECK(from_pem->key_id() == k.pub.key_id());
    auto from_proto = hv::PublicKey::from_proto(k.pub.to_proto());
    REQUIRE(from_proto.has_value());
    CHECK(from_proto->algorithm() == k.pub.algorithm());
  }
}

TEST_CASE("proto whose key id does not match its key is refused") {
  auto proto = ht::key(ht::Alg::kP256).pub.to_proto();
  proto.set_key_id(ht::key(ht::Alg::kP256, 1).pub.key_id());
  CHECK_FALSE(hv::PublicKey::from_proto(proto).has_value());
  proto = ht::key(ht::Alg::kP256).pub.to_proto();
  proto.set_algorithm(hallmark::v1::ED25519);
  CHECK_FALSE(hv::PublicKey::from_proto(proto).has_value());
}

TEST_CASE("compressed and uncompressed encodings of one EC key share one key id") {
  auto k = ht::generate("EC", "P-256");
  const Bytes uncompressed = ht::spki_der(k.get());
  REQUIRE(EVP_PKEY_set_utf8_string_param(k.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                         "compressed") == 1);
  const Bytes compressed = ht::spki_der(k.get());
  REQUIRE(compressed.size() < uncompressed.size());
  auto a = hv::PublicKey::from_spki_der(uncompressed);
  auto b = hv::PublicKey::from_spki_der(compressed);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->key_id() == b->key_id());
  CHECK(b->spki_der() == uncompressed);
}

TEST_CASE("an EC point that is not on the curve is refused") {
  Bytes der = ht::spki_der(ht::key(ht::Alg::kP256).priv.get());
  der.back() ^= std::byte{0x01};
  auto r = hv::PublicKey::from_spki_der(der);
  REQUIRE_FALSE(r.has_value());
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("a P-256 key in its usual form decodes to itself; coordinates out of range are refused") {
  // The usual form (uncompressed point) takes a shorter path than other encodings: both
  // must give the same key, and the bytes given are the canonical encoding.
  const Bytes der = ht::spki_der(ht::key(ht::Alg::kP256).priv.get());
  REQUIRE(der.size() == 91);
  auto key = hv::PublicKey::from_spki_der(der);
  REQUIRE(key.has_value());
  CHECK(key->spki_der() == der);
  CHECK(key->key_id() == hv::sha256(der)->hex());
  CHECK(key->algorithm() == hallmark::v1::ECDSA_P256_SHA256);
  Bytes out_of_range = der;
  std::fill(out_of_range.end() - 64, out_of_range.end(), std::byte{0xff});  // X, Y >= p
  auto refused = hv::PublicKey::from_spki_der(out_of_range);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUsage);
  CHECK(ERR_peek_error() == 0);
  // The "hybrid" form (0x06/0x07 with Y's parity, then X and Y) takes the generic path:
  // with the right parity it is the same key, canonically encoded; with the wrong one it is
  // refused.
  const auto y_odd = std::to_integer<unsigned>(der.back()) & 1U;
  Bytes hybrid = der;
  hybrid[26] = std::byte{static_cast<unsigned char>(0x06U | y_odd)};
  auto same = hv::PublicKey::from_spki_der(hybrid);
  REQUIRE(same.has_value());
  CHECK(same->spki_der() == der);
  CHECK(same->key_id() == key->key_id());
  hybrid[26] = std::byte{static_cast<unsigned char>(0x06U | (y_odd ^ 1U))};
  CHECK_FALSE(hv::PublicKey::from_spki_der(hybrid).has_value());
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("garbage, empty and trailing bytes are refused with the OpenSSL reason") {
  auto garbage = hv::PublicKey::from_spki_der(as_bytes("not a key"));
  REQUIRE_FALSE(garbage.has_value());
  CHECK(garbage.error().code == ErrorCode::kUsage);
  CHECK_FALSE(garbage.error().openssl_reason.empty());
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(hv::PublicKey::from_spki_der({}).has_value());
  Bytes der = ht::key(ht::Alg::kEd25519).pub.spki_der();
  der.push_back(std::byte{0});
  auto trailing = hv::PublicKey::from_spki_der(der);
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().message.find("trailing") != std::string::npos);
}

TEST_CASE("a private key PEM is refused, never read") {
  auto r = hv::PublicKey::from_pem(ht::key(ht::Alg::kP256).private_pem);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("private key") != std::string::npos);
}

TEST_CASE("PKCS#1 RSA PUBLIC KEY and non-PEM input are refused with a hint") {
  const std::string pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n";
  auto r = hv::PublicKey::from_pem(pkcs1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("openssl pkey") != std::string::npos);
  CHECK_FALSE(hv::PublicKey::from_pem("hello").has_value());
  CHECK_FALSE(hv::PublicKey::from_pem("").has_value());
}

TEST_CASE("copies share the key and compare equal by key id") {
  const hv::PublicKey copy = ht::key(ht::Alg::kP384).pub;
  CHECK(copy == ht::key(ht::Alg::kP384).pub);
  CHECK_FALSE(copy == ht::key(ht::Alg::kP384, 1).pub);
  const Bytes sig = ht::sign(ht::key(ht::Alg::kP384), as_bytes(kMessage));
  CHECK(copy.verify(as_bytes(kMessage), sig).has_value());
}

TEST_CASE("ecdsa_raw_to_der: a token's r||s signature verifies only after conversion") {
  for (ht::Alg alg : {ht::Alg::kP256, ht::Alg::kP384}) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes der = ht::sign(k, as_bytes(kMessage));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    hallmark::ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(sig != nullptr);
    const int half = alg == ht::Alg::kP256 ? 32 : 48;
    Bytes raw(static_cast<std::size_t>(2 * half));
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, half) == half);
    REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + half, half) == half);
    CHECK_FALSE(k.pub.verify(as_bytes(kMessage), raw).has_value());
    auto converted = hv::ecdsa_raw_to_der(raw);
    REQUIRE(converted.has_value());
    CHECK(*converted == der);
    CHECK(k.pub.verify(as_bytes(kMessage), *converted).has_value());
  }
}

TEST_CASE("ecdsa_raw_to_der strips leading zeros and pads high bits (known encoding)") {
  Bytes raw(64, std::byte{0});
  raw[31] = std::byte{0x01};  // r = 1
  raw[32] = std::byte{0x80};  // s = 0x80 << 248: needs a leading 0x00 in DER
  auto der = hv::ecdsa_raw_to_der(raw);
  REQUIRE(der.has_value());
  Bytes expected = {std::byte{0x30}, std::byte{0x26}, std::byte{0x02}, std::byte{0x01},
                    std::byte{0x01}, std::byte{0x02}, std::byte{0x21}, std::byte{0x00},
                    std::byte{0x80}};
  expected.resize(40, std::byte{0});
  CHECK(*der == expected);
}

TEST_CASE("ecdsa_raw_to_der refuses odd and empty input") {
  CHECK_FALSE(hv::ecdsa_raw_to_der(Bytes(63)).has_value());
  CHECK_FALSE(hv::ecdsa_raw_to_der({}).has_value());
}

TEST_CASE("verify_digest accepts what verify accepts, for the SHA-256 algorithms") {
  for (ht::Alg alg : {ht::Alg::kP256, ht::Alg::kRsa3072}) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    REQUIRE(k.pub.verify(as_bytes(kMessage), sig).has_value());
    auto digest = hv::sha256(as_bytes(kMessage));
    REQUIRE(digest);
    CHECK(k.pub.verify_digest(*digest, sig).has_value());
  }
}

TEST_CASE("verify_digest refuses the digest of another message and a flipped signature") {
  for (ht::Alg alg : {ht::Alg::kP256, ht::Alg::kRsa3072}) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    auto other = hv::sha256(as_bytes(kMessage + " "));
    REQUIRE(other);
    auto r = k.pub.verify_digest(*other, sig);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kVerificationFailed);
    CHECK(r.error().message.find(k.pub.key_id()) != std::string::npos);
    auto digest = hv::sha256(as_bytes(kMessage));
    REQUIRE(digest);
    CHECK_FALSE(k.pub.verify_digest(*digest, flipped(sig, sig.size() / 2)).has_value());
  }
}

TEST_CASE("verify_digest refuses Ed25519 and P-384 as a usage error (not SHA-256 digests)") {
  for (ht::Alg alg : {ht::Alg::kEd25519, ht::Alg::kP384}) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const Bytes sig = ht::sign(k, as_bytes(kMessage));
    auto digest = hv::sha256(as_bytes(kMessage));
    REQUIRE(digest);
    auto r = k.pub.verify_digest(*digest, sig);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kUsage);
  }
}

// A key's verify context is made once and copied for each signature
// (verifier/core/public_key.cpp): copies used at once from several threads, good and bad
// signatures interleaved, must give each call the verdict it gives alone.
TEST_CASE("one key verifying good and tampered signatures from several threads at once gives each its own verdict") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg, 2);  // a key no other case has verified with yet
    const Bytes good = ht::sign(k, as_bytes(kMessage));
    const Bytes bad = flipped(good, good.size() / 2);
    constexpr std::size_t kThreads = 4;
    constexpr int kRounds = 25;
    std::array<int, kThreads> wrong{};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const hv::PublicKey copy = k.pub;
        for (int i = 0; i < kRounds; ++i) {
          if (!copy.verify(as_bytes(kMessage), good).has_value()) ++wrong[t];
          if (copy.verify(as_bytes(kMessage), bad).has_value()) ++wrong[t];
          if (ERR_peek_error() != 0) ++wrong[t];
        }
      });
    }
    for (auto& th : threads) th.join();
    for (std::size_t t = 0; t < kThreads; ++t) CHECK(wrong[t] == 0);
  }
}
