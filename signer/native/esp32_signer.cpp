#include "signer/native/esp32_signer.h"

#include <algorithm>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "verifier/core/openssl_handles.h"
#include "verifier/core/sha256.h"
#include "verifier/native/byte_order.h"

namespace hallmark::native {
namespace {

using namespace esp32;

// DER ECDSA-Sig-Value → r then s, 32 bytes each, little-endian (micro-ecc's native order).
Result<void> write_ecdsa_le(ByteView der, std::byte* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return ossl::fail(ErrorCode::kVerificationFailed,
                      "the signing callback did not return one DER ECDSA signature");
  }
  const BIGNUM* values[2] = {ECDSA_SIG_get0_r(sig.get()), ECDSA_SIG_get0_s(sig.get())};
  for (std::size_t i = 0; i < 2; ++i) {
    if (BN_bn2lebinpad(values[i], reinterpret_cast<unsigned char*>(out + i * kP256Size),
                       static_cast<int>(kP256Size)) != static_cast<int>(kP256Size)) {
      return ossl::fail(ErrorCode::kVerificationFailed,
                        "the signing callback returned an ECDSA signature too large for P-256");
    }
  }
  return {};
}

}  // namespace

Result<Bytes> sign_esp32_sbv2(ByteView image, const verifier::PublicKey& release_key,
                              const SignFunction& sign) {
  auto key_fields = esp32_public_key_fields(release_key);
  if (!key_fields) return std::unexpected(key_fields.error());
  if (image.empty()) return fail(ErrorCode::kUsage, "the image to sign is empty");
  const bool rsa = release_key.algorithm() == v1::RSA_PSS_3072_SHA256;

  const std::size_t padded = (image.size() + kSectorSize - 1) / kSectorSize * kSectorSize;
  Bytes out;
  out.reserve(padded + kSectorSize);
  out.assign(image.begin(), image.end());
  out.resize(padded, std::byte{kErased});
  const ByteView to_sign(out.data(), padded);

  auto digest = verifier::sha256(to_sign);
  if (!digest) return std::unexpected(digest.error());
  auto signature = sign(to_sign);
  if (!signature) return std::unexpected(signature.error());

  out.resize(padded + kSectorSize, std::byte{kErased});
  std::byte* block = out.data() + padded;
  std::fill_n(block, kBlockSize, std::byte{0});
  block[kMagicOffset] = std::byte{kMagic};
  block[kVersionOffset] = std::byte{rsa ? kVersionRsa : kVersionEcdsa};
  // Byte 2 is the ECDSA hash type (0x00 = SHA-256) and zero padding for RSA.
  std::ranges::copy(digest->bytes(), block + kDigestOffset);
  std::ranges::copy(*key_fields, block + kKeyOffset);
  if (rsa) {
    if (signature->size() != kRsaSize) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("the signing callback returned {} bytes, not a 384-byte RSA-3072 "
                              "signature", signature->size()));
    }
    std::ranges::reverse_copy(*signature, block + kRsaSignatureOffset);
  } else if (auto ok = write_ecdsa_le(*signature, block + kEcdsaSignatureOffset); !ok) {
    return std::unexpected(ok.error());
  }
  detail::store_le32(block + kCrcOffset, esp32_crc32(ByteView(block, kCrcOffset)));

  if (auto verified = verify_esp32_sbv2(out, release_key); !verified) {
    return std::unexpected(std::move(verified.error()).context(
        "the freshly signed ESP32 image does not verify under key " + release_key.key_id()));
  }
  return out;
}

}  // namespace hallmark::native
