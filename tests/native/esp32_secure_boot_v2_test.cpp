// ESP32 Secure Boot V2 with in-memory OpenSSL keys: every field of a produced block checked
// against Espressif's table by the independent parser in native_test_support, and every
// tampering refused by verify_esp32_sbv2() with the field named.
#include <doctest/doctest.h>

#include <string>

#include "signer/native/esp32_signer.h"
#include "tests/native/native_test_support.h"
#include "tests/support/test_keys.h"
#include "verifier/native/esp32_secure_boot_v2.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

constexpr std::size_t kUnsignedSize = 5000;  // padded to 8192
constexpr std::size_t kBlock = 8192;         // offset of the signature sector

struct Signed {
  ossl::PkeyPtr key;
  verifier::PublicKey pub;
  Bytes image;
  Bytes out;
};

Signed make_signed(const std::string& kind, std::size_t size = kUnsignedSize) {
  auto key = generate_openssl_key(kind);
  REQUIRE(key);
  auto pub = public_key_of(key.get());
  Bytes image = firmware(size);
  auto out = native::sign_esp32_sbv2(image, pub, memory_signer(key.get()));
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  return {std::move(key), pub, std::move(image), std::move(*out)};
}

void expect_refused(ByteView image, const verifier::PublicKey& key, const std::string& needle) {
  auto result = native::verify_esp32_sbv2(image, key);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::kVerificationFailed);
  CHECK_MESSAGE(result.error().message.find(needle) != std::string::npos,
                result.error().message);
}

void flip(Bytes& bytes, std::size_t at) { bytes[at] ^= std::byte{0x01}; }

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("CRC-32 check value: \"123456789\" gives 0xCBF43926 (zlib.crc32, the block's CRC)") {
  const ByteView check = as_bytes("123456789");
  CHECK(reference_crc32(check) == 0xCBF43926u);
  CHECK(native::esp32_crc32(check) == 0xCBF43926u);
  CHECK(native::esp32_crc32({}) == 0u);
  // The variant without the final xor (0x340BC6D9) is not what espsecure writes.
  CHECK(native::esp32_crc32(check) != 0x340BC6D9u);
}

TEST_CASE("an RSA-3072 block has every field where Espressif's table puts it") {
  auto s = make_signed("RSA");
  const Bytes efuse = check_esp32_layout(s.out, s.image, s.pub.spki_der(), v1::RSA_PSS_3072_SHA256);
  auto info = native::verify_esp32_sbv2(s.out, s.pub);
  REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
  CHECK(info->scheme == native::Esp32Scheme::kRsaPss3072);
  CHECK(info->image_size == kBlock);
  CHECK(info->block_index == 0);
  CHECK(info->block_count == 1);
  CHECK(Bytes(info->image_digest.bytes().begin(), info->image_digest.bytes().end()) ==
        openssl_sha256(ByteView(s.out).first(kBlock)));
  CHECK(Bytes(info->key_digest.bytes().begin(), info->key_digest.bytes().end()) == efuse);
  auto digest = native::esp32_key_digest(s.pub);
  REQUIRE(digest.has_value());
  CHECK(*digest == info->key_digest);
}

TEST_CASE("an ECDSA P-256 block has every field where Espressif's table puts it") {
  auto s = make_signed("P-256");
  const Bytes efuse = check_esp32_layout(s.out, s.image, s.pub.spki_der(), v1::ECDSA_P256_SHA256);
  auto info = native::verify_esp32_sbv2(s.out, s.pub);
  REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
  CHECK(info->scheme == native::Esp32Scheme::kEcdsaP256);
  CHECK(Bytes(info->key_digest.bytes().begin(), info->key_digest.bytes().end()) == efuse);
  auto fields = native::esp32_public_key_fields(s.pub);
  REQUIRE(fields.has_value());
  CHECK(fields->size() == 65);
}

