#include "tests/native/native_test_support.h"

#include <algorithm>
#include <memory>

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tests/support/test_keys.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::testing {
namespace {

struct BnCtxFree {
  void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
};

ossl::PkeyPtr pkey_from_spki(ByteView spki) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
  ossl::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  REQUIRE(key);
  return key;
}

ossl::BignumPtr param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  return ossl::BignumPtr(bn);
}

Bytes bn_le(const BIGNUM* bn, std::size_t size) {
  Bytes out(size);
  REQUIRE(BN_bn2lebinpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                         static_cast<int>(size)) == static_cast<int>(size));
  return out;
}

Bytes tlv_header(std::uint8_t type, std::size_t length) {
  return {std::byte{type}, std::byte{0}, std::byte{static_cast<std::uint8_t>(length & 0xFF)},
          std::byte{static_cast<std::uint8_t>(length >> 8)}};
}

// The RSA checks: R and M' from their definitions, the signature with plain EVP.
void check_rsa_fields(ByteView block, ByteView spki, ByteView padded_image) {
  auto key = pkey_from_spki(spki);
  auto n = param(key.get(), OSSL_PKEY_PARAM_RSA_N);
  auto e = param(key.get(), OSSL_PKEY_PARAM_RSA_E);
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
  // 36: modulus n, 384 bytes little-endian; 420: exponent e, uint32 little-endian.
  CHECK(slice(block, 36, 384) == bn_le(n.get(), 384));
  CHECK(le32(block, 420) == BN_get_word(e.get()));
  // 424: R = (2^3072)^2 mod n, computed here as 2^6144 mod n by modular exponentiation.
  ossl::BignumPtr two(BN_new()), exponent(BN_new()), r(BN_new());
  REQUIRE((BN_set_word(two.get(), 2) == 1 && BN_set_word(exponent.get(), 6144) == 1));
  REQUIRE(BN_mod_exp(r.get(), two.get(), exponent.get(), n.get(), ctx.get()) == 1);
  CHECK(slice(block, 424, 384) == bn_le(r.get(), 384));
  // 808: M' = -n^-1 mod 2^32, from BN_mod_inverse.
  ossl::BignumPtr two32(BN_new()), inverse(BN_new()), m(BN_new());
  REQUIRE(BN_set_word(two32.get(), 0x100000000ULL) == 1);
  REQUIRE(BN_mod_inverse(inverse.get(), n.get(), two32.get(), ctx.get()) != nullptr);
  REQUIRE(BN_sub(m.get(), two32.get(), inverse.get()) == 1);
  const std::uint32_t m_prime = le32(block, 808);
  CHECK(m_prime == BN_get_word(m.get()));
  const std::uint32_t n0 = le32(bn_le(n.get(), 384), 0);
  CHECK(static_cast<std::uint32_t>(n0 * m_prime) == 0xFFFFFFFFu);  // n * M' == -1 mod 2^32
  // 812: RSA-PSS signature, 384 bytes, little-endian.
  CHECK(openssl_verify(spki, v1::RSA_PSS_3072_SHA256, padded_image,
                       reversed(slice(block, 812, 384))));
}

void check_ecdsa_fields(ByteView block, ByteView spki, ByteView padded_image) {
  auto key = pkey_from_spki(spki);
  const Bytes point = raw_public_point(key.get());  // 04 || X || Y, big-endian
  REQUIRE(point.size() == 65);
  CHECK(block[36] == std::byte{2});  // curve id: 2 = NIST P-256
  CHECK(slice(block, 37, 32) == reversed(slice(point, 1, 32)));
  CHECK(slice(block, 69, 32) == reversed(slice(point, 33, 32)));
  // 101: r then s, 32 bytes each, little-endian.
  const Bytes r = reversed(slice(block, 101, 32));
  const Bytes s = reversed(slice(block, 133, 32));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* br = BN_bin2bn(reinterpret_cast<const unsigned char*>(r.data()), 32, nullptr);
  BIGNUM* bs = BN_bin2bn(reinterpret_cast<const unsigned char*>(s.data()), 32, nullptr);
  REQUIRE(ECDSA_SIG_set0(sig.get(), br, bs) == 1);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  REQUIRE(len > 0);
  ossl::OpensslPtr<unsigned char> owned(der);
  const auto* first = reinterpret_cast<const std::byte*>(der);
  CHECK(openssl_verify(spki, v1::ECDSA_P256_SHA256, padded_image, Bytes(first, first + len)));
  CHECK(all_bytes(slice(block, 165, 1031), 0));  // reserved
}

}  // namespace

