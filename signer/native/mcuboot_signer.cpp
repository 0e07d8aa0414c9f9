#include "signer/native/mcuboot_signer.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "verifier/core/sha256.h"
#include "verifier/native/byte_order.h"

namespace hallmark::native {
namespace {

using namespace mcuboot;
using detail::append_le16;
using detail::append_le32;
using detail::append_u8;

constexpr std::size_t kProtectedAreaSize = kTlvInfoSize + kTlvHeaderSize + 4;  // SEC_CNT only

bool starts_with_zeros(ByteView image, std::size_t count) {
  return image.size() >= count &&
         std::all_of(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(count),
                     [](std::byte b) { return b == std::byte{0}; });
}

void append_tlv(Bytes& out, std::uint16_t type, ByteView value) {
  append_le16(out, type);
  append_le16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace

Result<Bytes> sign_mcuboot(ByteView image, const McubootParams& params,
                           const verifier::PublicKey& key, const SignFunction& sign) {
  auto key_hash = mcuboot_key_hash(key);
  if (!key_hash) return std::unexpected(key_hash.error());
  const std::size_t header_size = params.header_size;
  if (header_size < kHeaderSize) {
    return fail(ErrorCode::kUsage, fmt::format("MCUboot header size {} is below the 32-byte "
                                               "header", header_size));
  }
  if (image.size() >= 4 && detail::load_le32(image, 0) == kImageMagic) {
    return fail(ErrorCode::kUsage, "the image already starts with an MCUboot header; sign the "
                                   "unsigned build output");
  }
  bool reserved = params.header_space == McubootHeaderSpace::kReserved;
  if (params.header_space == McubootHeaderSpace::kDetect) {
    reserved = starts_with_zeros(image, header_size);
  }
  if (reserved && !starts_with_zeros(image, header_size)) {
    return fail(ErrorCode::kUsage,
                fmt::format("the image does not start with {} zero bytes reserved for the "
                            "MCUboot header; rebuild with the header space or prepend it",
                            header_size));
  }
  const ByteView body = reserved ? image.subspan(header_size) : image;
  if (body.size() > std::numeric_limits<std::uint32_t>::max() - header_size) {
    return fail(ErrorCode::kUsage, "the image is too large for an MCUboot header");
  }

  Bytes out;
  out.reserve(header_size + body.size() + kProtectedAreaSize + kTlvInfoSize +
              2 * (kTlvHeaderSize + verifier::Digest::kSize) + kTlvHeaderSize +
              kMaxEcdsaP256DerSize);
  append_le32(out, kImageMagic);
  append_le32(out, params.load_addr);
  append_le16(out, params.header_size);
  append_le16(out, static_cast<std::uint16_t>(kProtectedAreaSize));
  append_le32(out, static_cast<std::uint32_t>(body.size()));
  append_le32(out, params.load_addr != 0 ? kFlagRamLoad : 0u);
  append_u8(out, params.version.major);
  append_u8(out, params.version.minor);
  append_le16(out, params.version.revision);
  append_le32(out, params.version.build);
  append_le32(out, 0);  // _pad1
  // imgtool keeps the build's reserved zeros, or pads a prepended header with erased 0xff.
  out.resize(header_size, reserved ? std::byte{0} : std::byte{0xFF});
  out.insert(out.end(), body.begin(), body.end());

  append_le16(out, kProtectedTlvInfoMagic);
  append_le16(out, static_cast<std::uint16_t>(kProtectedAreaSize));
  append_le16(out, kTlvSecCnt);
  append_le16(out, 4);
  append_le32(out, params.security_counter);

  const ByteView signed_part(out.data(), out.size());
  auto hash = verifier::sha256(signed_part);
  if (!hash) return std::unexpected(hash.error());
  auto signature = sign(signed_part);
  if (!signature) return std::unexpected(signature.error());
  if (signature->size() > kMaxEcdsaP256DerSize || signature->empty()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the signing callback returned {} bytes, not a DER ECDSA P-256 "
                            "signature", signature->size()));
  }

  const std::size_t tlv_total = kTlvInfoSize + 3 * kTlvHeaderSize +
                                2 * verifier::Digest::kSize + signature->size();
  append_le16(out, kTlvInfoMagic);
  append_le16(out, static_cast<std::uint16_t>(tlv_total));
  append_tlv(out, kTlvSha256, hash->bytes());
  append_tlv(out, kTlvKeyHash, key_hash->bytes());
  append_tlv(out, kTlvEcdsaSig, *signature);

  if (auto verified = verify_mcuboot(out, key); !verified) {
    return std::unexpected(std::move(verified.error()).context(
        "the freshly signed MCUboot image does not verify under key " + key.key_id()));
  }
  return out;
}

}  // namespace hallmark::native
