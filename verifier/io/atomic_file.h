// AtomicFile: a file written in pieces that appears under its final name complete or not
// at all.
//
// create() makes a new temporary file next to the target (O_EXCL, mode less umask);
// write() appends; commit() fsyncs, closes, renames over the target and fsyncs the
// directory. Until commit() succeeds the target is untouched, and the destructor (or
// discard()) removes the temporary file, so a failure at any point leaves nothing behind.
// Errors are kIo and name the target file and the system's reason. Move-only; one writer
// per object, not shared between threads.
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::fileio {

class AtomicFile {
 public:
  [[nodiscard]] static Result<AtomicFile> create(const std::filesystem::path& path,
                                                 mode_t mode = 0644);
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  [[nodiscard]] Result<void> write(ByteView data);
  // Durable and visible under path() on success; the object is spent either way.
  [[nodiscard]] Result<void> commit();
  // commit(), but never replaces: kIo when the target exists (write-once files).
  [[nodiscard]] Result<void> commit_new();
  // Removes the temporary file now; safe to call more than once.
  void discard() noexcept;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const noexcept { return temp_; }

 private:
  [[nodiscard]] Result<void> finish(bool exclusive);
  AtomicFile(std::filesystem::path path, std::filesystem::path temp, UniqueFd fd) noexcept;

  std::filesystem::path path_;
  std::filesystem::path temp_;  // empty once committed or discarded
  UniqueFd fd_;
};

}  // namespace hallmark::fileio
