#include "station-agent/station/cached_entries.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace hallmark::station {
namespace {

constexpr std::uint64_t kBlock = 512;
// Hashing a block while it is still in the CPU cache, right after it was read.
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr std::size_t kMaxPaxHeader = 64 * 1024;

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

std::uint64_t round_up(std::uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

// Where the header after `size` bytes of data at `data` starts, if that is inside the file:
// a size no file of this length can hold (a header lying, or wrapping the offset round to
// an earlier header) ends the walk. Every step moves forward, so every walk ends.
std::optional<std::uint64_t> next_header(std::uint64_t data, std::uint64_t size,
                                         std::uint64_t file_size) {
  if (data > file_size || size > file_size - data) return std::nullopt;
  return data + round_up(size);
}

std::string_view field(const std::array<char, kBlock>& header, std::size_t at, std::size_t len) {
  std::string_view f(header.data() + at, len);
  return f.substr(0, f.find('\0'));
}

// A ustar numeric field: octal digits, optionally space- or NUL-terminated.
std::optional<std::uint64_t> octal(std::string_view f) {
  while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
  while (!f.empty() && (f.back() == ' ' || f.back() == '\0')) f.remove_suffix(1);
  if (f.empty() || f.size() > 21) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : f) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

class Reader {
 public:
  Reader(const std::filesystem::path& file, int fd) : file_(file), fd_(fd) {}

  Result<void> exact(std::uint64_t offset, std::span<char> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return fail(ErrorCode::kIo, fmt::format("cannot read {}: {}", file_.string(), errno_text()));
      }
      if (n == 0) {
        return fail(ErrorCode::kIo, fmt::format("{} ends at offset {}, before the entry it "
                                                "should hold: take the bundle in again",
                                                file_.string(), offset + done));
      }
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

 private:
  const std::filesystem::path& file_;
  int fd_;
};

// "%d key=value\n" records. path and size place the next entry; the other keywords a pax
// writer may add do not change where libarchive finds an entry or what it calls it. Any
// other keyword (GNU.sparse.name renames an entry in libarchive, GNU.sparse.* resizes it,
// hdrcharset re-reads its name...) or a malformed record: false, and the walk stops.
// No size from a pax header (std::optional trips g++ 12's maybe-uninitialized here).
constexpr std::uint64_t kNoSize = ~std::uint64_t{0};

bool apply_pax(std::string_view records, std::optional<std::string>& path, std::uint64_t& size) {
  static constexpr std::array<std::string_view, 8> kHarmless{
      "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment"};
  while (!records.empty()) {
    const auto space = records.find(' ');
    if (space == std::string_view::npos || space > 20) return false;
    std::uint64_t length = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') return false;
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (length <= space + 1 || length > records.size()) return false;
    std::string_view record = records.substr(space + 1, length - space - 1);
    if (!record.ends_with('\n')) return false;
    record.remove_suffix(1);
    const auto eq = record.find('=');
    if (eq == std::string_view::npos) return false;
    const auto key = record.substr(0, eq);
    const auto value = record.substr(eq + 1);
    if (key == "path") {
      path = std::string(value);
    } else if (key == "size") {
      if (value.empty() || value.size() > 19) return false;
      std::uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      size = n;
    } else if (std::find(kHarmless.begin(), kHarmless.end(), key) == kHarmless.end()) {
      return false;
    }
    records.remove_prefix(length);
  }
  return true;
}

// A header as hallmark-signer's archive writer makes them (libarchive's pax_restricted):
// POSIX ustar magic and version, and a checksum that matches, as libarchive checks it.
// A GNU or v7 header means other rules for the name and size fields; not followed.
bool posix_header(const std::array<char, kBlock>& header) {
  if (std::string_view(header.data() + 257, 8) != std::string_view("ustar\0" "00", 8)) return false;
  const auto stored = octal(field(header, 148, 8));
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? std::uint64_t{' '} : static_cast<unsigned char>(header[i]);
  }
  return stored && *stored == sum;
}

}  // namespace

Result<std::map<std::string, CachedEntry>> locate_cached_entries(
    const std::filesystem::path& file, const std::set<std::string>& names) {
  fileio::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorCode::kIo, fmt::format("cannot open {}: {}", file.string(), errno_text()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot stat {}: {}", file.string(), errno_text()));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  const Reader reader(file, fd.get());

  std::map<std::string, CachedEntry> found;
  std::optional<std::string> pax_path;
  std::uint64_t pax_size = kNoSize;
  std::array<char, kBlock> header{};
  for (std::uint64_t at = 0; found.size() < names.size() && at + kBlock <= file_size;) {
    if (auto ok = reader.exact(at, header); !ok) return std::unexpected(ok.error());
    if (std::all_of(header.begin(), header.end(), [](char c) { return c == '\0'; })) break;
    // Only what the bundle writer writes is followed (regular files, each perhaps after a pax
    // header); at anything else — another format, a link, a GNU long name, a global pax
    // header — the walk stops and the entries after it are "not there": libarchive, which
    // verified the file, might read those headers otherwise.
    const auto header_size = octal(field(header, 124, 12));
    const char type = header[156];
    if (!header_size || !posix_header(header) || (type != '0' && type != '\0' && type != 'x')) break;
    const std::uint64_t data = at + kBlock;
    if (type == 'x') {
      if (*header_size > kMaxPaxHeader) break;
      std::string records(static_cast<std::size_t>(*header_size), '\0');
      if (auto ok = reader.exact(data, records); !ok) return std::unexpected(ok.error());
      if (!apply_pax(records, pax_path, pax_size)) break;
      const auto next = next_header(data, *header_size, file_size);
      if (!next) break;
      at = *next;
      continue;
    }
    std::string name(field(header, 0, 100));
    if (const auto prefix = field(header, 345, 155); !prefix.empty()) {
      name = std::string(prefix) + "/" + name;
    }
    if (pax_path) name = *pax_path;
    const std::uint64_t size = pax_size != kNoSize ? pax_size : *header_size;
    pax_path.reset();
    pax_size = kNoSize;
    const auto next = next_header(data, size, file_size);
    if (!next) break;
    if (names.contains(name) && !found.contains(name)) {
      found.emplace(name, CachedEntry{name, data, size});
    }
    at = *next;
  }
  for (const auto& name : names) {
    if (!found.contains(name)) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("cached bundle {} has no entry {} where an archive reader finds "
                              "it: it changed since it was verified; take the bundle in again",
                              file.string(), name));
    }
  }
  return found;
}

Result<CachedBundleFile> CachedBundleFile::open(const std::filesystem::path& file) {
  fileio::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorCode::kIo, fmt::format("cannot open the cached bundle {}: {}",
                                            file.string(), errno_text()));
  }
  return CachedBundleFile(file, std::move(fd));
}

Result<verifier::Digest> CachedBundleFile::read(const CachedEntry& entry, Bytes& out) const {
  out.resize(static_cast<std::size_t>(entry.size));
  const Reader reader(file_, fd_.get());
  verifier::Sha256 hash;
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t n = std::min(kReadChunk, out.size() - done);
    const std::span<char> chunk(reinterpret_cast<char*>(out.data()) + done, n);
    if (auto ok = reader.exact(entry.offset + done, chunk); !ok) return std::unexpected(ok.error());
    hash.update(ByteView(out.data() + done, n));
    done += n;
  }
  return hash.finish();
}

}  // namespace hallmark::station
