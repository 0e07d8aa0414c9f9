#include "verifier/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>
#include <system_error>

#include "verifier/io/unique_fd.h"

namespace hallmark::fileio {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> io_error(const std::string& what, const fs::path& path, int err) {
  return fail(ErrorCode::kIo, what + " " + path.string() + ": " +
                                  std::error_code(err, std::generic_category()).message());
}

Result<UniqueFd> open_for_reading(const fs::path& path, struct stat& st) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return io_error("cannot open", path, errno);
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::kIo, "cannot read " + path.string() + ": it is a directory");
  }
  return fd;
}

// read() that retries on EINTR; returns bytes read, 0 at end of file, -1 with errno.
ssize_t read_some(int fd, std::byte* buf, std::size_t len) {
  ssize_t n = 0;
  do {
    n = ::read(fd, buf, len);
  } while (n < 0 && errno == EINTR);
  return n;
}

Result<void> write_all(int fd, ByteView data, const fs::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Data, fsync, close: a file may be committed only if all three succeeded.
Result<void> write_and_sync(UniqueFd& fd, ByteView data, const fs::path& path) {
  if (auto written = write_all(fd.get(), data, path); !written) return written;
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync", path, errno);
  if (fd.close() != 0) return io_error("cannot close", path, errno);
  return {};
}

fs::path directory_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Makes a rename or a new directory entry durable.
Result<void> sync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync directory", dir, errno);
  return {};
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

}  // namespace

Result<Bytes> read_file(const fs::path& path, std::size_t max_bytes) {
  struct stat st {};
  auto fd = open_for_reading(path, st);
  if (!fd) return std::unexpected(std::move(fd).error());
  const auto too_large = [&] {
    return fail(ErrorCode::kIo, "cannot read " + path.string() + ": larger than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return too_large();
  }
  Bytes out;
  std::size_t have = 0;
  for (;;) {
    // Room for one byte past the limit, so a file that grew since fstat is still caught.
    const std::size_t want = std::min<std::size_t>(64 * 1024, max_bytes + 1 - have);
    out.resize(have + want);
    const ssize_t n = read_some(fd->get(), out.data() + have, want);
    if (n < 0) return io_error("cannot read", path, errno);
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    if (have > max_bytes) return too_large();
  }
  out.resize(have);
  return out;
}

Result<verifier::Digest> hash_file(const fs::path& path, const HashProgress& progress) {
  struct stat st {};
  auto fd = open_for_reading(path, st);
  if (!fd) return std::unexpected(std::move(fd).error());
  const std::uint64_t total = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  Bytes buffer(kHashBlockBytes);
  verifier::Sha256 hasher;
  std::uint64_t done = 0;
  for (;;) {
    const ssize_t n = read_some(fd->get(), buffer.data(), buffer.size());
    if (n < 0) return io_error("cannot read", path, errno);
    if (n == 0) break;
    hasher.update(ByteView(buffer.data(), static_cast<std::size_t>(n)));
    done += static_cast<std::uint64_t>(n);
    if (progress) progress(done, total);
  }
  auto digest = hasher.finish();
  if (!digest) return std::unexpected(std::move(digest).error().context("hashing " + path.string()));
  return *digest;
}

Result<void> write_file_atomic(const fs::path& path, ByteView data, mode_t mode) {
  if (!path.has_filename()) {
    return fail(ErrorCode::kIo, "cannot write " + path.string() + ": not a file name");
  }
  const fs::path dir = directory_of(path);
  fs::path temp;
  UniqueFd fd;
  for (int attempt = 0; attempt < 16 && !fd.valid(); ++attempt) {
    temp = dir / ("." + path.filename().string() + ".tmp-" + random_suffix());
    fd = UniqueFd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd.valid() && errno != EEXIST) {
      return io_error("cannot create a temporary file for", path, errno);
    }
  }
  if (!fd.valid()) return io_error("cannot create a temporary file for", path, EEXIST);

  auto result = write_and_sync(fd, data, temp);
  if (result && ::rename(temp.c_str(), path.c_str()) != 0) {
    result = io_error("cannot replace", path, errno);
  }
  if (!result) {
    (void)fd.close();
    (void)::unlink(temp.c_str());
    return result;
  }
  return sync_directory(dir);
}

Result<void> write_file_exclusive(const fs::path& path, ByteView data, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return fail(ErrorCode::kIo, "refusing to overwrite " + path.string() +
                                      ": it already exists (write-once)");
    }
    return io_error("cannot create", path, errno);
  }
  auto result = write_and_sync(fd, data, path);
  if (!result) {
    (void)fd.close();
    (void)::unlink(path.c_str());  // we created it: no partial output stays behind
    return result;
  }
  return sync_directory(directory_of(path));
}

}  // namespace hallmark::fileio
