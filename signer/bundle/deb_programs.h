// The programs a Debian package installs, for a station-software release (docs/release.md
// "Station software"): `bundle create` records the SHA-256 of each, which is what a
// station running that program records as its software digest in every event.
//
// installed_programs() reads the package once into memory (at most kMaxPackageBytes),
// checks those bytes hash to `expected` (the digest the Bundle records for the package,
// so the programs listed are from the very bytes released), then reads the package's
// data.tar.* member (any compression libarchive knows) and hashes every regular file
// under usr/bin/ and usr/sbin/. Paths are returned absolute ("/usr/bin/hallmark-station"),
// sorted. Refuses (naming the file) a package that is not a Debian package, has no data
// member, or holds a program path twice. Never executes anything. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

inline constexpr std::size_t kMaxPackageBytes = 512u * 1024u * 1024u;

struct InstalledProgram {
  std::string path;  // absolute, as installed
  verifier::Digest sha256;
};

[[nodiscard]] Result<std::vector<InstalledProgram>> installed_programs(
    const std::filesystem::path& package, const verifier::Digest& expected);

}  // namespace hallmark::bundle
