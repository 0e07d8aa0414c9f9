// The rules every Bundle obeys, checked when a bundle is created and again when one is
// read: a station must not run a plan that the signer would have refused to build.
//
// check_bundle_rules() checks the Bundle message alone (no files, no catalog): a version,
// images with unique names, a role, a non-zero size and a 32-byte digest field (or, when
// `require_digests` is false, none yet), each image inside the declared flash, no two
// images overlapping (the message names both and the overlapping range in hex), a plan
// whose steps name existing images and eFuses, read-back only after a write, every image
// written, every eFuse burnt exactly once, eFuse burns last (only MEASURE steps may follow
// them), and a certificate profile when the plan provisions an identity. Failures are
// kPolicyRefused. A station-software release (Bundle.station_software set, SKU
// kStationSoftwareSku; either without the other is refused) obeys its own rules instead:
// package files as raw data at address 0 with unique names, no device family, flash,
// plan, eFuses or certificate profile, and every installed program an absolute path,
// listed once, with a 32-byte digest, naming one of the package files (at least one
// program when `require_digests`). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "hallmark/release.pb.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

// The eFuse names a bundle's plan may burn, and the value of `key-digest` that means "the
// digest of the release key that signed the bootloader" (the station burns the digest the
// promoted release records for its ESP32 Secure Boot V2 images).
inline constexpr std::string_view kEfuseKeyDigest = "key-digest";
inline constexpr std::string_view kEfuseSecureBoot = "secure-boot-enable";
inline constexpr std::string_view kEfuseDebugDisable = "debug-disable";
inline constexpr std::string_view kReleaseKeyDigestValue = "release-key";

// An eFuse setting's value for people: `release-key` named as what it stands for (with
// the digest when the promoted release is known), anything else as hex.
[[nodiscard]] std::string efuse_value_text(const v1::EfuseSetting& setting,
                                           const std::string& release_key_digest_hex = {});

// The SKU of every station-software release and of nothing else (its own promotion
// history, so firmware and station software never share an anti-rollback line).
inline constexpr std::string_view kStationSoftwareSku = "station-software";

// What a bundle releases: firmware for devices, or a station's software. The one rule is
// Bundle.station_software's presence (covered by the bundle digest every signature names),
// so a release approved as one kind is never accepted as the other.
enum class ReleaseKind { kFirmware, kStationSoftware };
[[nodiscard]] ReleaseKind release_kind(const v1::Bundle& bundle);
[[nodiscard]] std::string_view release_kind_name(ReleaseKind kind);

[[nodiscard]] Result<void> check_bundle_rules(const v1::Bundle& bundle,
                                              bool require_digests = true);

// "write app", "burn-efuse secure-boot-enable", ... — how a plan step reads in messages.
[[nodiscard]] std::string describe_step(const v1::ProvisioningStep& step);
// "0x10000"
[[nodiscard]] std::string hex_address(std::uint64_t value);

}  // namespace hallmark::bundle
