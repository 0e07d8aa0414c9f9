#include "verifier/native/esp32_secure_boot_v2.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "verifier/core/openssl_handles.h"
#include "verifier/native/byte_order.h"

namespace hallmark::native {
namespace {

using namespace esp32;
using detail::load_le32;
using detail::u8;

struct BnCtxDeleter {
  void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
};

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

Result<ossl::PkeyPtr> load_key(const verifier::PublicKey& key) {
  const auto& der = key.spki_der();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return ossl::fail(ErrorCode::kInternal, "cannot decode key " + key.key_id());
  return pkey;
}

Result<ossl::BignumPtr> bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || bn == nullptr) {
    return ossl::fail(ErrorCode::kInternal, fmt::format("cannot read key parameter '{}'", name));
  }
  return ossl::BignumPtr(bn);
}

Result<void> append_le(Bytes& out, const BIGNUM* bn, std::size_t size) {
  const std::size_t at = out.size();
  out.resize(at + size);
  if (BN_bn2lebinpad(bn, reinterpret_cast<unsigned char*>(out.data() + at),
                     static_cast<int>(size)) != static_cast<int>(size)) {
    return ossl::fail(ErrorCode::kInternal, "key parameter does not fit its field");
  }
  return {};
}

// n, e, R = 2^(2*3072) mod n and M' = -n^-1 mod 2^32: the Montgomery constants the RSA
// peripheral takes, as espsecure computes them.
Result<Bytes> rsa_fields(EVP_PKEY* pkey) {
  auto n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
  if (!n) return std::unexpected(n.error());
  auto e = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!e) return std::unexpected(e.error());
  if (BN_num_bits(n->get()) != 3072 || BN_is_odd(n->get()) != 1) {
    return fail(ErrorCode::kUsage, "ESP32 Secure Boot V2 needs an odd 3072-bit RSA modulus");
  }
  if (BN_num_bits(e->get()) > 32) {
    return fail(ErrorCode::kUsage, "ESP32 Secure Boot V2 needs an RSA exponent below 2^32");
  }
  std::unique_ptr<BN_CTX, BnCtxDeleter> ctx(BN_CTX_new());
  ossl::BignumPtr two_pow(BN_new());
  ossl::BignumPtr r(BN_new());
  if (!ctx || !two_pow || !r || BN_set_bit(two_pow.get(), 2 * 3072) != 1 ||
      BN_mod(r.get(), two_pow.get(), n->get(), ctx.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot compute the RSA Montgomery constant R");
  }
  Bytes out;
  out.reserve(kRsaKeyEnd - kKeyOffset);
  if (auto ok = append_le(out, n->get(), kRsaSize); !ok) return std::unexpected(ok.error());
  detail::append_le32(out, static_cast<std::uint32_t>(BN_get_word(e->get())));
  if (auto ok = append_le(out, r.get(), kRsaSize); !ok) return std::unexpected(ok.error());
  // n0^-1 mod 2^32 by Newton's iteration (each step doubles the correct low bits; an odd n0
  // is its own inverse mod 8), then negated.
  const std::uint32_t n0 = load_le32(out, 0);
  std::uint32_t inverse = n0;
  for (int i = 0; i < 4; ++i) inverse *= 2u - n0 * inverse;
  detail::append_le32(out, 0u - inverse);
  return out;
}

Result<Bytes> ecdsa_fields(EVP_PKEY* pkey) {
  auto x = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) return std::unexpected(x.error());
  auto y = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) return std::unexpected(y.error());
  Bytes out;
  out.reserve(kEcdsaKeyEnd - kKeyOffset);
  detail::append_u8(out, kCurveP256);
  if (auto ok = append_le(out, x->get(), kP256Size); !ok) return std::unexpected(ok.error());
  if (auto ok = append_le(out, y->get(), kP256Size); !ok) return std::unexpected(ok.error());
  return out;
}

bool all_equal(ByteView bytes, std::uint8_t value) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [value](std::byte b) { return std::to_integer<std::uint8_t>(b) == value; });
}

Bytes reversed(ByteView bytes) { return Bytes(bytes.rbegin(), bytes.rend()); }

