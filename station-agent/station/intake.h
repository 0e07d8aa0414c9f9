// Bundle intake: what a station accepts before it may program a device with a bundle.
//
// intake_bundle() first stores the given revocations (store_revocations: verified under the
// pinned chain, kept in the state directory for good, journaled at the next open of the
// line), then verifies the promoted bundle exactly as `hallmark-verify bundle` does
// (verify_promoted_bundle) but from the trust root PINNED in the state directory — newer
// versions carried in the bundle extend it for this check, the pin never changes — with
// every stored revocation applied and this station's registration re-verified. Then
// station policy: the channel is one the station takes (accepted_channels, checked inside
// verify_promoted_bundle), the SKU is listed in policy.textproto, and the
// version is above and the security counter not below every bundle already accepted for
// that SKU. Accepted bundles are staged
// as cache/<bundle-digest>.bundle (temp file, fsync, rename, mode 0444) and recorded in
// accepted.textproto. Taking in an accepted bundle again changes nothing.
//
// recheck_cached() re-hashes a cached file against the digest recorded at intake; call it
// before every write to a device. Never reads key material; one process per state
// directory at a time; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trust.h"

namespace hallmark::station {

struct IntakeResult {
  bundle::VerifiedRelease release;
  std::filesystem::path cached;  // cache/<bundle-digest>.bundle
  verifier::Digest file_sha256;  // of the cached file
  bool already_accepted = false;  // the same bundle was taken in before; nothing changed
};

[[nodiscard]] Result<IntakeResult> intake_bundle(
    const std::filesystem::path& dir, const std::filesystem::path& bundle_file,
    std::span<const verifier::TrustDocument> revocations, std::int64_t now_unix);

// The channels this station takes (policy allowed_channels, or "production" when it lists
// none), given to verify_promoted_bundle: its check_channel is the one channel rule.
[[nodiscard]] std::vector<std::string> accepted_channels(const v1::StationPolicy& policy);

// The station policy's SKU rule for a release, shared by intake and every programming run.
// kPolicyRefused naming the policy file.
[[nodiscard]] Result<void> check_release_policy(const std::filesystem::path& dir,
                                                const v1::StationPolicy& policy,
                                                const v1::PromotedRelease& release);

// The accepted entry for `bundle_digest` after its cached file hashed to the recorded
// SHA-256 and is still read-only. kVerificationFailed when it changed; kUsage when the
// bundle was never accepted here.
[[nodiscard]] Result<v1::AcceptedBundle> recheck_cached(const std::filesystem::path& dir,
                                                        const verifier::Digest& bundle_digest);

// The bundles accepted here (DIR/accepted.textproto), in the order they were accepted;
// empty when none was.
[[nodiscard]] Result<v1::StationIntakeLedger> read_ledger(const std::filesystem::path& dir);

// Path of the cached copy of `bundle_digest` (whether or not it exists).
[[nodiscard]] std::filesystem::path cached_path(const std::filesystem::path& dir,
                                                const verifier::Digest& bundle_digest);

}  // namespace hallmark::station
