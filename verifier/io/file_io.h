// File I/O for every Hallmark command: bounded reads, streaming hashes, and writes that
// leave either the complete new file or nothing.
//
// Guarantees: read_file never reads more than max_bytes (+1 to detect excess), so a huge
// or endless input cannot exhaust memory; hash_file streams in 1 MiB blocks and never holds
// the whole file; write_file_atomic commits by rename after fsync and removes its temporary
// file on every failure; write_file_exclusive never replaces an existing file. Every error
// is kIo and names the file and the system's reason. This is the only place in the
// verifier that touches the file system; the core stays pure. Thread-safe as far as the
// file system is (distinct paths are independent).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::fileio {

inline constexpr std::size_t kHashBlockBytes = 1024 * 1024;

// Whole file; fails if it is missing, unreadable, a directory, or larger than max_bytes.
[[nodiscard]] Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Called after each block with bytes hashed so far and the size at open time.
using HashProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Streaming SHA-256 of a file's contents.
[[nodiscard]] Result<verifier::Digest> hash_file(const std::filesystem::path& path,
                                                 const HashProgress& progress = {});

// Writes `data` to a new temporary file in path's directory (O_EXCL, `mode` less umask),
// fsyncs it, renames it over `path`, and fsyncs the directory.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path, ByteView data,
                                             mode_t mode = 0644);

// The same, but never replaces: the complete file is linked in under `path` only if
// nothing is there (AtomicFile::commit_new), so `path` never holds a partial file. kIo
// ("refusing to overwrite ... (write-once)") when `path` exists.
[[nodiscard]] Result<void> write_file_exclusive(const std::filesystem::path& path,
                                                ByteView data, mode_t mode);

}  // namespace hallmark::fileio
