// Internal to hallmark::trust: the device-CA certificate rules, against a set of candidate
// issuer keys (a trust root may list more than one manufacturing-CA key). Pure OpenSSL
// parsing and verification of caller-supplied bytes; no files, no clock. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::verifier::detail {

// verify_device_ca_certificate(), accepting a signature by any one of `issuers`.
Result<void> verify_device_ca_certificate_by_any(ByteView certificate_der,
                                                 std::span<const PublicKey> issuers,
                                                 const PublicKey& subject_key,
                                                 std::string_view station_id, int64_t now_unix);

}  // namespace hallmark::verifier::detail
