// Test-only: runs hallmark-devsim as a child process on a socket in a private temporary
// directory, waits until it is listening, and kills it (SIGKILL) and removes the
// directory when destroyed. Throws std::runtime_error when the simulator does not start.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace hallmark::testing {

class DevSim {
 public:
  explicit DevSim(const std::vector<std::string>& flags = {});
  ~DevSim();
  DevSim(const DevSim&) = delete;
  DevSim& operator=(const DevSim&) = delete;

  [[nodiscard]] std::string uri() const { return "sim:" + socket_.string(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // Stops the simulator (SIGTERM, like pulling the device) and starts it again with `flags`.
  void restart(const std::vector<std::string>& flags);

 private:
  void start(const std::vector<std::string>& flags);
  void stop();
  std::filesystem::path dir_;
  std::filesystem::path socket_;
  pid_t pid_ = -1;
};

}  // namespace hallmark::testing
