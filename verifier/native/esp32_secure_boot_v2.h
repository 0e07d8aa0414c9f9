// ESP32 Secure Boot V2: the signature sector Espressif's ROM and second-stage bootloader
// check, parsed and verified exactly as espsecure's `verify_signature --version 2` does.
//
// A signed image is the unsigned image padded with 0xFF to a 4096-byte boundary, followed
// by one 4096-byte signature sector holding up to three 1216-byte signature blocks (the
// rest of the sector erased, 0xFF). Each block carries magic 0xE7, a scheme version
// (0x02 RSA-3072 RSASSA-PSS, 0x03 ECDSA), the SHA-256 of everything before the sector, the
// public key in the form the hardware uses (little-endian), the signature (little-endian)
// and a CRC-32 (zlib / IEEE 802.3) of its first 1196 bytes. The eFuse holds SHA-256 of the
// block's public-key fields (bytes 36..812 for RSA, 36..101 for ECDSA P-256).
// verify_esp32_sbv2() accepts an image only if every present block is well formed (magic,
// CRC, reserved bytes, image digest) and a block carrying exactly `expected_key` verifies;
// it never decides which key a device trusts — the caller supplies it.
// Pure: bytes in, verdict out; never reads key material, files or tokens.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <cstdint>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/native/prefix_hasher.h"

namespace hallmark::native {

// Layout constants from Espressif's "Secure Boot v2 — Signature Block Format" tables.
namespace esp32 {
inline constexpr std::size_t kSectorSize = 4096;
inline constexpr std::size_t kBlockSize = 1216;
inline constexpr std::size_t kMaxBlocks = 3;
inline constexpr std::uint8_t kMagic = 0xE7;
inline constexpr std::uint8_t kVersionRsa = 0x02;
inline constexpr std::uint8_t kVersionEcdsa = 0x03;
inline constexpr std::uint8_t kEcdsaSha256 = 0x00;  // byte 2 of an ECDSA block
inline constexpr std::uint8_t kCurveP256 = 2;
inline constexpr std::uint8_t kErased = 0xFF;

inline constexpr std::size_t kMagicOffset = 0;
inline constexpr std::size_t kVersionOffset = 1;
inline constexpr std::size_t kDigestOffset = 4;
inline constexpr std::size_t kKeyOffset = 36;  // public-key fields start (both schemes)
// RSA-3072 (version 0x02)
inline constexpr std::size_t kRsaModulusOffset = 36;    // n, 384 bytes little-endian
inline constexpr std::size_t kRsaExponentOffset = 420;  // e, uint32 little-endian
inline constexpr std::size_t kRsaROffset = 424;         // R = 2^6144 mod n, 384 bytes LE
inline constexpr std::size_t kRsaMPrimeOffset = 808;    // M' = -n^-1 mod 2^32, uint32 LE
inline constexpr std::size_t kRsaSignatureOffset = 812; // RSA-PSS signature, 384 bytes LE
inline constexpr std::size_t kRsaKeyEnd = 812;
inline constexpr std::size_t kRsaSize = 384;
// ECDSA P-256 (version 0x03, SHA-256)
inline constexpr std::size_t kEcdsaCurveOffset = 36;      // curve id, 1 byte
inline constexpr std::size_t kEcdsaPointOffset = 37;      // X then Y, 32 bytes LE each
inline constexpr std::size_t kEcdsaSignatureOffset = 101; // r then s, 32 bytes LE each
inline constexpr std::size_t kEcdsaReservedOffset = 165;  // 1031 zero bytes
inline constexpr std::size_t kEcdsaKeyEnd = 101;
inline constexpr std::size_t kP256Size = 32;
// Both
inline constexpr std::size_t kCrcOffset = 1196;      // CRC-32 of bytes [0, 1196), LE
inline constexpr std::size_t kPaddingOffset = 1200;  // 16 zero bytes
}  // namespace esp32

enum class Esp32Scheme { kRsaPss3072, kEcdsaP256 };

struct Esp32SignatureInfo {
  Esp32Scheme scheme = Esp32Scheme::kRsaPss3072;
  std::size_t image_size = 0;        // padded image: bytes before the signature sector
  verifier::Digest image_digest;     // SHA-256 of those bytes
  verifier::Digest key_digest;       // what the eFuse must hold for expected_key
  std::size_t block_index = 0;       // the block that verified
  std::size_t block_count = 0;       // blocks present in the sector
};

// The same verification for an image that streams past in blocks of any size (an archive
// entry whose length is known up front): every byte is hashed once — the image digest is a
// prefix of the stream's digest and the signature is checked over that digest — and only
// the last 4096-byte sector is kept, so memory does not depend on the image size.
// update() in order, then finish() once (the SHA-256 of all the bytes, and a check that
// exactly `signed_size` arrived), then verify() with the key, as often as wanted.
// verify_esp32_sbv2() below is this class fed one block.
class Esp32Sbv2Stream {
 public:
  explicit Esp32Sbv2Stream(std::uint64_t signed_size);

  // Also keep the digest of the first `length` bytes (see prefix_digest()); before update().
  void add_prefix_digest(std::uint64_t length) { hash_.add_checkpoint(length); }
  void update(ByteView block);
  [[nodiscard]] Result<verifier::Digest> finish();
  [[nodiscard]] Result<Esp32SignatureInfo> verify(const verifier::PublicKey& expected_key) const;
  [[nodiscard]] std::optional<verifier::Digest> prefix_digest(std::uint64_t length) const {
    return hash_.at(length);
  }

 private:
  std::uint64_t signed_size_;
  bool sized_ok_;            // a non-empty padded image plus one sector
  std::uint64_t sector_at_;  // offset of the signature sector
  PrefixHasher hash_;
  std::array<std::byte, esp32::kSectorSize> sector_{};
  bool finished_ = false;
  std::optional<Error> error_;
};

// Ok only if `signed_image` is a whole Secure Boot V2 image signed by `expected_key`.
// kUsage for a key ESP32 cannot use (anything but RSA-3072 and ECDSA P-256);
// kVerificationFailed, naming the block and field, for everything else.
[[nodiscard]] Result<Esp32SignatureInfo> verify_esp32_sbv2(ByteView signed_image,
                                                           const verifier::PublicKey& expected_key);

// The public-key fields exactly as a signature block holds them: 776 bytes
// (n, e, R, M') for RSA-3072, 65 bytes (curve id, X, Y) for ECDSA P-256. kUsage otherwise.
[[nodiscard]] Result<Bytes> esp32_public_key_fields(const verifier::PublicKey& key);

// SHA-256 of esp32_public_key_fields(key): the digest burned into the eFuse key block.
[[nodiscard]] Result<verifier::Digest> esp32_key_digest(const verifier::PublicKey& key);

// CRC-32 as zlib.crc32 computes it (reflected, polynomial 0xEDB88320, initial value and
// final xor 0xFFFFFFFF); "123456789" gives 0xCBF43926.
[[nodiscard]] std::uint32_t esp32_crc32(ByteView data) noexcept;

}  // namespace hallmark::native
