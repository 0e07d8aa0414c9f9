// Is this device the part a bundle is for? One rule for the station, which refuses a unit
// before anything is written to it (station-agent/station/unit_programmer.cpp), and for
// countersign, which flags a PASS whose attested device is not its bundle's part
// (signer/evidence/event_findings.cpp, DEVICE_MISMATCH).
//
// The part of a bundle is its SKU's device family and flash size (Bundle.device_family,
// Bundle.flash_size, from the signer's SKU catalogue) and where its images lie. A device
// matches when, and only when:
//  - it reports a family, and that family is the bundle's after canonical_family() (ASCII
//    case and the separators '-' and '_' do not count: "ESP32-C6", "esp32c6" and
//    "esp32_c6" are one family; any other character — space, dot, non-ASCII look-alike,
//    control byte — makes the report unreadable, never "close enough");
//  - it reports a flash size, and that size is exactly the bundle's: a smaller flash cannot
//    hold the images, and a bigger one is another part (another module or a BOM change the
//    SKU catalogue does not record; add a SKU for it);
//  - every image the plan writes lies inside the flash it reports;
//  - when it reports the image formats it boots, every signed image's format is one of them.
// An unknown (empty) family or flash size never matches. The chip revision is recorded,
// not compared (a bundle names no revision). Pure: no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/bundle/unit_claims.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

inline constexpr std::size_t kMaxFamilyLength = 64;

// The part a bundle is for.
struct ExpectedDevice {
  std::string sku;
  std::string family;        // Bundle.device_family as written
  std::uint64_t flash_size = 0;
  std::vector<ClaimedImage> written;  // unit_claims(): what the plan writes, where
};

// kVerificationFailed as unit_claims() for a malformed bundle or release.
[[nodiscard]] Result<ExpectedDevice> expected_device(const v1::Bundle& bundle,
                                                     const v1::PromotedRelease& release);
// The same from claims already derived (unit_claims(bundle, release)).
[[nodiscard]] ExpectedDevice expected_device(const v1::Bundle& bundle, const UnitClaims& claims);

// Lower-case ASCII letters and digits of `family` with '-' and '_' dropped; "" when it
// holds any other character, is longer than kMaxFamilyLength, or nothing is left.
[[nodiscard]] std::string canonical_family(std::string_view family);

// Every way `found` is not the part `expected` names, one phrase each (what was found
// against what the SKU has); empty when it is that part.
[[nodiscard]] std::vector<std::string> device_mismatches(const v1::DeviceDescription& found,
                                                         const ExpectedDevice& expected);

// "SKU gateway-n9: family 'nrf52840', flash 1048576 bytes (1 MiB)" for people.
[[nodiscard]] std::string describe_part(const ExpectedDevice& expected);

// "family 'ESP32-C6', flash 4194304 bytes (4 MiB), revision v0.0" for people; unprintable
// bytes are shown as '?'.
[[nodiscard]] std::string describe_device(const v1::DeviceDescription& device);

// The same device read twice: family (as reported, byte for byte), flash size, revision
// and boot formats.
[[nodiscard]] bool same_device(const v1::DeviceDescription& a, const v1::DeviceDescription& b);

}  // namespace hallmark::bundle
