// The station's state directory (default /var/lib/hallmark-station): the trust root it was
// pinned to at enrollment, its registration, its SKU policy, the bundles it accepted and
// the content-addressed cache they are staged in.
//
// Layout: trust-root/anchor.sha256 (the pinned anchor's payload digest, hex, written once),
// trust-root/v<N>.json (the chain, each file written once and read-only),
// revocations/<payload-sha256>.json (every revocation this station was given, written once
// and read-only, never removed), registration.json,
// policy.textproto (StationPolicy, written by the operator), accepted.textproto
// (StationIntakeLedger) and cache/<bundle-digest>.bundle (mode 0444).
//
// Guarantees: the pin is never replaced — a chain whose anchor differs from the pinned one
// is refused, whatever it carries; a registration is stored only after it verified under
// the pinned chain for this station's id (and, when given, this station's token key ids).
// Trust is only ever loaded through load_station_trust(), which hands the pinned chain,
// every stored revocation and the reference time to verifier::load_trust(); a revocation
// is stored only after it verified there.
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
#include "verifier/io/envelope_file.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trust.h"

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

// Which stored revocations load_station_trust() applies.
enum class StoredRevocations { kApply, kLeaveOut };

// verifier::load_trust() of the pinned chain (AnchorPin::digest of the pinned anchor),
// the stored revocations (unless kLeaveOut: only to identify this station's registration,
// never to decide anything), then `more`, at `now_unix`.
[[nodiscard]] Result<verifier::Trust> load_station_trust(
    const std::filesystem::path& dir, std::int64_t now_unix,
    std::span<const verifier::TrustDocument> more = {},
    StoredRevocations stored = StoredRevocations::kApply);

// DIR/revocations.
[[nodiscard]] std::filesystem::path revocations_dir(const std::filesystem::path& dir);
// The stored revocations, by file name (their payload SHA-256), oldest name first.
[[nodiscard]] Result<std::vector<verifier::TrustDocument>> stored_revocations(
    const std::filesystem::path& dir);
// Checks each of `revocations` with load_station_trust() (signed by a root quorum of the
// pinned chain) and stores those not yet stored as revocations/<payload-sha256>.json
// (0444, fsync). Nothing is stored unless all verify. The number newly stored.
[[nodiscard]] Result<std::size_t> store_revocations(
    const std::filesystem::path& dir, std::span<const verifier::TrustDocument> revocations,
    std::int64_t now_unix);

// The stored registration, re-verified under `root` (its revocations applied).
[[nodiscard]] Result<verifier::VerifiedStation> load_registration(
    const std::filesystem::path& dir, const verifier::TrustedRoot& root, std::int64_t now_unix);

// DIR/policy.textproto, the station's configuration: its SHA-256 is the config hash the
// station enrolled with and reports in every attestation.
[[nodiscard]] std::filesystem::path policy_file(const std::filesystem::path& dir);
// The station policy, or std::nullopt when the file does not exist.
[[nodiscard]] Result<std::optional<v1::StationPolicy>> load_policy(const std::filesystem::path& dir);

// Reads DSSE JSON envelope files (bounded), naming the file on error: the one reader,
// verifier/io/envelope_file.h.
using fileio::read_envelope;

}  // namespace hallmark::station
