// SimDriver: the DeviceDriver for hallmark-devsim, over its Unix socket (devsim/protocol.h).
//
// Writes go out in kChunk-byte frames so progress is reported and a failure names the
// offset; every exchange has a deadline (`timeout`), so a simulator that drops the
// connection or stops answering is a kIo Error, not a hang. After a transport failure the
// connection is closed and every later call fails: reconnect with a new SimDriver (as a
// person would re-plug the cable). Not thread-safe.
#pragma once

#include <chrono>
#include <filesystem>

#include "station-agent/devsim/protocol.h"
#include "station-agent/driver/device_driver.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::device {

class SimDriver final : public DeviceDriver {
 public:
  static constexpr std::size_t kChunk = 64 * 1024;

  static Result<std::unique_ptr<SimDriver>> connect(const std::filesystem::path& socket,
                                                    std::chrono::milliseconds timeout = kDefaultTimeout);

  Result<HardwareId> identify() override;
  Result<DeviceDescription> describe() override;
  Result<void> write(std::uint32_t offset, ByteView data, const WriteProgress& progress) override;
  Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) override;
  Result<Bytes> generate_identity() override;
  Result<void> install_certificate(ByteView der) override;
  Result<void> burn_efuse(std::string_view name, ByteView value) override;
  Result<Measurement> measure(const std::vector<Region>& regions) override;
  Result<BootVerdict> reset() override;
  // "sim": the simulator has no config file and runs no program.
  DeviceTool tool() override { return DeviceTool{"sim", std::nullopt, {}}; }

 private:
  SimDriver(fileio::UniqueFd fd, std::string socket, std::chrono::milliseconds timeout)
      : fd_(std::move(fd)), socket_(std::move(socket)), timeout_(timeout) {}
  // One request/reply; a non-ok status becomes an Error carrying the device's message.
  Result<Bytes> call(devsim::Opcode op, Bytes payload);

  fileio::UniqueFd fd_;
  std::string socket_;
  std::chrono::milliseconds timeout_;
};

}  // namespace hallmark::device
