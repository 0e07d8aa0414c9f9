#include "verifier/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "verifier/io/atomic_file.h"
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

// Both writers go through AtomicFile (atomic_file.h): the file appears under its name
// complete or not at all, and nothing is left behind on a failure.
Result<void> write_file_atomic(const fs::path& path, ByteView data, mode_t mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return std::unexpected(std::move(file).error());
  if (auto ok = file->write(data); !ok) return ok;
  return file->commit();
}

Result<void> write_file_exclusive(const fs::path& path, ByteView data, mode_t mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return std::unexpected(std::move(file).error());
  if (auto ok = file->write(data); !ok) return ok;
  return file->commit_new();
}

}  // namespace hallmark::fileio
