#include "verifier/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>
#include <system_error>
#include <utility>

namespace hallmark::fileio {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> io_error(const std::string& what, const fs::path& path, int err) {
  return fail(ErrorCode::kIo, what + " " + path.string() + ": " +
                                  std::error_code(err, std::generic_category()).message());
}

std::string random_suffix() {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const unsigned v = rd();
    for (int shift = 0; shift < 32; shift += 4) s.push_back(kDigits[(v >> shift) & 0xfu]);
  }
  return s;
}

fs::path directory_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

AtomicFile::AtomicFile(fs::path path, fs::path temp, UniqueFd fd) noexcept
    : path_(std::move(path)), temp_(std::move(temp)), fd_(std::move(fd)) {}

AtomicFile::~AtomicFile() { discard(); }

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::exchange(other.temp_, {})),
      fd_(std::move(other.fd_)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    temp_ = std::exchange(other.temp_, {});
    fd_ = std::move(other.fd_);
  }
  return *this;
}

Result<AtomicFile> AtomicFile::create(const fs::path& path, mode_t mode) {
  if (!path.has_filename()) {
    return fail(ErrorCode::kIo, "cannot write " + path.string() + ": not a file name");
  }
  const fs::path dir = directory_of(path);
  for (int attempt = 0; attempt < 16; ++attempt) {
    fs::path temp = dir / ("." + path.filename().string() + ".tmp-" + random_suffix());
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.valid()) return AtomicFile(path, std::move(temp), std::move(fd));
    if (errno != EEXIST) return io_error("cannot create a temporary file for", path, errno);
  }
  return io_error("cannot create a temporary file for", path, EEXIST);
}

Result<void> AtomicFile::write(ByteView data) {
  if (!fd_.valid()) return fail(ErrorCode::kInternal, "write after commit to " + path_.string());
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path_, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> AtomicFile::commit() { return finish(false); }

Result<void> AtomicFile::commit_new() { return finish(true); }

Result<void> AtomicFile::finish(bool exclusive) {
  if (!fd_.valid()) return fail(ErrorCode::kInternal, "commit twice of " + path_.string());
  Result<void> result;
  if (::fsync(fd_.get()) != 0) {
    result = io_error("cannot fsync", path_, errno);
  } else if (fd_.close() != 0) {
    result = io_error("cannot close", path_, errno);
  } else if (exclusive ? ::link(temp_.c_str(), path_.c_str()) != 0
                       : ::rename(temp_.c_str(), path_.c_str()) != 0) {
    result = errno == EEXIST && exclusive
                 ? fail(ErrorCode::kIo, "refusing to overwrite " + path_.string() +
                                            ": it already exists (write-once)")
                 : io_error(exclusive ? "cannot create" : "cannot replace", path_, errno);
  }
  if (!result) {
    discard();
    return result;
  }
  if (exclusive) (void)::unlink(temp_.c_str());
  temp_.clear();  // committed: the destructor must not remove the new file
  const fs::path dir = directory_of(path_);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) return io_error("cannot open directory", dir, errno);
  if (::fsync(dir_fd.get()) != 0) return io_error("cannot fsync directory", dir, errno);
  return {};
}

void AtomicFile::discard() noexcept {
  (void)fd_.close();
  if (!temp_.empty()) {
    (void)::unlink(temp_.c_str());
    temp_.clear();
  }
}

}  // namespace hallmark::fileio
