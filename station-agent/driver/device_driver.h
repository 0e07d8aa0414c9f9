// DeviceDriver: how the station talks to one device on the line, whatever is behind it.
//
// One interface for the simulator (`sim:/path/to/socket`, SimDriver) and for real
// programmers driven by vendor tools (`cmd:/path/to/config`, CommandTemplateDriver). Every
// call returns Result<>: an unreachable, silent or misbehaving device is an Error (kIo) with
// the device's own message, a refusal by the device (an eFuse already burned) is
// kPolicyRefused, never a hang — every exchange has a deadline. The station only ever
// receives the device's public identity key, never private key material. A driver is used
// by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "station-agent/driver/device_tool.h"
#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::device {

// Called after each chunk with the bytes written so far and the total.
using WriteProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

class DeviceDriver {
 public:
  virtual ~DeviceDriver() = default;

  virtual Result<HardwareId> identify() = 0;
  // What part the device is (family, flash size, ...), read from the device now — never
  // from configuration: a driver that cannot read it returns an Error, not a guess.
  virtual Result<DeviceDescription> describe() = 0;
  virtual Result<void> write(std::uint32_t offset, ByteView data, const WriteProgress& progress) = 0;
  virtual Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) = 0;
  // The device generates (or already holds) its identity key; returns the public key as
  // DER SubjectPublicKeyInfo.
  virtual Result<Bytes> generate_identity() = 0;
  virtual Result<void> install_certificate(ByteView der) = 0;
  virtual Result<void> burn_efuse(std::string_view name, ByteView value) = 0;
  virtual Result<Measurement> measure(const std::vector<Region>& regions) = 0;
  // Resets the device; reports what its boot ROM did with the bootloader.
  virtual Result<BootVerdict> reset() = 0;
  // What talks to the device (device_tool.h), identified now: recorded in every unit event.
  virtual DeviceTool tool() = 0;
};

inline constexpr std::chrono::milliseconds kDefaultTimeout{10000};

// `sim:PATH` (hallmark-devsim socket) or `cmd:PATH` (command-template config). kUsage for
// any other scheme; kIo when the device cannot be reached or the config not read.
[[nodiscard]] Result<std::unique_ptr<DeviceDriver>> open_driver(std::string_view uri);

}  // namespace hallmark::device