Result<void> refuse(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

// Magic, CRC, version, reserved bytes and image digest of the block at `index`.
Result<void> check_block(ByteView block, std::size_t index, const verifier::Digest& digest) {
  const std::uint32_t stored = load_le32(block, kCrcOffset);
  const std::uint32_t computed = esp32_crc32(block.first(kCrcOffset));
  if (stored != computed) {
    return refuse(fmt::format("signature block {}: CRC32 mismatch (stored {:08x}, computed "
                              "{:08x}); the block is corrupt",
                              index, stored, computed));
  }
  const std::uint8_t version = u8(block, kVersionOffset);
  if (version != kVersionRsa && version != kVersionEcdsa) {
    return refuse(fmt::format("signature block {}: unknown version 0x{:02x} (0x02 RSA-PSS, "
                              "0x03 ECDSA)", index, version));
  }
  if (version == kVersionEcdsa && u8(block, 2) != kEcdsaSha256) {
    return refuse(fmt::format("signature block {}: ECDSA hash type 0x{:02x} is not SHA-256 "
                              "(P-384 blocks are not supported)", index, u8(block, 2)));
  }
  const bool reserved_ok =
      (version == kVersionEcdsa || u8(block, 2) == 0) && u8(block, 3) == 0 &&
      all_equal(block.subspan(kPaddingOffset), 0) &&
      (version == kVersionRsa ||
       (u8(block, kEcdsaCurveOffset) == kCurveP256 &&
        all_equal(block.subspan(kEcdsaReservedOffset, kCrcOffset - kEcdsaReservedOffset), 0)));
  if (!reserved_ok) {
    return refuse(fmt::format("signature block {}: reserved or padding bytes are not zero, "
                              "or the curve is not P-256", index));
  }
  if (!std::ranges::equal(block.subspan(kDigestOffset, verifier::Digest::kSize),
                          digest.bytes())) {
    return refuse(fmt::format("signature block {}: the image digest does not match the "
                              "image ({}); the image was modified after signing",
                              index, digest.hex()));
  }
  return {};
}

Result<void> check_signature(const verifier::Digest& image_digest, ByteView block,
                             std::size_t index, const verifier::PublicKey& key) {
  Bytes signature;
  if (u8(block, kVersionOffset) == kVersionRsa) {
    signature = reversed(block.subspan(kRsaSignatureOffset, kRsaSize));
  } else {
    Bytes raw = reversed(block.subspan(kEcdsaSignatureOffset, kP256Size));
    const Bytes s = reversed(block.subspan(kEcdsaSignatureOffset + kP256Size, kP256Size));
    raw.insert(raw.end(), s.begin(), s.end());
    auto der = verifier::ecdsa_raw_to_der(raw);
    if (!der) return std::unexpected(der.error());
    signature = std::move(*der);
  }
  // The image was hashed once, as it streamed; the signature is over that digest.
  if (auto ok = key.verify_digest(image_digest, signature); !ok) {
    if (ok.error().code != ErrorCode::kVerificationFailed) return ok;
    return refuse(fmt::format("signature block {} carries key {} but its signature does not "
                              "verify over the image", index, key.key_id()));
  }
  return {};
}

}  // namespace

