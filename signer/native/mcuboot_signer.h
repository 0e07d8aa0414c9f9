// MCUboot signing: a signed image laid out as imgtool `sign` lays it out, produced with an
// ECDSA P-256 key that may live in a token.
//
// Output: the 32-byte header (magic, load address, header size, protected TLV size, body
// size, flags, version) padded to header_size, the body, the protected TLV area (0x6908)
// with the security counter, and the TLV area (0x6907) with SHA256, KEYHASH (SHA-256 of the
// key's DER SubjectPublicKeyInfo) and ECDSA_SIG (DER) in imgtool's order. A non-zero load
// address sets IMAGE_F_RAM_LOAD, as imgtool --load-addr does. The result is returned only
// after verify_mcuboot() accepted it under `key`. The body is copied once, into the output.
// Never reads private key material. Thread-safety: a pure function of its arguments;
// `sign` is called once.
#pragma once

#include <cstdint>

#include "signer/native/sign_function.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/native/mcuboot.h"

namespace hallmark::native {

// Where the header goes.
enum class McubootHeaderSpace {
  kDetect,    // kReserved if the image starts with header_size zero bytes, else kPrepend
  kReserved,  // the build left header_size zero bytes at the start (imgtool default)
  kPrepend,   // raw body: header_size bytes are added in front (imgtool --pad-header;
              // bytes between the 32-byte header and header_size are 0xff)
};

struct McubootParams {
  std::uint32_t load_addr = 0;
  std::uint16_t header_size = 32;  // imgtool default; Zephyr builds use 0x200
  McubootVersion version;
  std::uint32_t security_counter = 0;
  McubootHeaderSpace header_space = McubootHeaderSpace::kDetect;
};

// kUsage for a key other than ECDSA P-256, header_size below 32, a reserved header that is
// not all zero, an image that already starts with the MCUboot magic, or sizes that do not
// fit the header's fields; the callback's own Error unchanged; kVerificationFailed when
// its signature does not verify.
[[nodiscard]] Result<Bytes> sign_mcuboot(ByteView image, const McubootParams& params,
                                         const verifier::PublicKey& key,
                                         const SignFunction& sign);

}  // namespace hallmark::native
