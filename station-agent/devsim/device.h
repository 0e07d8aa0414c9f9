// SimulatedDevice: the state and behaviour of one simulated MCU behind hallmark-devsim.
//
// A mock that stands in for a physical MCU in tests and demos; it models no specific chip,
// but presents the family, revision and boot formats it is given (default kDefaultFamily:
// the family of the tests' bundles) and its flash size, so a test or the demo can plug in
// the wrong board. It holds a unique hardware id, flash of a fixed size (erased = 0xFF) with a write speed,
// one-time eFuses (key digest, secure-boot enable, debug disable: a second burn is refused),
// the boot ROM of boot_rom.h, a device-held P-256 identity key generated here with OpenSSL
// (only its public key ever leaves the device) and an installed certificate. Fault
// injection (write error at an offset, a different hardware id or family on re-read — a
// board swapped mid-run — eFuses already burned) is configured by DeviceOptions; the disconnect and slow-link faults belong to the
// server. With a state file every change is saved atomically, so a device can be stopped
// and "reintroduced" later with the same id, flash, eFuses and key. The state file holds
// the simulated private key in the clear: it is a simulator. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::devsim {

inline constexpr const char* kDefaultFamily = "esp32-c3";
inline constexpr const char* kDefaultChipRevision = "v0.4";

struct DeviceOptions {
  std::string hardware_id;  // empty: random
  std::size_t flash_size = 4 * 1024 * 1024;
  std::string family = kDefaultFamily;
  std::string chip_revision = kDefaultChipRevision;
  std::vector<std::string> boot_formats;  // empty: not reported
  std::optional<std::string> family_on_reread;
  std::uint32_t write_kib_per_s = 0;  // 0: instant
  std::optional<std::uint64_t> fail_write_at;
  std::optional<std::string> hardware_id_on_reread;
  bool efuses_burned = false;
  std::optional<std::filesystem::path> state_file;
};

class SimulatedDevice {
 public:
  static Result<SimulatedDevice> create(const DeviceOptions& options);

  Result<std::string> identify();
  // The family, revision and formats it was given and the size of its flash (the flash as
  // loaded from a state file); family_on_reread from the second call on.
  [[nodiscard]] device::DeviceDescription describe();
  Result<void> write(std::uint32_t offset, ByteView data);
  [[nodiscard]] Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) const;
  Result<Bytes> generate_identity();  // public key DER; the same key once generated
  Result<void> install_certificate(ByteView der);
  Result<void> burn_efuse(std::string_view name, ByteView value);
  [[nodiscard]] Result<device::Measurement> measure(const std::vector<device::Region>& regions) const;
  [[nodiscard]] device::BootVerdict boot() const;
  // Saves the state file (when there is one). Flash writes are saved only here — the
  // server calls it when a connection ends — so a long flash is not one fsync per frame.
  Result<void> save() const;

 private:
  explicit SimulatedDevice(DeviceOptions options) : options_(std::move(options)) {}
  Result<void> load(const std::filesystem::path& path);
  Result<void> check_region(std::uint64_t offset, std::uint64_t length) const;

  DeviceOptions options_;
  std::string hardware_id_;
  Bytes flash_;
  device::EfuseState efuses_;
  Bytes identity_key_der_;  // private key DER (SEC1, as OpenSSL writes it); empty until generated
  Bytes certificate_;
  unsigned identify_count_ = 0;
  unsigned describe_count_ = 0;
};

}  // namespace hallmark::devsim