std::uint32_t esp32_crc32(ByteView data) noexcept {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte b : data) {
    crc = kCrcTable[(crc ^ std::to_integer<std::uint32_t>(b)) & 0xFFu] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

namespace {

Result<Bytes> compute_key_fields(const verifier::PublicKey& key) {
  const auto algorithm = key.algorithm();
  if (algorithm != v1::RSA_PSS_3072_SHA256 && algorithm != v1::ECDSA_P256_SHA256) {
    return fail(ErrorCode::kUsage,
                fmt::format("ESP32 Secure Boot V2 signs with RSA-3072 (RSA-PSS) or ECDSA P-256; "
                            "key {} is {}", key.key_id(), v1::KeyAlgorithm_Name(algorithm)));
  }
  auto pkey = load_key(key);
  if (!pkey) return std::unexpected(pkey.error());
  return algorithm == v1::RSA_PSS_3072_SHA256 ? rsa_fields(pkey->get())
                                              : ecdsa_fields(pkey->get());
}

// The fields of the keys seen so far, by key id (the SHA-256 of the key's canonical DER, so
// one id is one key): decoding a key (d2i_PUBKEY) and R = 2^6144 mod n cost more than
// checking a signature sector, and a verifier checks many images against one or two keys.
// Only accepted keys are kept, so a refused key is refused the same way every time. At
// most kMaxCachedKeys; then the cache starts over. Thread-safe.
class KeyFieldCache {
 public:
  Result<Bytes> fields(const verifier::PublicKey& key) {
    {
      const std::lock_guard lock(mutex_);
      if (auto it = fields_.find(key.key_id()); it != fields_.end()) return it->second;
    }
    auto computed = compute_key_fields(key);
    if (!computed) return computed;
    const std::lock_guard lock(mutex_);
    if (fields_.size() >= kMaxCachedKeys) fields_.clear();
    fields_.emplace(key.key_id(), *computed);
    return computed;
  }

 private:
  static constexpr std::size_t kMaxCachedKeys = 64;
  std::mutex mutex_;
  std::map<std::string, Bytes, std::less<>> fields_;
};

}  // namespace

Result<Bytes> esp32_public_key_fields(const verifier::PublicKey& key) {
  static KeyFieldCache cache;
  return cache.fields(key);
}

Result<verifier::Digest> esp32_key_digest(const verifier::PublicKey& key) {
  auto fields = esp32_public_key_fields(key);
  if (!fields) return std::unexpected(fields.error());
  return verifier::sha256(*fields);
}

Esp32Sbv2Stream::Esp32Sbv2Stream(std::uint64_t signed_size)
    : signed_size_(signed_size),
      sized_ok_(signed_size > kSectorSize && signed_size % kSectorSize == 0),
      sector_at_(sized_ok_ ? signed_size - kSectorSize : signed_size) {
  hash_.add_checkpoint(sector_at_);
}

void Esp32Sbv2Stream::update(ByteView block) {
  if (finished_ || error_) return;
  const std::uint64_t at = hash_.position();
  if (block.size() > signed_size_ - at) {
    error_ = Error{ErrorCode::kVerificationFailed,
                   fmt::format("the image holds more than the {} bytes announced", signed_size_),
                   0, {}};
    return;
  }
  hash_.update(block);
  if (sized_ok_ && at + block.size() > sector_at_) {
    // Only the signature sector is kept.
    const std::uint64_t from = std::max(at, sector_at_);
    const auto skip = static_cast<std::size_t>(from - at);
    std::copy(block.begin() + static_cast<std::ptrdiff_t>(skip), block.end(),
              sector_.begin() + static_cast<std::ptrdiff_t>(from - sector_at_));
  }
}

Result<verifier::Digest> Esp32Sbv2Stream::finish() {
  if (finished_) return fail(ErrorCode::kInternal, "ESP32 image stream finished twice");
  finished_ = true;
  if (error_) return std::unexpected(*error_);
  if (hash_.position() != signed_size_) {
    error_ = Error{ErrorCode::kVerificationFailed,
                   fmt::format("truncated: {} of the {} bytes announced arrived",
                               hash_.position(), signed_size_),
                   0, {}};
    return std::unexpected(*error_);
  }
  auto digest = hash_.finish();
  if (!digest) error_ = digest.error();
  return digest;
}

Result<Esp32SignatureInfo> Esp32Sbv2Stream::verify(const verifier::PublicKey& expected_key) const {
  auto key_fields = esp32_public_key_fields(expected_key);
  if (!key_fields) return std::unexpected(key_fields.error());
  const bool rsa = expected_key.algorithm() == v1::RSA_PSS_3072_SHA256;
  if (!finished_) return fail(ErrorCode::kInternal, "ESP32 image verified before its end");
  if (error_) return std::unexpected(*error_);

  if (!sized_ok_) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("not a Secure Boot V2 signed image: its length {} is not a "
                            "non-empty image padded to 4096 bytes plus a 4096-byte signature "
                            "sector (truncated, or never padded and signed)",
                            signed_size_));
  }
  const ByteView sector(sector_);
  const auto digest = hash_.at(sector_at_);
  if (!digest) return fail(ErrorCode::kInternal, "ESP32 image digest was not taken");

  Esp32SignatureInfo info;
  info.scheme = rsa ? Esp32Scheme::kRsaPss3072 : Esp32Scheme::kEcdsaP256;
  info.image_size = static_cast<std::size_t>(sector_at_);
  info.image_digest = *digest;
  auto key_digest = verifier::sha256(*key_fields);
  if (!key_digest) return std::unexpected(key_digest.error());
  info.key_digest = *key_digest;
  std::vector<std::string> other_keys;
  bool verified = false;
  std::size_t count = 0;
  for (; count < kMaxBlocks; ++count) {
    const ByteView block = sector.subspan(count * kBlockSize, kBlockSize);
    if (u8(block, kMagicOffset) != kMagic) break;  // first absent block ends the list
    if (auto ok = check_block(block, count, *digest); !ok) return std::unexpected(ok.error());
    const std::size_t key_end = u8(block, kVersionOffset) == kVersionRsa ? kRsaKeyEnd
                                                                          : kEcdsaKeyEnd;
    const ByteView block_key = block.subspan(kKeyOffset, key_end - kKeyOffset);
    if (verified || (u8(block, kVersionOffset) == kVersionRsa) != rsa ||
        !std::ranges::equal(block_key, *key_fields)) {
      auto other = verifier::sha256(block_key);
      if (!other) return std::unexpected(other.error());
      if (!verified) other_keys.push_back(other->hex());
      continue;
    }
    if (auto ok = check_signature(*digest, block, count, expected_key); !ok) {
      return std::unexpected(ok.error());
    }
    verified = true;
    info.block_index = count;
  }
  info.block_count = count;
  if (count == 0) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("no signature block: the last 4096 bytes do not start with magic "
                            "0xe7 (found 0x{:02x}); the image is unsigned or corrupt",
                            u8(sector, 0)));
  }
  if (!all_equal(sector.subspan(count * kBlockSize), kErased)) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("signature sector: bytes after block {} are not erased (0xff)",
                            count - 1));
  }
  if (!verified) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("no signature block for key {} (eFuse digest {}); the {} block(s) "
                            "present carry eFuse digest(s) {}",
                            expected_key.key_id(), info.key_digest.hex(), count,
                            fmt::join(other_keys, ", ")));
  }
  return info;
}

Result<Esp32SignatureInfo> verify_esp32_sbv2(ByteView signed_image,
                                             const verifier::PublicKey& expected_key) {
  Esp32Sbv2Stream stream(signed_image.size());
  stream.update(signed_image);
  if (auto done = stream.finish(); !done) return std::unexpected(done.error());
  return stream.verify(expected_key);
}

}  // namespace hallmark::native
