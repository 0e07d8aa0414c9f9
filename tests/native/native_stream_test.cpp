// Streaming native verifiers (Esp32Sbv2Stream, McubootStream): fed in blocks of any size
// they must give exactly the verdict of whole-buffer verification, tamper included, and
// refuse a stream that ends early or runs long.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "signer/native/esp32_signer.h"
#include "signer/native/mcuboot_signer.h"
#include "tests/native/native_test_support.h"
#include "tests/support/test_keys.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"
#include "verifier/native/prefix_hasher.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

const std::vector<std::size_t> kSplits = {1, 31, 32, 33, 64, 4095, 4096, 4097, 1 << 20};

template <typename Stream>
auto streamed(ByteView image, std::size_t block, const verifier::PublicKey& key,
              Bytes* file_digest = nullptr) {
  Stream stream(image.size());
  for (std::size_t at = 0; at < image.size(); at += block) {
    stream.update(image.subspan(at, std::min(block, image.size() - at)));
  }
  auto digest = stream.finish();
  if (digest && file_digest != nullptr) {
    *file_digest = Bytes(digest->bytes().begin(), digest->bytes().end());
  }
  return stream.verify(key);
}

Bytes esp32_image(const std::string& kind, ossl::PkeyPtr& key, std::size_t size = 10000) {
  key = generate_openssl_key(kind);
  REQUIRE(key);
  auto out = native::sign_esp32_sbv2(firmware(size), public_key_of(key.get()),
                                     memory_signer(key.get()));
  REQUIRE(out);
  return std::move(*out);
}

Bytes mcuboot_image(ossl::PkeyPtr& key) {
  key = generate_openssl_key("P-256");
  native::McubootParams p;
  p.header_size = 0x200;
  p.version = {1, 2, 3, 4};
  p.security_counter = 7;
  auto out = native::sign_mcuboot(firmware(9000), p, public_key_of(key.get()),
                                  memory_signer(key.get()));
  REQUIRE(out);
  return std::move(*out);
}

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("prefix digests from one pass equal hashing each prefix, at any split") {
  const Bytes data = firmware(10000);
  for (std::size_t block : kSplits) {
    CAPTURE(block);
    native::PrefixHasher h;
    h.add_checkpoint(0);
    h.add_checkpoint(4095);
    h.add_checkpoint(5904);
    for (std::size_t at = 0; at < data.size(); at += block) {
      h.update(ByteView(data).subspan(at, std::min(block, data.size() - at)));
    }
    for (std::size_t n : {std::size_t{0}, std::size_t{4095}, std::size_t{5904}}) {
      auto d = h.at(n);
      REQUIRE(d);
      CHECK(Bytes(d->bytes().begin(), d->bytes().end()) ==
            openssl_sha256(ByteView(data).first(n)));
    }
    CHECK_FALSE(h.at(7).has_value());  // never asked for
    auto all = h.finish();
    REQUIRE(all);
    CHECK(Bytes(all->bytes().begin(), all->bytes().end()) == openssl_sha256(data));
  }
}

TEST_CASE("an ESP32 image streamed in 1, 4095, 4097... byte blocks verifies like the whole") {
  for (const std::string kind : {"RSA", "P-256"}) {
    CAPTURE(kind);
    ossl::PkeyPtr key;
    const Bytes image = esp32_image(kind, key);
    const auto pub = public_key_of(key.get());
    auto whole = native::verify_esp32_sbv2(image, pub);
    REQUIRE(whole);
    for (std::size_t block : kSplits) {
      CAPTURE(block);
      Bytes file_digest;
      auto r = streamed<native::Esp32Sbv2Stream>(image, block, pub, &file_digest);
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
      CHECK(r->image_digest == whole->image_digest);
      CHECK(r->key_digest == whole->key_digest);
      CHECK(r->image_size == whole->image_size);
      CHECK(file_digest == openssl_sha256(image));
    }
  }
}

TEST_CASE("a byte flipped in an ESP32 image's body, padding or last sector is caught at any split") {
  ossl::PkeyPtr key;
  const Bytes image = esp32_image("P-256", key);
  const auto pub = public_key_of(key.get());
  for (std::size_t at : {std::size_t{0}, std::size_t{10001}, image.size() - 4096 + 4,
                         image.size() - 4096 + 120, image.size() - 1}) {
    Bytes bad = image;
    bad[at] ^= std::byte{0x01};
    const auto whole = native::verify_esp32_sbv2(bad, pub);
    REQUIRE_FALSE(whole.has_value());
    for (std::size_t block : kSplits) {
      CAPTURE(at);
      CAPTURE(block);
      auto r = streamed<native::Esp32Sbv2Stream>(bad, block, pub);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().message == whole.error().message);
    }
  }
}

TEST_CASE("an ESP32 stream that ends early or runs past its announced size is refused") {
  ossl::PkeyPtr key;
  const Bytes image = esp32_image("P-256", key);
  const auto pub = public_key_of(key.get());
  native::Esp32Sbv2Stream short_stream(image.size());
  short_stream.update(ByteView(image).first(image.size() - 1));
  CHECK_FALSE(short_stream.finish().has_value());
  auto r = short_stream.verify(pub);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("truncated") != std::string::npos);

  native::Esp32Sbv2Stream long_stream(image.size() - 1);
  long_stream.update(image);
  CHECK_FALSE(long_stream.finish().has_value());
  CHECK_FALSE(long_stream.verify(pub).has_value());
}

TEST_CASE("an MCUboot image streamed at awkward splits verifies like the whole") {
  ossl::PkeyPtr key;
  const Bytes image = mcuboot_image(key);
  const auto pub = public_key_of(key.get());
  auto whole = native::verify_mcuboot(image, pub);
  REQUIRE(whole);
  for (std::size_t block : kSplits) {
    CAPTURE(block);
    Bytes file_digest;
    auto r = streamed<native::McubootStream>(image, block, pub, &file_digest);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->image_hash == whole->image_hash);
    CHECK(r->security_counter == whole->security_counter);
    CHECK(r->version == whole->version);
    CHECK(file_digest == openssl_sha256(image));
  }
}

TEST_CASE("a byte flipped in an MCUboot header, body or TLV is caught at any split") {
  ossl::PkeyPtr key;
  const Bytes image = mcuboot_image(key);
  const auto pub = public_key_of(key.get());
  // magic, header size, image size, body, protected TLV, signature, last byte
  for (std::size_t at : {std::size_t{0}, std::size_t{8}, std::size_t{12}, std::size_t{700},
                         std::size_t{0x200 + 9000 + 8}, image.size() - 10, image.size() - 1}) {
    Bytes bad = image;
    bad[at] ^= std::byte{0x01};
    const auto whole = native::verify_mcuboot(bad, pub);
    REQUIRE_FALSE(whole.has_value());
    for (std::size_t block : kSplits) {
      CAPTURE(at);
      CAPTURE(block);
      auto r = streamed<native::McubootStream>(bad, block, pub);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().message == whole.error().message);
    }
  }
}

TEST_CASE("an MCUboot stream cut short is refused as truncated") {
  ossl::PkeyPtr key;
  const Bytes image = mcuboot_image(key);
  const auto pub = public_key_of(key.get());
  for (std::size_t keep : {std::size_t{10}, std::size_t{32}, image.size() - 1}) {
    CAPTURE(keep);
    native::McubootStream s(image.size());
    s.update(ByteView(image).first(keep));
    CHECK_FALSE(s.finish().has_value());
    auto r = s.verify(pub);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("truncated") != std::string::npos);
  }
}

}  // TEST_SUITE
