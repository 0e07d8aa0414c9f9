#include "station-agent/console/pin_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace hallmark::station::console {
namespace {

Result<void> write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return fail(ErrorCode::kIo,
                  fmt::format("cannot pass the PIN to the token layer: {}", std::strerror(errno)));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<PinPipe> PinPipe::carry(const hsm::Pin& pin, int copies) {
  if (pin.empty()) return fail(ErrorCode::kUsage, "no PIN was entered");
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(ErrorCode::kIo,
                fmt::format("cannot make a pipe for the PIN: {}", std::strerror(errno)));
  }
  PinPipe reader(fds[0]);
  // A PIN is at most hsm::Pin::kMaxLength bytes, far below a pipe's buffer: no write blocks.
  static constexpr unsigned char kNewline = '\n';
  Result<void> written;
  for (int i = 0; i < copies && written; ++i) {
    written = write_all(fds[1], pin.data(), pin.size());
    if (written) written = write_all(fds[1], &kNewline, 1);
  }
  ::close(fds[1]);
  if (!written) return std::unexpected(written.error());
  return reader;
}

PinPipe::~PinPipe() {
  if (fd_ >= 0) ::close(fd_);
}

PinPipe::PinPipe(PinPipe&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

PinPipe& PinPipe::operator=(PinPipe&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

std::string PinPipe::source() const { return fmt::format("fd:{}", fd_); }

}  // namespace hallmark::station::console