TEST_CASE("the eFuse digest hashes the block's key fields, not the SPKI (it is not the key id)") {
  auto s = make_signed("P-256");
  auto digest = native::esp32_key_digest(s.pub);
  REQUIRE(digest.has_value());
  CHECK(digest->hex() != s.pub.key_id());
  CHECK(Bytes(digest->bytes().begin(), digest->bytes().end()) ==
        openssl_sha256(ByteView(s.out).subspan(kBlock + 36, 65)));
}

TEST_CASE("an image already on a 4096-byte boundary is signed without extra padding") {
  auto s = make_signed("P-256", 8192);
  CHECK(s.out.size() == 8192 + 4096);
  check_esp32_layout(s.out, s.image, s.pub.spki_der(), v1::ECDSA_P256_SHA256);
  CHECK(native::verify_esp32_sbv2(s.out, s.pub).has_value());
}

TEST_CASE("the sign callback is called once, over the 0xff-padded image") {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  int calls = 0;
  std::size_t seen = 0;
  auto inner = memory_signer(key.get(), &calls);
  auto out = native::sign_esp32_sbv2(firmware(100), pub, [&](ByteView m) {
    seen = m.size();
    return inner(m);
  });
  REQUIRE(out.has_value());
  CHECK(calls == 1);
  CHECK(seen == 4096);
}

TEST_CASE("signing refuses keys ESP32 cannot use, with the key named") {
  for (const char* kind : {"P-384", "ED25519"}) {
    auto key = generate_openssl_key(kind);
    auto pub = public_key_of(key.get());
    auto out = native::sign_esp32_sbv2(firmware(10), pub, memory_signer(key.get()));
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ErrorCode::kUsage);
    CHECK(out.error().message.find("RSA-3072") != std::string::npos);
    CHECK(out.error().message.find(pub.key_id()) != std::string::npos);
    CHECK(native::verify_esp32_sbv2(Bytes(8192), pub).error().code == ErrorCode::kUsage);
  }
}

TEST_CASE("signing refuses an empty image") {
  auto key = generate_openssl_key("P-256");
  auto out = native::sign_esp32_sbv2({}, public_key_of(key.get()), memory_signer(key.get()));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == ErrorCode::kUsage);
}

TEST_CASE("a callback that signs with another key yields an error, not an image") {
  auto release = generate_openssl_key("P-256");
  auto other = generate_openssl_key("P-256");
  auto out = native::sign_esp32_sbv2(firmware(10), public_key_of(release.get()),
                                     memory_signer(other.get()));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == ErrorCode::kVerificationFailed);
  CHECK(out.error().message.find("does not verify") != std::string::npos);
}

TEST_CASE("a byte flipped in the image body is refused (image digest)") {
  for (const char* kind : {"RSA", "P-256"}) {
    auto s = make_signed(kind);
    flip(s.out, 1234);
    expect_refused(s.out, s.pub, "image digest does not match");
  }
}

TEST_CASE("a byte flipped in the 0xff secure padding is refused (it is signed too)") {
  auto s = make_signed("P-256");
  flip(s.out, kUnsignedSize + 10);
  expect_refused(s.out, s.pub, "image digest does not match");
}

TEST_CASE("a byte flipped in the signature is refused even with the CRC recomputed") {
  for (auto [kind, at] : {std::pair{"RSA", std::size_t{812 + 100}}, {"P-256", 101 + 40}}) {
    auto s = make_signed(kind);
    flip(s.out, kBlock + at);
    expect_refused(s.out, s.pub, "CRC32 mismatch");
    fix_esp32_crc(s.out, kBlock);
    expect_refused(s.out, s.pub, "signature does not verify");
  }
}

TEST_CASE("a byte flipped in the public key (n, R or X; CRC recomputed) finds no block for the key") {
  for (auto [kind, at] : {std::pair{"RSA", std::size_t{36 + 7}}, {"RSA", 424 + 3}, {"P-256", 37}}) {
    auto s = make_signed(kind);
    flip(s.out, kBlock + at);
    fix_esp32_crc(s.out, kBlock);
    expect_refused(s.out, s.pub, "no signature block for key");
  }
}

