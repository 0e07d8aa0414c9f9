// Reading entries back out of a cached bundle file without parsing the archive again.
//
// A bundle is an uncompressed ustar archive (docs/bundle-format.md), so an entry's bytes
// lie at a fixed offset in the file. locate_cached_entries() walks the 512-byte headers
// once — after the whole file has been verified (bundle::read_bundle through
// verify_promoted_bundle) — and records where the named entries are. CachedBundleFile then
// reads an entry with pread(), hashing as it reads, so the caller can compare the digest
// before the bytes are used. The locations are only a way to find bytes quickly: they are
// trusted for nothing, since every entry read is hashed and compared with the digest the
// signed bundle names for it; a wrong location, or a file changed since, gives a digest
// that does not match. The walk follows only what hallmark-signer's archive writer makes
// (POSIX ustar headers with valid checksums, regular files, pax headers whose keywords
// cannot rename or resize an entry) and stops at anything else, so it never reads an entry
// where libarchive, which verified the file, would read another; every step moves forward,
// so it ends whatever a changed file claims. Never reads key material. Not thread-safe
// (one open file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::station {

struct CachedEntry {
  std::string name;
  std::uint64_t offset = 0;  // of the first content byte, in the file
  std::uint64_t size = 0;
};

// The entries named in `names`, found by walking the ustar headers (pax extended headers
// for path and size are honoured). kVerificationFailed naming the file and the entry when
// one is not there; kIo when the file cannot be read.
[[nodiscard]] Result<std::map<std::string, CachedEntry>> locate_cached_entries(
    const std::filesystem::path& file, const std::set<std::string>& names);

class CachedBundleFile {
 public:
  // kIo naming the file.
  [[nodiscard]] static Result<CachedBundleFile> open(const std::filesystem::path& file);

  // The entry's bytes into `out` (resized to the entry's size) and their SHA-256, hashed
  // block by block as they are read. kIo for a read error or a file shorter than expected.
  [[nodiscard]] Result<verifier::Digest> read(const CachedEntry& entry, Bytes& out) const;

 private:
  CachedBundleFile(std::filesystem::path file, fileio::UniqueFd fd) noexcept
      : file_(std::move(file)), fd_(std::move(fd)) {}

  std::filesystem::path file_;
  fileio::UniqueFd fd_;
};

}  // namespace hallmark::station
