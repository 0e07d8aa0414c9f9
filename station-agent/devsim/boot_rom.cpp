#include "station-agent/devsim/boot_rom.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "verifier/native/esp32_secure_boot_v2.h"

namespace hallmark::devsim {
namespace {

namespace esp32 = native::esp32;

// DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (RFC 5480).
constexpr std::array<unsigned char, 27> kP256SpkiPrefix = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
    0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

// The key a signature block claims, as the ROM reads it (coordinates little-endian).
Result<verifier::PublicKey> block_key(ByteView block) {
  if (std::to_integer<std::uint8_t>(block[esp32::kVersionOffset]) != esp32::kVersionEcdsa) {
    return fail(ErrorCode::kVerificationFailed, "RSA signature blocks are not modelled by the simulator");
  }
  if (std::to_integer<std::uint8_t>(block[esp32::kEcdsaCurveOffset]) != esp32::kCurveP256) {
    return fail(ErrorCode::kVerificationFailed, "signature block curve is not P-256");
  }
  Bytes spki;
  for (unsigned char c : kP256SpkiPrefix) spki.push_back(static_cast<std::byte>(c));
  for (std::size_t coord = 0; coord < 2; ++coord) {
    auto le = block.subspan(esp32::kEcdsaPointOffset + coord * esp32::kP256Size, esp32::kP256Size);
    spki.insert(spki.end(), le.rbegin(), le.rend());
  }
  return verifier::PublicKey::from_spki_der(spki);
}

// The end (exclusive) of the first signature sector found after the bootloader, or 0.
Result<std::size_t> find_signed_end(ByteView flash) {
  verifier::Sha256 hash;
  for (std::size_t at = esp32::kSectorSize; at + esp32::kSectorSize <= flash.size();
       at += esp32::kSectorSize) {
    hash.update(flash.subspan(at - esp32::kSectorSize, esp32::kSectorSize));
    auto sector = flash.subspan(at, esp32::kSectorSize);
    if (std::to_integer<std::uint8_t>(sector[0]) != esp32::kMagic) continue;
    auto digest = hash.peek();
    if (!digest) return std::unexpected(digest.error());
    if (std::ranges::equal(sector.subspan(esp32::kDigestOffset, verifier::Digest::kSize), digest->bytes())) {
      return at + esp32::kSectorSize;
    }
  }
  return std::size_t{0};
}

}  // namespace

device::BootVerdict check_boot(ByteView flash, const device::EfuseState& efuses) {
  if (flash.empty() || std::to_integer<std::uint8_t>(flash[0]) == 0xFF) {
    return {false, "no bootloader: flash at offset 0 is erased"};
  }
  if (!efuses.secure_boot_enabled) return {true, "secure boot disabled: bootloader not checked"};
  if (!efuses.key_digest_burned) return {false, "secure boot enabled but no key digest burned"};
  auto end = find_signed_end(flash);
  if (!end) return {false, "boot ROM failure: " + end.error().message};
  if (*end == 0) return {false, "refused: bootloader carries no Secure Boot V2 signature sector"};
  const ByteView image = flash.first(*end);
  const ByteView sector = image.last(esp32::kSectorSize);
  std::string why = "refused: no signature block carries the key whose digest is burned in eFuse";
  for (std::size_t i = 0; i < esp32::kMaxBlocks; ++i) {
    auto block = sector.subspan(i * esp32::kBlockSize, esp32::kBlockSize);
    if (std::to_integer<std::uint8_t>(block[0]) != esp32::kMagic) break;
    auto key = block_key(block);
    if (!key) {
      why = "refused: block " + std::to_string(i) + ": " + key.error().message;
      continue;
    }
    auto digest = native::esp32_key_digest(*key);
    if (!digest || *digest != efuses.key_digest) continue;
    auto verified = native::verify_esp32_sbv2(image, *key);
    if (!verified) return {false, "refused: " + verified.error().message};
    return {true, fmt::format("secure boot: bootloader ({} bytes) signed by key {}", *end,
                              key->key_id())};
  }
  return {false, why};
}

}  // namespace hallmark::devsim
