// A small tmpfs the test mounts on a directory of its own (root only: mount(2)), for
// full-disk tests: fill() takes all its space but `leave` bytes, so the next write of the
// code under test meets ENOSPC. Unmounted (lazily, MNT_DETACH) when the object goes,
// also when the test fails. Where mounting is not permitted (not root, no CAP_SYS_ADMIN,
// a container without it) mounted() is false and why() says why: the test skips with
// that message.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace hallmark::testing {

class TmpfsMount {
 public:
  TmpfsMount(std::filesystem::path dir, std::size_t bytes) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("hallmark-test-tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                options.c_str()) != 0) {
      why_ = "cannot mount a tmpfs on " + dir_.string() + ": " + std::strerror(errno) +
             " (full-disk tests need root with CAP_SYS_ADMIN)";
      return;
    }
    mounted_ = true;
  }
  ~TmpfsMount() { unmount(); }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why() const { return why_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  // Bind-mounts this tmpfs (or a directory inside it) over `target` too; undone first.
  [[nodiscard]] bool bind(const std::filesystem::path& from, const std::filesystem::path& target) {
    if (::mount(from.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) return false;
    binds_.push_back(target);
    return true;
  }

  // Fills the file system to `leave` bytes free (rounded to its pages) with a file named
  // .filler; free() removes it.
  void fill(std::size_t leave) {
    const std::filesystem::path filler = dir_ / ".filler";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;
    std::vector<char> block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
    if (leave > 0) {
      const auto size = std::filesystem::file_size(filler);
      std::filesystem::resize_file(filler, size > leave ? size - leave : 0);
    }
  }
  void free() {
    std::error_code ec;
    std::filesystem::remove(dir_ / ".filler", ec);
  }

 private:
  void unmount() {
    for (auto it = binds_.rbegin(); it != binds_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    binds_.clear();
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    mounted_ = false;
  }

  std::filesystem::path dir_;
  std::vector<std::filesystem::path> binds_;
  bool mounted_ = false;
  std::string why_;
};

}  // namespace hallmark::testing
