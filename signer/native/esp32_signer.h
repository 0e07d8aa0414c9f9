// ESP32 Secure Boot V2 signing: the signature sector espsecure's
// `sign_data --version 2` appends, produced with a key that may live in a token.
//
// sign_esp32_sbv2() pads the image with 0xFF to a 4096-byte boundary, has `sign` sign the
// padded bytes (RSA-3072 RSASSA-PSS or ECDSA P-256, SHA-256), and appends one 4096-byte
// sector: a single signature block (magic 0xE7, version 0x02 RSA / 0x03 ECDSA, image
// SHA-256, public-key fields and signature little-endian, CRC-32) followed by 0xFF. The
// result is returned only after verify_esp32_sbv2() accepted it under `release_key`, so a
// callback that signs with another key or in another format yields an Error.
// The image is copied once, into the output. Never reads private key material.
// Thread-safety: a pure function of its arguments; `sign` is called once.
#pragma once

#include "signer/native/sign_function.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/native/esp32_secure_boot_v2.h"

namespace hallmark::native {

// kUsage for an empty image or a key other than RSA-3072 / ECDSA P-256; the callback's own
// Error unchanged; kVerificationFailed when its signature does not verify.
[[nodiscard]] Result<Bytes> sign_esp32_sbv2(ByteView image, const verifier::PublicKey& release_key,
                                            const SignFunction& sign);

}  // namespace hallmark::native
