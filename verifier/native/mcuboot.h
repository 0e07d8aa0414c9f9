// MCUboot signed images: the image header, the protected TLV area and the TLV area that
// MCUboot's bootutil checks, parsed and verified as bootutil and `imgtool verify` do.
//
// Layout (all little-endian): a header of ih_hdr_size bytes (magic 0x96f3b83d, load
// address, header size, protected-TLV size, image size, flags, version, padding), the
// image body, an optional protected TLV area (info magic 0x6908; here it carries the
// security counter), then the TLV area (info magic 0x6907) with the SHA-256 of header +
// body + protected TLVs, the key hash (SHA-256 of the key's DER SubjectPublicKeyInfo, as
// imgtool embeds EC keys) and the ECDSA P-256 signature (DER) over those same bytes.
// verify_mcuboot() accepts an image only if its structure is exact (sizes agree, no
// trailing bytes, no duplicate or misplaced TLVs, no encryption), its hash matches, its
// key hash names `key` and the signature verifies under `key`.
// Pure: bytes in, verdict out; never reads key material, files or tokens.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/native/prefix_hasher.h"

namespace hallmark::native {

// Constants from MCUboot's bootutil/image.h and MCUboot's own design document ("Image
// Format"); summarised in docs/native-formats.md, "MCUboot".
namespace mcuboot {
inline constexpr std::uint32_t kImageMagic = 0x96f3b83d;
inline constexpr std::size_t kHeaderSize = 32;  // the fixed header; ih_hdr_size may be larger
inline constexpr std::uint16_t kTlvInfoMagic = 0x6907;
inline constexpr std::uint16_t kProtectedTlvInfoMagic = 0x6908;
inline constexpr std::size_t kTlvInfoSize = 4;  // magic u16, total u16 (including itself)
inline constexpr std::size_t kTlvHeaderSize = 4;  // type u16, length u16

inline constexpr std::uint16_t kTlvKeyHash = 0x01;
inline constexpr std::uint16_t kTlvPubKey = 0x02;
inline constexpr std::uint16_t kTlvSha256 = 0x10;
inline constexpr std::uint16_t kTlvEcdsaSig = 0x22;  // formerly IMAGE_TLV_ECDSA256
inline constexpr std::uint16_t kTlvSecCnt = 0x50;

inline constexpr std::uint32_t kFlagEncryptedAes128 = 0x04;
inline constexpr std::uint32_t kFlagEncryptedAes256 = 0x08;
inline constexpr std::uint32_t kFlagRamLoad = 0x20;

// Header field offsets.
inline constexpr std::size_t kMagicOffset = 0;
inline constexpr std::size_t kLoadAddrOffset = 4;
inline constexpr std::size_t kHdrSizeOffset = 8;
inline constexpr std::size_t kProtectTlvSizeOffset = 10;
inline constexpr std::size_t kImgSizeOffset = 12;
inline constexpr std::size_t kFlagsOffset = 16;
inline constexpr std::size_t kVersionOffset = 20;  // major u8, minor u8, revision u16, build u32
inline constexpr std::size_t kPad1Offset = 28;

inline constexpr std::size_t kMaxEcdsaP256DerSize = 72;
}  // namespace mcuboot

struct McubootVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t revision = 0;
  std::uint32_t build = 0;

  std::string to_string() const;  // "major.minor.revision+build"
  friend bool operator==(const McubootVersion&, const McubootVersion&) = default;
};

struct McubootImageInfo {
  std::uint32_t load_addr = 0;
  std::uint16_t header_size = 0;
  std::uint16_t protected_tlv_size = 0;
  std::uint32_t image_size = 0;  // body only, as ih_img_size
  std::uint32_t flags = 0;
  McubootVersion version;
  std::optional<std::uint32_t> security_counter;  // the protected SEC_CNT TLV, if present
  verifier::Digest image_hash;  // SHA-256 of header + body + protected TLVs
  verifier::Digest key_hash;    // the KEYHASH TLV (equals mcuboot_key_hash(key))
};

// The same verification for an image that streams past in blocks of any size (an archive
// entry whose length is known up front). The 32-byte header is parsed as soon as it has
// arrived; header, body and protected TLVs are hashed once as they stream (the image hash
// is a prefix of the stream's digest, and the signature is checked over it); only the TLV
// areas after the body are kept (at most two 64 KiB areas), so memory does not depend on
// the image size. update() in order, finish() once (SHA-256 of all the bytes; checks that
// exactly `total_size` arrived), then verify(). verify_mcuboot() is this class fed once.
class McubootStream {
 public:
  explicit McubootStream(std::uint64_t total_size);

  void update(ByteView block);
  [[nodiscard]] Result<verifier::Digest> finish();
  [[nodiscard]] Result<McubootImageInfo> verify(const verifier::PublicKey& key) const;
  // The header fields (not yet checked), once 32 bytes have arrived.
  [[nodiscard]] const std::optional<McubootImageInfo>& header() const noexcept {
    return header_;
  }

 private:
  void parse_header();

  std::uint64_t total_size_;
  PrefixHasher hash_;
  std::array<std::byte, mcuboot::kHeaderSize> header_bytes_{};
  std::optional<McubootImageInfo> header_;
  std::uint64_t tail_at_ = 0;  // end of the body: the TLV areas start here
  Bytes tail_;
  bool finished_ = false;
  std::optional<Error> error_;
};

// Ok only if `signed_image` is exactly one MCUboot image signed by `key` (ECDSA P-256).
// kUsage for another key type; kVerificationFailed naming the field at fault otherwise.
[[nodiscard]] Result<McubootImageInfo> verify_mcuboot(ByteView signed_image,
                                                      const verifier::PublicKey& key);

// SHA-256 of the key's DER SubjectPublicKeyInfo — what imgtool puts in IMAGE_TLV_KEYHASH
// for an EC P-256 key, and the same 32 bytes as the DSSE key id. kUsage for other keys.
[[nodiscard]] Result<verifier::Digest> mcuboot_key_hash(const verifier::PublicKey& key);

}  // namespace hallmark::native
