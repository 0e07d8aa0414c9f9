// UniqueFd: owns one POSIX file descriptor and closes it exactly once.
//
// For code that must check close() (writes that are about to be committed), close() reports
// the error; otherwise the destructor closes and ignores errors. Move-only; not shared
// between threads.
#pragma once

#include <unistd.h>

#include <utility>

namespace hallmark::fileio {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

  // Closes now; returns close()'s result (0 on success, -1 with errno set).
  int close() noexcept { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }

 private:
  void reset() noexcept {
    if (fd_ >= 0) (void)::close(std::exchange(fd_, -1));
  }
  int fd_ = -1;
};

}  // namespace hallmark::fileio
