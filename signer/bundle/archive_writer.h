// ArchiveWriter: writes a bundle archive (docs/bundle-format.md) deterministically and
// atomically, for `bundle create` and for promotion, which adds entries to a bundle.
//
// Entries are POSIX ustar (pax where ustar cannot express a field) regular files with
// mode 0444, mtime 0, uid/gid 0 and no owner names, written in the order they are added,
// so the same entries give the same bytes. The caller streams each entry's data; the
// writer refuses more or fewer bytes than the size it declared. Nothing appears at the
// output path until commit() has written the end-of-archive marker, fsynced and renamed;
// destroying an uncommitted writer removes its temporary file. Entry names are checked with
// classify_entry_name(), so the writer cannot produce an archive the reader refuses by name.
// Move-only; one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

class ArchiveWriter {
 public:
  [[nodiscard]] static Result<ArchiveWriter> create(const std::filesystem::path& out);
  ~ArchiveWriter();
  ArchiveWriter(ArchiveWriter&&) noexcept;
  ArchiveWriter& operator=(ArchiveWriter&&) noexcept;
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Starts an entry of exactly `size` bytes; write() its data, then end_entry().
  [[nodiscard]] Result<void> begin_entry(std::string_view name, std::uint64_t size);
  [[nodiscard]] Result<void> write(ByteView data);
  [[nodiscard]] Result<void> end_entry();
  // begin_entry + write + end_entry for data already in memory.
  [[nodiscard]] Result<void> add_entry(std::string_view name, ByteView data);

  // Finishes the archive and makes it appear at the output path; returns its size.
  [[nodiscard]] Result<std::uint64_t> commit();

  struct State;  // implementation detail (public only for libarchive's C callback)

 private:
  explicit ArchiveWriter(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace hallmark::bundle
