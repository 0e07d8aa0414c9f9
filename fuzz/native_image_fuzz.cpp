// Signed native images inside a bundle (MCUboot and ESP32 Secure Boot V2: what a release
// pipeline, or whoever forged the bundle, supplies): the streaming verifiers the bundle
// reader drives (McubootStream, Esp32Sbv2Stream), fed in blocks whose sizes the input
// chooses, against the one-shot verify_mcuboot() and verify_esp32_sbv2(). How an image is
// cut into blocks must not change the verdict. The first byte picks the block size.
#include <algorithm>

#include "fuzz/fuzz_support.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"

namespace {

template <typename Stream>
auto streamed(hallmark::ByteView image, std::size_t block, const hallmark::verifier::PublicKey& key) {
  Stream stream(image.size());
  for (std::size_t at = 0; at < image.size(); at += block) {
    stream.update(image.subspan(at, std::min(block, image.size() - at)));
  }
  auto digest = stream.finish();
  if (!digest) hallmark::fuzz::finding("finish() refused exactly the declared size");
  auto whole = hallmark::verifier::sha256(image);
  if (!whole || *whole != *digest) hallmark::fuzz::finding("the stream's digest is not the image's");
  return stream.verify(key);
}

}  // namespace

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::p256_key();
  (void)hallmark::fuzz::rsa3072_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size < 1) return 0;
  // 1..16-byte blocks (splitting the headers) or 1 KiB..16 KiB ones (fast on whole images).
  // Tiny blocks only for images of up to 16 KiB: a whole image a byte at a time is 200 000
  // hash updates, over the 1 s budget under ASan, and not how any reader feeds it.
  const ByteView image = fuzz::bytes_of(data + 1, size - 1);
  std::size_t block = data[0] < 16 ? std::size_t{data[0]} + 1 : std::size_t{data[0]} * 64;
  if (image.size() > 16 * 1024) block = std::max<std::size_t>(block, 1024);
  for (const auto* key : {&fuzz::p256_key(), &fuzz::rsa3072_key()}) {
    const bool mcuboot_once = native::verify_mcuboot(image, *key).has_value();
    if (streamed<native::McubootStream>(image, block, *key).has_value() != mcuboot_once) {
      fuzz::finding("MCUboot verdict depends on how the image is cut into blocks");
    }
    const bool esp32_once = native::verify_esp32_sbv2(image, *key).has_value();
    if (streamed<native::Esp32Sbv2Stream>(image, block, *key).has_value() != esp32_once) {
      fuzz::finding("ESP32 verdict depends on how the image is cut into blocks");
    }
  }
  return 0;
}
