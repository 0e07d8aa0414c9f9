// A station's enrollment request: the signed StationEnrollment a root quorum will sign in.
//
// make_enrollment_request() puts the station id, both public keys, both keys' PKCS#11
// provenance, the token's profile and C_GetTokenInfo, the station software and configuration hashes and the creation time into a
// StationEnrollment, serialises it deterministically, and signs the DSSE PAE of those
// exact bytes with BOTH keys — the station key and the device-CA key — so the request
// proves possession of each. Before anything is signed it refuses keys that are or were
// extractable, keys not generated on the token, the same key in both roles, and station ids
// that could not appear in a device-CA certificate name. Before returning it verifies the
// envelope with both public keys (threshold 2). Never reads private key material: keys are
// token handles. Thread-safety: as the TokenSigners' Sessions (one thread at a time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "hsm-profiles/src/token_signer.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::station {

// Station ids: 1 to 45 of [A-Za-z0-9._-] (45 = 64-character CN less "Hallmark device CA ").
inline constexpr std::size_t kMaxStationIdLength = 45;

struct EnrollmentInfo {
  std::string station_id;
  verifier::Digest software_sha256;  // the running station binary
  verifier::Digest config_sha256;    // the station configuration file
  std::int64_t now_unix = 0;
  std::string token_profile;  // the HSM profile the keys were opened under
  v1::TokenInfo token;        // the station token's C_GetTokenInfo
};

// kUsage naming the id when it is empty, too long or has other characters.
[[nodiscard]] Result<void> check_station_id(std::string_view station_id);

// The request envelope (payload type station-enrollment). kPolicyRefused for a key that
// fails verifier::check_production_use (imported keys included) or for one key in both
// roles; token errors from signing as they come.
[[nodiscard]] Result<v1::Envelope> make_enrollment_request(hsm::TokenSigner& station_key,
                                                           hsm::TokenSigner& device_ca_key,
                                                           const EnrollmentInfo& info);

}  // namespace hallmark::station
