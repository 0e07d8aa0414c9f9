// InstantDevice: a DeviceDriver held entirely in memory that answers at once — a stand-in
// for a physical device, for benchmarks only (station_unit_bench), so what is timed is the
// station and not a device or its transport.
//
// It keeps a hardware id, a 4 MiB flash, the three eFuses (one-time, burned by the
// simulator's rules: station-agent/devsim/efuses.h), an identity key (a real P-256 key made
// with OpenSSL) and the installed certificate. It has
// NO boot ROM model: reset() and measure() always report that the device boots, whatever
// the flash holds. The secure-boot ROM model, fault injection and a real transport live in
// hallmark-devsim (tests/devsim); every test of the station's behaviour uses that.
//
// The time spent inside its methods (copying, hashing, key generation: work a real chip
// does on its own silicon) is added to busy(), so a benchmark can subtract it. Not
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "station-agent/driver/device_driver.h"

namespace hallmark::bench {

class InstantDevice final : public device::DeviceDriver {
 public:
  static constexpr std::size_t kFlashSize = 4 * 1024 * 1024;

  explicit InstantDevice(std::string hardware_id);

  // The operator puts the next, blank unit on the fixture: a new hardware id, erased flash
  // (only what was written, so this stays cheap), unburned eFuses, no identity.
  void next_unit(std::string hardware_id);

  // Time spent inside the driver calls since construction.
  [[nodiscard]] std::chrono::nanoseconds busy() const noexcept { return busy_; }

  Result<device::HardwareId> identify() override;
  // The tests' bundle's part: esp32-c3 with kFlashSize bytes (the simulator's default).
  Result<device::DeviceDescription> describe() override;
  Result<void> write(std::uint32_t offset, ByteView data,
                     const device::WriteProgress& progress) override;
  Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) override;
  Result<Bytes> generate_identity() override;
  Result<void> install_certificate(ByteView der) override;
  Result<void> burn_efuse(std::string_view name, ByteView value) override;
  Result<device::Measurement> measure(const std::vector<device::Region>& regions) override;
  Result<device::BootVerdict> reset() override;
  device::DeviceTool tool() override { return device::DeviceTool{"instant", std::nullopt, {}}; }

 private:
  class Busy;
  Result<void> check_region(std::uint64_t offset, std::uint64_t length) const;
  [[nodiscard]] device::BootVerdict boot() const;

  std::string hardware_id_;
  Bytes flash_;
  std::size_t written_end_ = 0;  // flash_[written_end_..] is still erased
  device::EfuseState efuses_;
  Bytes identity_spki_;  // the private key is not kept: nothing here ever signs
  Bytes certificate_;
  std::chrono::nanoseconds busy_{0};
};

}  // namespace hallmark::bench
