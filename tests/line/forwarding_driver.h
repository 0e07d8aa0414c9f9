// ForwardingDriver: a DeviceDriver that hands every call to a real one (a simulator's). A
// test that plays a broken or lying device tool derives from it and overrides only the call
// it falsifies, so each fake says exactly what it changes.
#pragma once

#include <string_view>
#include <vector>

#include "station-agent/driver/device_driver.h"

namespace hallmark::line::testing {

class ForwardingDriver : public device::DeviceDriver {
 public:
  explicit ForwardingDriver(device::DeviceDriver& real) : real_(real) {}
  Result<device::HardwareId> identify() override { return real_.identify(); }
  Result<device::DeviceDescription> describe() override { return real_.describe(); }
  Result<void> write(std::uint32_t offset, ByteView data, const device::WriteProgress& progress) override {
    return real_.write(offset, data, progress);
  }
  Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) override {
    return real_.read_hash(offset, length);
  }
  Result<Bytes> generate_identity() override { return real_.generate_identity(); }
  Result<void> install_certificate(ByteView der) override { return real_.install_certificate(der); }
  Result<void> burn_efuse(std::string_view name, ByteView value) override {
    return real_.burn_efuse(name, value);
  }
  Result<device::Measurement> measure(const std::vector<device::Region>& regions) override {
    return real_.measure(regions);
  }
  Result<device::BootVerdict> reset() override { return real_.reset(); }
  device::DeviceTool tool() override { return real_.tool(); }

 private:
  device::DeviceDriver& real_;
};

}  // namespace hallmark::line::testing
