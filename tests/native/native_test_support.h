// Independent checks for the native-format tests. Everything here is written from the
// public format descriptions — Espressif's "Secure Boot v2: Signature Block Format" table
// and MCUboot's "Image Format" (MCUboot's own design document and bootutil/image.h;
// summarised in docs/native-formats.md) — with offsets as literals and arithmetic done by
// OpenSSL directly (EVP digests, BIGNUM, EVP verification from tests/support/test_keys.h);
// none of it calls hallmark::native or hallmark::verifier, so the implementation cannot
// mark its own homework. Uses doctest CHECK/REQUIRE.
#pragma once

#include <cstdint>
#include <string>

#include <openssl/evp.h>

#include "hallmark/keys.pb.h"
#include "signer/native/sign_function.h"
#include "verifier/core/bytes.h"
#include "verifier/core/public_key.h"

namespace hallmark::testing {

// CRC-32 bit by bit: reflected polynomial 0xEDB88320, init 0xFFFFFFFF, final xor 0xFFFFFFFF.
std::uint32_t reference_crc32(ByteView data);
std::uint32_t le32(ByteView b, std::size_t at);
std::uint16_t le16(ByteView b, std::size_t at);
Bytes openssl_sha256(ByteView data);
Bytes slice(ByteView b, std::size_t at, std::size_t size);
Bytes reversed(ByteView b);
bool all_bytes(ByteView b, std::uint8_t value);

// Deterministic test firmware of `size` bytes whose first byte is non-zero.
Bytes firmware(std::size_t size, std::uint8_t seed = 1);

verifier::PublicKey public_key_of(EVP_PKEY* key);
// Signs in memory like TokenSigner: ECDSA-SHA256 (DER) or RSA-PSS SHA-256/MGF1/salt 32.
native::SignFunction memory_signer(EVP_PKEY* key, int* calls = nullptr);

// Checks every field of the single-block signature sector of `signed_image` made from
// `unsigned_image` with the key `spki` (RSA-3072 or P-256) against the documented layout;
// returns SHA-256 of the block's public-key fields (the eFuse digest).
Bytes check_esp32_layout(ByteView signed_image, ByteView unsigned_image, ByteView spki,
                         v1::KeyAlgorithm algorithm);

// Recomputes the CRC of the block starting at `block_offset` (after a deliberate edit).
void fix_esp32_crc(Bytes& signed_image, std::size_t block_offset);

struct ExpectedMcuboot {
  Bytes body;
  std::uint16_t header_size = 32;
  std::uint32_t load_addr = 0;
  std::uint8_t major = 0, minor = 0;
  std::uint16_t revision = 0;
  std::uint32_t build = 0;
  std::uint32_t security_counter = 0;
  std::uint8_t header_fill = 0xFF;  // bytes between the 32-byte header and header_size
};

// Checks header, body, protected TLVs and TLVs of `signed_image` at documented offsets,
// including the key hash (SHA-256 of `spki`) and the signature (OpenSSL, over header, body
// and protected TLVs). Returns the offset of the TLV info (0x6907).
std::size_t check_mcuboot_layout(ByteView signed_image, const ExpectedMcuboot& expected,
                                 ByteView spki);

}  // namespace hallmark::testing
