// Value types a device reports: its hardware id, what part it is (DeviceDescription), its
// eFuse state and what its boot ROM would do with the flash as it stands.
//
// Shared by the device drivers and the simulator's wire protocol, so both sides agree on
// one meaning. Plain values; no I/O; thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "verifier/core/ids.h"
#include "verifier/core/sha256.h"

namespace hallmark::device {

// The identity a chip reports about itself (eFuse MAC / unique id), as printable text: the
// one hardware-id type (verifier/core/ids.h), so a driver's answer cannot be taken for a
// serial.
using HardwareId = hallmark::HardwareId;

// What the device says it is, as far as its driver can honestly tell: the chip family, the
// flash size the chip reports, its silicon revision and, when the driver knows them, the
// native image formats its boot ROM boots. The station compares it with the bundle's SKU
// before anything is written (verifier/bundle/device_match.h); an empty family or a zero
// flash size means "unknown", which never matches.
struct DeviceDescription {
  std::string family;                     // as reported, e.g. "ESP32-C6", "nrf52840"
  std::uint64_t flash_size = 0;           // bytes; 0: unknown
  std::string chip_revision;              // "" when the driver cannot tell (recorded only)
  std::vector<std::string> boot_formats;  // "ESP32_SECURE_BOOT_V2", "MCUBOOT"; empty: unknown
  friend bool operator==(const DeviceDescription&, const DeviceDescription&) = default;
};

struct EfuseState {
  bool key_digest_burned = false;
  verifier::Digest key_digest;  // all zero unless burned
  bool secure_boot_enabled = false;
  bool debug_disabled = false;
  friend bool operator==(const EfuseState&, const EfuseState&) = default;
};

// What the boot ROM decides about the bootloader at flash offset 0.
struct BootVerdict {
  bool boots = false;
  std::string reason;  // why it boots or is refused, for a person
};

struct Region {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

struct Measurement {
  BootVerdict boot;
  EfuseState efuses;
  bool identity_present = false;
  bool certificate_present = false;
  std::vector<verifier::Digest> region_digests;  // one per requested Region, in order
};

// eFuse names accepted by burn_efuse().
inline constexpr const char* kEfuseKeyDigest = "key_digest";        // value: 32 bytes
inline constexpr const char* kEfuseSecureBoot = "secure_boot";      // value: 01
inline constexpr const char* kEfuseDebugDisable = "debug_disable";  // value: 01

}  // namespace hallmark::device