TEST_CASE("a flipped CRC byte is refused as a corrupt block") {
  auto s = make_signed("RSA");
  flip(s.out, kBlock + 1196 + 2);
  expect_refused(s.out, s.pub, "CRC32 mismatch");
}

TEST_CASE("a rewritten image digest field (CRC recomputed) is refused") {
  auto s = make_signed("P-256");
  flip(s.out, kBlock + 4);
  fix_esp32_crc(s.out, kBlock);
  expect_refused(s.out, s.pub, "image digest does not match");
}

TEST_CASE("a wrong key is refused, naming the eFuse digests that are present") {
  auto s = make_signed("RSA");
  auto other = generate_openssl_key("RSA");
  auto other_pub = public_key_of(other.get());
  const std::string present = to_hex(openssl_sha256(ByteView(s.out).subspan(kBlock + 36, 776)));
  expect_refused(s.out, other_pub, "no signature block for key " + other_pub.key_id());
  expect_refused(s.out, other_pub, present);
  auto ecdsa = generate_openssl_key("P-256");
  expect_refused(s.out, public_key_of(ecdsa.get()), "no signature block for key");
}

TEST_CASE("a truncated image is refused") {
  auto s = make_signed("P-256");
  Bytes short_by_one(s.out.begin(), s.out.end() - 1);
  expect_refused(short_by_one, s.pub, "not a Secure Boot V2 signed image");
  Bytes without_sector(s.out.begin(), s.out.end() - 4096);
  CHECK_FALSE(native::verify_esp32_sbv2(without_sector, s.pub).has_value());
  Bytes only_sector(s.out.end() - 4096, s.out.end());
  expect_refused(only_sector, s.pub, "not a Secure Boot V2 signed image");
}

TEST_CASE("an image that was never padded and signed is refused") {
  auto s = make_signed("P-256");
  expect_refused(s.image, s.pub, "not a Secure Boot V2 signed image");
  expect_refused(firmware(8192), s.pub, "no signature block");
}

TEST_CASE("a flipped magic byte leaves no signature block") {
  auto s = make_signed("RSA");
  s.out[kBlock] = std::byte{0xE6};
  expect_refused(s.out, s.pub, "no signature block");
}

TEST_CASE("bytes after the last block must stay erased (0xff)") {
  auto s = make_signed("P-256");
  s.out[kBlock + 3000] = std::byte{0};
  expect_refused(s.out, s.pub, "not erased");
  auto t = make_signed("P-256");
  t.out[kBlock + 1200 + 3] = std::byte{1};  // the block's own zero padding
  expect_refused(t.out, t.pub, "padding bytes are not zero");
}

TEST_CASE("three keys: each of two blocks verifies for its own key, the third key is refused") {
  auto a = make_signed("RSA");
  auto b = make_signed("RSA");  // same firmware() bytes, so the same image digest
  REQUIRE(a.image == b.image);
  std::copy_n(b.out.begin() + kBlock, 1216, a.out.begin() + kBlock + 1216);
  auto for_a = native::verify_esp32_sbv2(a.out, a.pub);
  auto for_b = native::verify_esp32_sbv2(a.out, b.pub);
  REQUIRE((for_a.has_value() && for_b.has_value()));
  CHECK(for_a->block_index == 0);
  CHECK(for_b->block_index == 1);
  CHECK(for_b->block_count == 2);
  auto c = generate_openssl_key("RSA");
  expect_refused(a.out, public_key_of(c.get()), "2 block(s) present");
  // A second block whose CRC is broken spoils the sector even for the first key.
  flip(a.out, kBlock + 1216 + 900);
  expect_refused(a.out, a.pub, "signature block 1: CRC32 mismatch");
}

}  // TEST_SUITE