std::uint32_t reference_crc32(ByteView data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte b : data) {
    crc ^= std::to_integer<std::uint32_t>(b);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? 0xEDB88320u : 0u);
  }
  return ~crc;
}

std::uint32_t le32(ByteView b, std::size_t at) {
  REQUIRE(at + 4 <= b.size());
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= std::to_integer<std::uint32_t>(b[at + i]) << (8 * i);
  return v;
}

std::uint16_t le16(ByteView b, std::size_t at) {
  REQUIRE(at + 2 <= b.size());
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(b[at]) |
                                    (std::to_integer<unsigned>(b[at + 1]) << 8));
}

Bytes openssl_sha256(ByteView data) {
  Bytes out(32);
  unsigned int size = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()),
                     &size, EVP_sha256(), nullptr) == 1);
  return out;
}

Bytes slice(ByteView b, std::size_t at, std::size_t size) {
  REQUIRE(at + size <= b.size());
  const auto first = b.begin() + static_cast<std::ptrdiff_t>(at);
  return Bytes(first, first + static_cast<std::ptrdiff_t>(size));
}

Bytes reversed(ByteView b) { return Bytes(b.rbegin(), b.rend()); }

bool all_bytes(ByteView b, std::uint8_t value) {
  return std::all_of(b.begin(), b.end(), [value](std::byte x) { return x == std::byte{value}; });
}

Bytes firmware(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  std::uint32_t state = 0x9E3779B9u * (seed + 1u);
  for (auto& b : out) {
    state = state * 1664525u + 1013904223u;
    b = std::byte{static_cast<std::uint8_t>(state >> 24)};
  }
  if (!out.empty()) out[0] = std::byte{0xE9};  // an ESP image header starts with 0xE9
  return out;
}

verifier::PublicKey public_key_of(EVP_PKEY* key) {
  auto pub = verifier::PublicKey::from_spki_der(spki_of(key));
  REQUIRE_MESSAGE(pub.has_value(), (pub ? "" : pub.error().message));
  return *pub;
}

native::SignFunction memory_signer(EVP_PKEY* key, int* calls) {
  return [key, calls](ByteView message) -> Result<Bytes> {
    if (calls != nullptr) ++*calls;
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
      return fail(ErrorCode::kInternal, "test signer: init failed");
    }
    if (EVP_PKEY_is_a(key, "RSA") == 1 &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
      return fail(ErrorCode::kInternal, "test signer: PSS setup failed");
    }
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &size, data, message.size()) != 1) {
      return fail(ErrorCode::kInternal, "test signer: size query failed");
    }
    Bytes out(size);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, data,
                       message.size()) != 1) {
      return fail(ErrorCode::kInternal, "test signer: signing failed");
    }
    out.resize(size);
    return out;
  };
}

Bytes check_esp32_layout(ByteView signed_image, ByteView unsigned_image, ByteView spki,
                         v1::KeyAlgorithm algorithm) {
  const bool rsa = algorithm == v1::RSA_PSS_3072_SHA256;
  const std::size_t padded = (unsigned_image.size() + 4095) / 4096 * 4096;
  REQUIRE(signed_image.size() == padded + 4096);
  CHECK(slice(signed_image, 0, unsigned_image.size()) ==
        Bytes(unsigned_image.begin(), unsigned_image.end()));
  CHECK(all_bytes(signed_image.subspan(unsigned_image.size(), padded - unsigned_image.size()),
                  0xFF));
  const ByteView padded_image = signed_image.first(padded);
  const ByteView block = signed_image.subspan(padded, 1216);
  CHECK(block[0] == std::byte{0xE7});                      // magic
  CHECK(block[1] == (rsa ? std::byte{0x02} : std::byte{0x03}));  // version
  CHECK((block[2] == std::byte{0} && block[3] == std::byte{0}));  // reserved / SHA-256 type
  CHECK(slice(block, 4, 32) == openssl_sha256(padded_image));
  if (rsa) {
    check_rsa_fields(block, spki, padded_image);
  } else {
    check_ecdsa_fields(block, spki, padded_image);
  }
  CHECK(le32(block, 1196) == reference_crc32(block.first(1196)));
  CHECK(all_bytes(block.subspan(1200, 16), 0));
  CHECK(all_bytes(signed_image.subspan(padded + 1216), 0xFF));  // rest of the sector erased
  return openssl_sha256(block.subspan(36, rsa ? 812 - 36 : 101 - 36));
}

