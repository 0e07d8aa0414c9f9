#include "verifier/native/mcuboot.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "verifier/native/byte_order.h"

namespace hallmark::native {
namespace {

using namespace mcuboot;
using detail::load_le16;
using detail::load_le32;

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

struct Tlv {
  std::uint16_t type = 0;
  ByteView value;
};

// Walks the TLV area whose info header starts at `at`; the area must hold exactly whole
// TLVs. Returns the area's total size (info header included).
Result<std::size_t> walk_area(ByteView image, std::size_t at, std::uint16_t magic,
                              const char* name, const std::function<Result<void>(Tlv)>& each) {
  if (image.size() - at < kTlvInfoSize) {
    return refuse(fmt::format("truncated: the image ends before the {} info at offset {}",
                              name, at));
  }
  if (load_le16(image, at) != magic) {
    return refuse(fmt::format("{} info at offset {} has magic 0x{:04x}, expected 0x{:04x}",
                              name, at, load_le16(image, at), magic));
  }
  const std::size_t total = load_le16(image, at + 2);
  if (total < kTlvInfoSize || total > image.size() - at) {
    return refuse(fmt::format("{} at offset {} claims {} bytes but {} remain (truncated or "
                              "corrupt)", name, at, total, image.size() - at));
  }
  std::size_t pos = at + kTlvInfoSize;
  const std::size_t end = at + total;
  while (pos < end) {
    if (end - pos < kTlvHeaderSize) {
      return refuse(fmt::format("{}: a TLV header at offset {} runs past the area", name, pos));
    }
    const std::uint16_t type = load_le16(image, pos);
    const std::size_t length = load_le16(image, pos + 2);
    if (length > end - pos - kTlvHeaderSize) {
      return refuse(fmt::format("{}: TLV 0x{:02x} at offset {} runs past the area", name,
                                type, pos));
    }
    if (auto ok = each(Tlv{type, image.subspan(pos + kTlvHeaderSize, length)}); !ok) {
      return std::unexpected(ok.error());
    }
    pos += kTlvHeaderSize + length;
  }
  return total;
}

bool unprotected_only(std::uint16_t type) {
  return type == kTlvSha256 || type == kTlvKeyHash || type == kTlvPubKey ||
         type == kTlvEcdsaSig;
}

}  // namespace

std::string McubootVersion::to_string() const {
  return fmt::format("{}.{}.{}+{}", major, minor, revision, build);
}

Result<verifier::Digest> mcuboot_key_hash(const verifier::PublicKey& key) {
  if (key.algorithm() != v1::ECDSA_P256_SHA256) {
    return fail(ErrorCode::kUsage,
                fmt::format("MCUboot images are signed here with ECDSA P-256 only; key {} is {}",
                            key.key_id(), v1::KeyAlgorithm_Name(key.algorithm())));
  }
  return verifier::sha256(key.spki_der());
}

Result<McubootImageInfo> verify_mcuboot(ByteView image, const verifier::PublicKey& key) {
  auto expected_key_hash = mcuboot_key_hash(key);
  if (!expected_key_hash) return std::unexpected(expected_key_hash.error());

  if (image.size() < kHeaderSize) {
    return refuse(fmt::format("truncated: {} bytes is shorter than the 32-byte MCUboot header",
                              image.size()));
  }
  if (load_le32(image, kMagicOffset) != kImageMagic) {
    return refuse(fmt::format("not an MCUboot image: magic 0x{:08x}, expected 0x{:08x}",
                              load_le32(image, kMagicOffset), kImageMagic));
  }
  McubootImageInfo info;
  info.load_addr = load_le32(image, kLoadAddrOffset);
  info.header_size = load_le16(image, kHdrSizeOffset);
  info.protected_tlv_size = load_le16(image, kProtectTlvSizeOffset);
  info.image_size = load_le32(image, kImgSizeOffset);
  info.flags = load_le32(image, kFlagsOffset);
  info.version = {detail::u8(image, kVersionOffset), detail::u8(image, kVersionOffset + 1),
                  load_le16(image, kVersionOffset + 2), load_le32(image, kVersionOffset + 4)};
  if (info.header_size < kHeaderSize) {
    return refuse(fmt::format("header size {} is smaller than the 32-byte header",
                              info.header_size));
  }
  if ((info.flags & (kFlagEncryptedAes128 | kFlagEncryptedAes256)) != 0) {
    return refuse(fmt::format("flags 0x{:08x} mark an encrypted image, which is not supported",
                              info.flags));
  }
  const std::size_t body_end = std::size_t{info.header_size} + info.image_size;
  if (body_end > image.size()) {
    return refuse(fmt::format("truncated: header and body need {} bytes, the image has {}",
                              body_end, image.size()));
  }

  std::size_t pos = body_end;
  const bool has_protected =
      image.size() - pos >= kTlvInfoSize && load_le16(image, pos) == kProtectedTlvInfoMagic;
  if (has_protected != (info.protected_tlv_size != 0)) {
    return refuse(fmt::format("header says the protected TLV area is {} bytes, but offset {} "
                              "{} a protected TLV area", info.protected_tlv_size, pos,
                              has_protected ? "starts" : "does not start"));
  }
  if (has_protected) {
    auto total = walk_area(image, pos, kProtectedTlvInfoMagic, "protected TLV area",
                           [&](Tlv tlv) -> Result<void> {
      if (unprotected_only(tlv.type)) {
        return refuse(fmt::format("TLV 0x{:02x} must not be in the protected TLV area",
                                  tlv.type));
      }
      if (tlv.type == kTlvSecCnt) {
        if (info.security_counter || tlv.value.size() != 4) {
          return refuse("protected TLV area: the security counter must appear once, 4 bytes");
        }
        info.security_counter = load_le32(tlv.value, 0);
      }
      return {};
    });
    if (!total) return std::unexpected(total.error());
    if (*total != info.protected_tlv_size) {
      return refuse(fmt::format("protected TLV area is {} bytes but the header says {}",
                                *total, info.protected_tlv_size));
    }
    pos += *total;
  }
  const std::size_t signed_end = pos;

  std::optional<ByteView> hash_tlv, key_hash_tlv, signature_tlv;
  auto total = walk_area(image, pos, kTlvInfoMagic, "TLV area", [&](Tlv tlv) -> Result<void> {
    std::optional<ByteView>* slot = nullptr;
    bool size_ok = false;
    if (tlv.type == kTlvSha256) {
      slot = &hash_tlv;
      size_ok = tlv.value.size() == verifier::Digest::kSize;
    } else if (tlv.type == kTlvKeyHash) {
      slot = &key_hash_tlv;
      size_ok = tlv.value.size() == verifier::Digest::kSize;
    } else if (tlv.type == kTlvEcdsaSig) {
      slot = &signature_tlv;
      size_ok = tlv.value.size() >= 8 && tlv.value.size() <= kMaxEcdsaP256DerSize;
    } else {
      return refuse(fmt::format("TLV area: unexpected TLV type 0x{:02x} (only SHA256, KEYHASH "
                                "and ECDSA_SIG may follow the protected area)", tlv.type));
    }
    if (slot->has_value() || !size_ok) {
      return refuse(fmt::format("TLV area: TLV 0x{:02x} is repeated or has the wrong length "
                                "({} bytes)", tlv.type, tlv.value.size()));
    }
    *slot = tlv.value;
    return {};
  });
  if (!total) return std::unexpected(total.error());
  if (pos + *total != image.size()) {
    return refuse(fmt::format("{} bytes follow the TLV area; a signed image ends with it",
                              image.size() - pos - *total));
  }
  if (!hash_tlv || !key_hash_tlv || !signature_tlv) {
    return refuse(fmt::format("TLV area lacks the {} TLV",
                              !hash_tlv ? "SHA256" : !key_hash_tlv ? "KEYHASH" : "ECDSA_SIG"));
  }

  const ByteView signed_part = image.first(signed_end);
  auto hash = verifier::sha256(signed_part);
  if (!hash) return std::unexpected(hash.error());
  if (!std::ranges::equal(hash->bytes(), *hash_tlv)) {
    return refuse(fmt::format("image hash mismatch: SHA-256 of header, body and protected TLVs "
                              "is {}, the SHA256 TLV says {}; the image was modified",
                              hash->hex(), to_hex(*hash_tlv)));
  }
  info.image_hash = *hash;
  if (!std::ranges::equal(expected_key_hash->bytes(), *key_hash_tlv)) {
    return refuse(fmt::format("the KEYHASH TLV names key hash {}, not key {}; the image was "
                              "signed for another key", to_hex(*key_hash_tlv),
                              key.key_id()));
  }
  info.key_hash = *expected_key_hash;
  if (auto ok = key.verify(signed_part, *signature_tlv); !ok) {
    return refuse(fmt::format("the ECDSA signature does not verify under key {}",
                              key.key_id()));
  }
  return info;
}

}  // namespace hallmark::native
