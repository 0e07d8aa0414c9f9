// MCUboot images with in-memory OpenSSL keys: header and TLV bytes checked at the offsets
// MCUboot documents (native_test_support), and every tampering refused by verify_mcuboot()
// with the field named.
#include <doctest/doctest.h>

#include <string>

#include "signer/native/mcuboot_signer.h"
#include "tests/native/native_test_support.h"
#include "tests/support/test_keys.h"
#include "verifier/native/mcuboot.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

constexpr std::uint16_t kHeader = 0x200;
constexpr std::size_t kBodySize = 3000;

native::McubootParams params(std::uint32_t load_addr = 0) {
  native::McubootParams p;
  p.load_addr = load_addr;
  p.header_size = kHeader;
  p.version = {1, 2, 3, 4};
  p.security_counter = 0x01020304;
  return p;
}

ExpectedMcuboot expected(const Bytes& body, std::uint8_t fill = 0xFF) {
  ExpectedMcuboot e;
  e.body = body;
  e.header_size = kHeader;
  e.major = 1;
  e.minor = 2;
  e.revision = 3;
  e.build = 4;
  e.security_counter = 0x01020304;
  e.header_fill = fill;
  return e;
}

struct Signed {
  ossl::PkeyPtr key;
  verifier::PublicKey pub;
  Bytes body;
  Bytes out;
  std::size_t tlv_info = 0;  // offset of the 0x6907 info
};

Signed make_signed() {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  Bytes body = firmware(kBodySize);
  auto out = native::sign_mcuboot(body, params(), pub, memory_signer(key.get()));
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  const std::size_t tlv_info = kHeader + kBodySize + 12;
  return {std::move(key), pub, std::move(body), std::move(*out), tlv_info};
}

void expect_refused(ByteView image, const verifier::PublicKey& key, const std::string& needle) {
  auto result = native::verify_mcuboot(image, key);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::kVerificationFailed);
  CHECK_MESSAGE(result.error().message.find(needle) != std::string::npos,
                result.error().message);
}

void flip(Bytes& bytes, std::size_t at) { bytes[at] ^= std::byte{0x01}; }

void put_le16(Bytes& bytes, std::size_t at, std::uint16_t v) {
  bytes[at] = std::byte{static_cast<std::uint8_t>(v & 0xFF)};
  bytes[at + 1] = std::byte{static_cast<std::uint8_t>(v >> 8)};
}

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("a raw body gets header, protected TLVs and TLVs at MCUboot's documented offsets") {
  auto s = make_signed();
  const std::size_t q = check_mcuboot_layout(s.out, expected(s.body), s.pub.spki_der());
  CHECK(q == s.tlv_info);
  auto info = native::verify_mcuboot(s.out, s.pub);
  REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
  CHECK(info->header_size == kHeader);
  CHECK(info->image_size == kBodySize);
  CHECK(info->protected_tlv_size == 12);
  CHECK(info->flags == 0);
  CHECK(info->version.to_string() == "1.2.3+4");
  REQUIRE(info->security_counter.has_value());
  CHECK(*info->security_counter == 0x01020304u);
  CHECK(Bytes(info->image_hash.bytes().begin(), info->image_hash.bytes().end()) ==
        openssl_sha256(ByteView(s.out).first(q)));
}

TEST_CASE("a build with zeroed header space keeps its body; the header overwrites the zeros") {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  const Bytes body = firmware(kBodySize, 7);
  Bytes input(kHeader, std::byte{0});
  input.insert(input.end(), body.begin(), body.end());
  auto out = native::sign_mcuboot(input, params(), pub, memory_signer(key.get()));
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  check_mcuboot_layout(*out, expected(body, 0x00), pub.spki_der());
  CHECK(native::verify_mcuboot(*out, pub).has_value());
}

TEST_CASE("a non-zero load address sets IMAGE_F_RAM_LOAD, as imgtool --load-addr does") {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  const Bytes body = firmware(100);
  auto out = native::sign_mcuboot(body, params(0x20000000), pub, memory_signer(key.get()));
  REQUIRE(out.has_value());
  auto e = expected(body);
  e.load_addr = 0x20000000;
  check_mcuboot_layout(*out, e, pub.spki_der());
  auto info = native::verify_mcuboot(*out, pub);
  REQUIRE(info.has_value());
  CHECK(info->flags == native::mcuboot::kFlagRamLoad);
  CHECK(info->load_addr == 0x20000000u);
}

TEST_CASE("the key hash is SHA-256 of the SPKI DER: the same 32 bytes as the DSSE key id") {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  auto hash = native::mcuboot_key_hash(pub);
  REQUIRE(hash.has_value());
  CHECK(hash->hex() == pub.key_id());
  CHECK(Bytes(hash->bytes().begin(), hash->bytes().end()) == openssl_sha256(spki_of(key.get())));
}

TEST_CASE("signing refuses keys other than ECDSA P-256, with the key named") {
  for (const char* kind : {"RSA", "P-384", "ED25519"}) {
    auto key = generate_openssl_key(kind);
    auto pub = public_key_of(key.get());
    auto out = native::sign_mcuboot(firmware(10), params(), pub, memory_signer(key.get()));
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ErrorCode::kUsage);
    CHECK(out.error().message.find("ECDSA P-256") != std::string::npos);
    CHECK(out.error().message.find(pub.key_id()) != std::string::npos);
    CHECK(native::verify_mcuboot(firmware(100), pub).error().code == ErrorCode::kUsage);
  }
}

