// DeviceServer: serves one SimulatedDevice on a Unix socket with the protocol of
// protocol.h, one connection at a time, until the process is stopped.
//
// A connection is a cable being plugged in: the device keeps its state across connections.
// Link faults live here: `disconnect_at` drops the connection without a reply in the
// middle of the WRITE frame that covers that offset (bytes before it are written), once per
// process — a cable glitch; the next connection works. `slow` delays every reply by
// kSlowDelay. A peer that sends garbage or goes silent for the read timeout is dropped.
// Never exits on a client error. Not thread-safe; one per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

#include <functional>

#include "station-agent/devsim/device.h"
#include "station-agent/devsim/protocol.h"
#include "verifier/core/error.h"

namespace hallmark::devsim {

struct ServerOptions {
  std::filesystem::path socket_path;
  std::optional<std::uint64_t> disconnect_at;
  bool slow = false;
};

inline constexpr std::chrono::milliseconds kSlowDelay{100};
inline constexpr std::chrono::milliseconds kIdleTimeout{60000};

class DeviceServer {
 public:
  DeviceServer(SimulatedDevice device, ServerOptions options)
      : device_(std::move(device)), options_(std::move(options)) {}

  // Binds (replacing a stale socket file), calls `ready` once listening, then serves
  // forever. Returns only on a failure to bind or accept.
  Result<void> run(const std::function<void()>& ready);

 private:
  void serve(int fd);
  // The reply to one request, or nullopt to drop the connection (injected disconnect).
  std::optional<Frame> handle(const Frame& request);

  SimulatedDevice device_;
  ServerOptions options_;
  bool disconnected_once_ = false;
};

}  // namespace hallmark::devsim
