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
// The end of an image from offset `base` on: the only part a stream keeps. Offsets are
// those of the whole image, so messages name the same offsets as for a whole buffer.
struct Tail {
  ByteView bytes;
  std::size_t base = 0;
  [[nodiscard]] std::size_t size() const noexcept { return base + bytes.size(); }
  [[nodiscard]] std::uint16_t le16(std::size_t at) const noexcept {
    return load_le16(bytes, at - base);
  }
};

Result<std::size_t> walk_area(const Tail& image, std::size_t at, std::uint16_t magic,
                              const char* name, const std::function<Result<void>(Tlv)>& each) {
  if (image.size() - at < kTlvInfoSize) {
    return refuse(fmt::format("truncated: the image ends before the {} info at offset {}",
                              name, at));
  }
  if (image.le16(at) != magic) {
    return refuse(fmt::format("{} info at offset {} has magic 0x{:04x}, expected 0x{:04x}",
                              name, at, image.le16(at), magic));
  }
  const std::size_t total = image.le16(at + 2);
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
    const std::uint16_t type = image.le16(pos);
    const std::size_t length = image.le16(pos + 2);
    if (length > end - pos - kTlvHeaderSize) {
      return refuse(fmt::format("{}: TLV 0x{:02x} at offset {} runs past the area", name,
                                type, pos));
    }
    if (auto ok = each(Tlv{type, image.bytes.subspan(pos - image.base + kTlvHeaderSize, length)});
        !ok) {
      return std::unexpected(ok.error());
    }
    pos += kTlvHeaderSize + length;
  }
  return total;
}

// Both TLV areas hold at most 0xffff bytes each (their sizes are u16).
constexpr std::uint64_t kMaxTailBytes = 2 * 0xFFFFu;

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

McubootStream::McubootStream(std::uint64_t total_size) : total_size_(total_size) {}

void McubootStream::parse_header() {
  const ByteView image(header_bytes_);
  McubootImageInfo info;
  info.load_addr = load_le32(image, kLoadAddrOffset);
  info.header_size = load_le16(image, kHdrSizeOffset);
  info.protected_tlv_size = load_le16(image, kProtectTlvSizeOffset);
  info.image_size = load_le32(image, kImgSizeOffset);
  info.flags = load_le32(image, kFlagsOffset);
  info.version = {detail::u8(image, kVersionOffset), detail::u8(image, kVersionOffset + 1),
                  load_le16(image, kVersionOffset + 2), load_le32(image, kVersionOffset + 4)};
  header_ = info;
  const std::uint64_t body_end = std::uint64_t{info.header_size} + info.image_size;
  tail_at_ = std::max<std::uint64_t>(body_end, kHeaderSize);
  if (tail_at_ <= total_size_ && total_size_ - tail_at_ <= kMaxTailBytes) {
    tail_.reserve(static_cast<std::size_t>(total_size_ - tail_at_));
  }
  hash_.add_checkpoint(body_end + info.protected_tlv_size);
}

void McubootStream::update(ByteView block) {
  if (finished_ || error_) return;
  std::uint64_t at = hash_.position();
  if (block.size() > total_size_ - at) {
    error_ = Error{ErrorCode::kVerificationFailed,
                   fmt::format("the image holds more than the {} bytes announced", total_size_),
                   0, {}};
    return;
  }
  if (!header_ && at < kHeaderSize) {
    // The header decides where the signed part ends: take it before hashing past it.
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kHeaderSize - at,
                                                                    block.size()));
    std::copy_n(block.begin(), n, header_bytes_.begin() + static_cast<std::ptrdiff_t>(at));
    hash_.update(block.first(n));
    block = block.subspan(n);
    at += n;
    if (at == kHeaderSize) parse_header();
  }
  hash_.update(block);
  if (header_ && at + block.size() > tail_at_ && total_size_ - tail_at_ <= kMaxTailBytes) {
    const auto skip = static_cast<std::size_t>(std::max(at, tail_at_) - at);
    tail_.insert(tail_.end(), block.begin() + static_cast<std::ptrdiff_t>(skip), block.end());
  }
}

Result<verifier::Digest> McubootStream::finish() {
  if (finished_) return fail(ErrorCode::kInternal, "MCUboot image stream finished twice");
  finished_ = true;
  if (error_) return std::unexpected(*error_);
  if (hash_.position() != total_size_) {
    error_ = Error{ErrorCode::kVerificationFailed,
                   fmt::format("truncated: {} of the {} bytes announced arrived",
                               hash_.position(), total_size_),
                   0, {}};
    return std::unexpected(*error_);
  }
  auto digest = hash_.finish();
  if (!digest) error_ = digest.error();
  return digest;
}

Result<McubootImageInfo> McubootStream::verify(const verifier::PublicKey& key) const {
  auto expected_key_hash = mcuboot_key_hash(key);
  if (!expected_key_hash) return std::unexpected(expected_key_hash.error());
  if (!finished_) return fail(ErrorCode::kInternal, "MCUboot image verified before its end");
  if (error_) return std::unexpected(*error_);

  const auto size = static_cast<std::size_t>(total_size_);
  if (!header_) {
    return refuse(fmt::format("truncated: {} bytes is shorter than the 32-byte MCUboot header",
                              size));
  }
  const ByteView header(header_bytes_);
  if (load_le32(header, kMagicOffset) != kImageMagic) {
    return refuse(fmt::format("not an MCUboot image: magic 0x{:08x}, expected 0x{:08x}",
                              load_le32(header, kMagicOffset), kImageMagic));
  }
  McubootImageInfo info = *header_;
  if (info.header_size < kHeaderSize) {
    return refuse(fmt::format("header size {} is smaller than the 32-byte header",
                              info.header_size));
  }
  if ((info.flags & (kFlagEncryptedAes128 | kFlagEncryptedAes256)) != 0) {
    return refuse(fmt::format("flags 0x{:08x} mark an encrypted image, which is not supported",
                              info.flags));
  }
  const std::size_t body_end = std::size_t{info.header_size} + info.image_size;
  if (body_end > size) {
    return refuse(fmt::format("truncated: header and body need {} bytes, the image has {}",
                              body_end, size));
  }
  if (size - body_end > kMaxTailBytes) {
    return refuse(fmt::format("{} bytes follow the body: more than a protected TLV area and a "
                              "TLV area can hold; a signed image ends with its TLV area",
                              size - body_end));
  }
  const Tail image{tail_, body_end};

  std::size_t pos = body_end;
  const bool has_protected =
      image.size() - pos >= kTlvInfoSize && image.le16(pos) == kProtectedTlvInfoMagic;
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

  // Hashed once, as the image streamed past.
  const auto hash = hash_.at(signed_end);
  if (!hash) return fail(ErrorCode::kInternal, "MCUboot image hash was not taken");
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
  if (auto ok = key.verify_digest(*hash, *signature_tlv); !ok) {
    if (ok.error().code != ErrorCode::kVerificationFailed) return std::unexpected(ok.error());
    return refuse(fmt::format("the ECDSA signature does not verify under key {}",
                              key.key_id()));
  }
  return info;
}

Result<McubootImageInfo> verify_mcuboot(ByteView image, const verifier::PublicKey& key) {
  McubootStream stream(image.size());
  stream.update(image);
  if (auto done = stream.finish(); !done) return std::unexpected(done.error());
  return stream.verify(key);
}

}  // namespace hallmark::native
