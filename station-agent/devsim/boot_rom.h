// The simulated boot ROM: would the bootloader at flash offset 0 boot?
//
// A mock of an ESP32-style ROM for the simulator, not of any exact silicon. Without secure
// boot it boots anything that is not erased flash. With secure boot enabled it looks for a
// Secure Boot V2 signature sector after the bootloader (a 4096-aligned sector whose block
// carries the SHA-256 of everything before it), takes the public key from each signature
// block, accepts only a key whose eFuse digest (esp32_key_digest) equals the burned key
// digest, and then verifies the image with verifier/native's verify_esp32_sbv2. ECDSA P-256
// blocks only; an RSA block is refused as not modelled. Pure function; thread-safe.
#pragma once

#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"

namespace hallmark::devsim {

[[nodiscard]] device::BootVerdict check_boot(ByteView flash, const device::EfuseState& efuses);

}  // namespace hallmark::devsim