void fix_esp32_crc(Bytes& signed_image, std::size_t block_offset) {
  const std::uint32_t crc = reference_crc32(ByteView(signed_image).subspan(block_offset, 1196));
  for (std::size_t i = 0; i < 4; ++i) {
    signed_image[block_offset + 1196 + i] = std::byte{static_cast<std::uint8_t>(crc >> (8 * i))};
  }
}

std::size_t check_mcuboot_layout(ByteView image, const ExpectedMcuboot& expected, ByteView spki) {
  const std::size_t hdr = expected.header_size;
  REQUIRE(image.size() > hdr + expected.body.size() + 12);
  CHECK(le32(image, 0) == 0x96f3b83du);                     // ih_magic
  CHECK(le32(image, 4) == expected.load_addr);              // ih_load_addr
  CHECK(le16(image, 8) == hdr);                             // ih_hdr_size
  CHECK(le16(image, 10) == 12);                             // ih_protect_tlv_size
  CHECK(le32(image, 12) == expected.body.size());           // ih_img_size
  CHECK(le32(image, 16) == (expected.load_addr != 0 ? 0x20u : 0u));  // IMAGE_F_RAM_LOAD
  CHECK(image[20] == std::byte{expected.major});            // iv_major
  CHECK(image[21] == std::byte{expected.minor});            // iv_minor
  CHECK(le16(image, 22) == expected.revision);              // iv_revision
  CHECK(le32(image, 24) == expected.build);                 // iv_build_num
  CHECK(le32(image, 28) == 0);                              // _pad1
  CHECK(all_bytes(image.subspan(32, hdr - 32), expected.header_fill));
  CHECK(slice(image, hdr, expected.body.size()) == expected.body);

  // Protected TLV area: info {0x6908, 12}, then SEC_CNT (0x50), 4 bytes, counter LE.
  const std::size_t p = hdr + expected.body.size();
  const std::uint32_t c = expected.security_counter;
  const Bytes protected_area = {
      std::byte{0x08}, std::byte{0x69}, std::byte{0x0C}, std::byte{0x00},
      std::byte{0x50}, std::byte{0x00}, std::byte{0x04}, std::byte{0x00},
      std::byte{static_cast<std::uint8_t>(c)}, std::byte{static_cast<std::uint8_t>(c >> 8)},
      std::byte{static_cast<std::uint8_t>(c >> 16)}, std::byte{static_cast<std::uint8_t>(c >> 24)}};
  CHECK(slice(image, p, 12) == protected_area);

  // TLV area: info {0x6907, total}, SHA256 (0x10), KEYHASH (0x01), ECDSA_SIG (0x22).
  const std::size_t q = p + 12;
  CHECK(le16(image, q) == 0x6907);
  CHECK(q + le16(image, q + 2) == image.size());
  std::size_t t = q + 4;
  CHECK(slice(image, t, 4) == tlv_header(0x10, 32));
  CHECK(slice(image, t + 4, 32) == openssl_sha256(image.first(q)));
  t += 36;
  CHECK(slice(image, t, 4) == tlv_header(0x01, 32));
  CHECK(slice(image, t + 4, 32) == openssl_sha256(spki));
  t += 36;
  REQUIRE(t + 4 <= image.size());
  const std::size_t sig_len = le16(image, t + 2);
  CHECK(slice(image, t, 4) == tlv_header(0x22, sig_len));
  REQUIRE(t + 4 + sig_len == image.size());
  CHECK(image[t + 4] == std::byte{0x30});  // DER SEQUENCE
  CHECK(openssl_verify(spki, v1::ECDSA_P256_SHA256, image.first(q),
                       slice(image, t + 4, sig_len)));
  return q;
}

}  // namespace hallmark::testing
