// What a unit programmed with a promoted bundle shows in its attestation, derived from the
// signed Bundle and PromotedRelease alone: the images the plan writes (the bytes that go to
// the device: an image's native, signed form when it has one), where they lie in flash,
// and the eFuse key digest the unit may carry.
//
// One definition for both sides: the station names its attestation's regions with it
// (station-agent/station/provisioning_plan.cpp), and countersign compares every unit
// event with the bundle it names (signer/evidence/event_findings.cpp), so a station that
// claims images, read-backs or eFuse values the bundle does not hold is flagged, whatever
// its device tool said. Pure: no I/O, no clock; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

// The measured region of the burned secure-boot key digest eFuse.
inline constexpr std::string_view kKeyDigestRegion = "efuse key_digest";

// The measured region of `size` bytes at `address`: "flash 0x10000+4096".
[[nodiscard]] std::string flash_region(std::uint64_t address, std::uint64_t size);

struct ClaimedImage {
  std::string name;            // Image.name: the attestation's image_digests region
  std::string region;          // flash_region(address, size): its measured region
  verifier::Digest sha256;     // of the bytes written
  std::uint64_t address = 0;   // Image.flash_address
  std::uint64_t size = 0;      // of the bytes written (the native form's when it has one)
  v1::ImageFormat format = v1::IMAGE_FORMAT_RAW;  // Image.format
};

struct UnitClaims {
  std::vector<ClaimedImage> written;          // each image the plan writes, once, plan order
  std::optional<verifier::Digest> key_digest; // the ESP32 Secure Boot V2 key digest, if any
};

// kVerificationFailed when the bundle or release is malformed (a digest not 32 bytes, a
// plan naming an image the bundle lacks).
[[nodiscard]] Result<UnitClaims> unit_claims(const v1::Bundle& bundle,
                                             const v1::PromotedRelease& release);

// Every way `attestation` differs from `claims`, one sentence each; empty when it matches.
// Each image digest and measurement it carries must be one of the bundle's (a read-back
// or eFuse value the bundle does not plan is a mismatch); `complete` (the unit passed):
// every image the plan writes must be there, claimed and measured.
[[nodiscard]] std::vector<std::string> claim_mismatches(const v1::Attestation& attestation,
                                                        const UnitClaims& claims,
                                                        bool complete);

}  // namespace hallmark::bundle
