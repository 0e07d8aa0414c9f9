// The station's state directory (default /var/lib/hallmark-station): the trust root it was
// pinned to at enrollment, its registration, its SKU policy, the bundles it accepted and
// the content-addressed cache they are staged in.
//
// Layout: trust-root/anchor.sha256 (the pinned anchor's payload digest, hex, written once),
// trust-root/v<N>.json (the chain, each file written once and read-only), registration.json,
// policy.textproto (StationPolicy, written by the operator), accepted.textproto
// (StationIntakeLedger) and cache/<bundle-digest>.bundle (mode 0444).
//
// Guarantees: the pin is never replaced — a chain whose anchor differs from the pinned one
// is refused, whatever it carries; a registration is stored only after it verified under
// the pinned chain for this station's id (and, when given, this station's token key ids).
// Every write commits by rename after fsync. Never reads key material. One process at a
// time per directory; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::station {

inline constexpr const char* kDefaultStateDir = "/var/lib/hallmark-station";

// The key ids (SHA-256 of SPKI, hex) of the keys on this station's token.
struct StationKeyIds {
  std::string station_key;
  std::string device_ca_key;
};

struct InstallInput {
  const v1::Envelope* registration = nullptr;
  std::span<const v1::Envelope> chain;    // trust root versions, anchor first
  std::string station_id;                 // this station's id
  std::optional<StationKeyIds> token_keys;  // absent: the token was not consulted
  std::int64_t now_unix = 0;
};

// Verifies the registration under `chain` (pinned on first install), checks the station
// id and token keys, then stores chain and registration. kPolicyRefused for another
// station, another trust root or mismatching keys; kVerificationFailed for a tampered one.
[[nodiscard]] Result<verifier::VerifiedStation> install_registration(
    const std::filesystem::path& dir, const InstallInput& input);

// The pinned chain, verified against the pinned anchor digest and fresh at `now_unix`.
[[nodiscard]] Result<verifier::TrustedRoot> load_pinned_root(const std::filesystem::path& dir,
                                                             std::int64_t now_unix);

// The stored registration, re-verified under `root` (revocations applied by the caller).
[[nodiscard]] Result<verifier::VerifiedStation> load_registration(
    const std::filesystem::path& dir, const verifier::TrustedRoot& root, std::int64_t now_unix);

// DIR/policy.textproto, the station's configuration: its SHA-256 is the config hash the
// station enrolled with and reports in every attestation.
[[nodiscard]] std::filesystem::path policy_file(const std::filesystem::path& dir);
// The station policy, or std::nullopt when the file does not exist.
[[nodiscard]] Result<std::optional<v1::StationPolicy>> load_policy(const std::filesystem::path& dir);

// Reads DSSE JSON envelope files (bounded), naming the file on error.
[[nodiscard]] Result<v1::Envelope> read_envelope(const std::filesystem::path& path);

}  // namespace hallmark::station