TEST_CASE("signing refuses bad parameters and already-signed input") {
  auto key = generate_openssl_key("P-256");
  auto pub = public_key_of(key.get());
  auto p = params();
  p.header_size = 16;
  CHECK(native::sign_mcuboot(firmware(10), p, pub, memory_signer(key.get())).error().code ==
        ErrorCode::kUsage);
  p = params();
  p.header_space = native::McubootHeaderSpace::kReserved;
  auto reserved = native::sign_mcuboot(firmware(1000), p, pub, memory_signer(key.get()));
  REQUIRE_FALSE(reserved.has_value());
  CHECK(reserved.error().message.find("zero bytes reserved") != std::string::npos);
  auto once = native::sign_mcuboot(firmware(10), params(), pub, memory_signer(key.get()));
  REQUIRE(once.has_value());
  auto twice = native::sign_mcuboot(*once, params(), pub, memory_signer(key.get()));
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message.find("already starts with an MCUboot header") != std::string::npos);
}

TEST_CASE("a callback that signs with another key yields an error, not an image") {
  auto release = generate_openssl_key("P-256");
  auto other = generate_openssl_key("P-256");
  auto out = native::sign_mcuboot(firmware(10), params(), public_key_of(release.get()),
                                  memory_signer(other.get()));
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("a byte flipped in the body, the header or the SHA256 TLV is an image hash mismatch") {
  for (std::size_t at : {std::size_t{kHeader + 10}, std::size_t{21}, std::size_t{4},
                         std::size_t{kHeader + kBodySize + 12 + 4 + 4 + 5}}) {
    auto s = make_signed();
    flip(s.out, at);
    expect_refused(s.out, s.pub, "image hash mismatch");
  }
}

TEST_CASE("a tampered security counter TLV is refused (it is protected by the hash)") {
  auto s = make_signed();
  s.out[kHeader + kBodySize + 8] = std::byte{0xFF};  // lowest byte of SEC_CNT's value
  expect_refused(s.out, s.pub, "image hash mismatch");
}

TEST_CASE("a byte flipped in the KEYHASH TLV or a wrong key is refused as another key") {
  auto s = make_signed();
  auto other = generate_openssl_key("P-256");
  expect_refused(s.out, public_key_of(other.get()), "signed for another key");
  flip(s.out, s.tlv_info + 4 + 36 + 4 + 3);
  expect_refused(s.out, s.pub, "signed for another key");
}

TEST_CASE("a byte flipped inside the ECDSA signature is refused") {
  auto s = make_signed();
  flip(s.out, s.tlv_info + 4 + 72 + 4 + 10);  // inside r
  expect_refused(s.out, s.pub, "signature does not verify");
}

TEST_CASE("a truncated image is refused") {
  auto s = make_signed();
  expect_refused(ByteView(s.out).first(s.out.size() - 1), s.pub, "remain");
  expect_refused(ByteView(s.out).first(kHeader + kBodySize), s.pub, "protected TLV area");
  expect_refused(ByteView(s.out).first(kHeader + 100), s.pub, "truncated");
  expect_refused(ByteView(s.out).first(20), s.pub, "truncated");
}

TEST_CASE("bytes after the TLV area are refused") {
  auto s = make_signed();
  s.out.push_back(std::byte{0xFF});
  expect_refused(s.out, s.pub, "follow the TLV area");
}

TEST_CASE("an extra unprotected TLV is refused even when the area size is adjusted") {
  auto s = make_signed();
  const std::uint16_t total = le16(s.out, s.tlv_info + 2);
  for (std::byte b : {std::byte{0x50}, std::byte{0}, std::byte{4}, std::byte{0}, std::byte{0xFF},
                      std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}}) {
    s.out.push_back(b);  // an unprotected SEC_CNT claiming counter 0xffffffff
  }
  put_le16(s.out, s.tlv_info + 2, static_cast<std::uint16_t>(total + 8));
  expect_refused(s.out, s.pub, "unexpected TLV type 0x50");
}

TEST_CASE("header and TLV info sizes that disagree with the layout are refused") {
  auto s = make_signed();
  Bytes wrong_protect = s.out;
  put_le16(wrong_protect, 10, 0);
  expect_refused(wrong_protect, s.pub, "protected TLV area");
  Bytes wrong_magic = s.out;
  put_le16(wrong_magic, s.tlv_info, 0x6906);
  expect_refused(wrong_magic, s.pub, "expected 0x6907");
  Bytes bigger_body = s.out;
  put_le16(bigger_body, 12, static_cast<std::uint16_t>(kBodySize + 4));
  CHECK_FALSE(native::verify_mcuboot(bigger_body, s.pub).has_value());
  Bytes encrypted = s.out;
  encrypted[16] = std::byte{0x04};
  expect_refused(encrypted, s.pub, "encrypted");
  Bytes not_mcuboot = s.out;
  not_mcuboot[0] = std::byte{0};
  expect_refused(not_mcuboot, s.pub, "not an MCUboot image");
}

}  // TEST_SUITE
