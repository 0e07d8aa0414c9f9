#include "signer/bundle/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <optional>
#include <string>

#include "verifier/bundle/bundle_format.h"
#include "verifier/io/atomic_file.h"

namespace hallmark::bundle {

namespace fs = std::filesystem;

struct ArchiveWriter::State {
  // Declared before the archive so that it outlives archive_write_free(), which may still
  // call the write callback.
  std::optional<fileio::AtomicFile> file;
  std::optional<Error> error;  // first failure of the write callback
  std::uint64_t written = 0;
  std::unique_ptr<struct archive, decltype(&archive_write_free)> archive{nullptr,
                                                                         &archive_write_free};
  std::string entry;            // current entry name, empty between entries
  std::uint64_t remaining = 0;  // bytes the current entry still expects

  std::unexpected<Error> failure(std::string_view doing) {
    if (error) return std::unexpected(*error);
    const char* why = archive_error_string(archive.get());
    return fail(ErrorCode::kIo, fmt::format("writing {}: {}: {}", file->path().string(), doing,
                                            why != nullptr ? why : "libarchive failed"));
  }
};

namespace {

la_ssize_t write_callback(struct archive* a, void* data, const void* buffer, size_t length) {
  auto* state = static_cast<ArchiveWriter::State*>(data);
  auto ok = state->file->write(ByteView(static_cast<const std::byte*>(buffer), length));
  if (!ok) {
    if (!state->error) state->error = ok.error();
    archive_set_error(a, EIO, "write failed");
    return -1;
  }
  state->written += length;
  return static_cast<la_ssize_t>(length);
}

}  // namespace

ArchiveWriter::ArchiveWriter(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
ArchiveWriter::~ArchiveWriter() = default;
ArchiveWriter::ArchiveWriter(ArchiveWriter&&) noexcept = default;
ArchiveWriter& ArchiveWriter::operator=(ArchiveWriter&&) noexcept = default;

Result<ArchiveWriter> ArchiveWriter::create(const fs::path& out) {
  auto state = std::make_unique<State>();
  auto file = fileio::AtomicFile::create(out, 0444);
  if (!file) return std::unexpected(file.error());
  state->file.emplace(std::move(*file));
  state->archive.reset(archive_write_new());
  struct archive* a = state->archive.get();
  if (a == nullptr) return fail(ErrorCode::kInternal, "libarchive: out of memory");
  // pax_restricted writes plain ustar headers and adds a pax header only for what ustar
  // cannot hold (sizes over 8 GiB); one block size, no padding of the last block.
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 10240) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open(a, state.get(), nullptr, &write_callback, nullptr) != ARCHIVE_OK) {
    return state->failure("setting up the archive");
  }
  return ArchiveWriter(std::move(state));
}

Result<void> ArchiveWriter::begin_entry(std::string_view name, std::uint64_t size) {
  if (!state_->entry.empty()) {
    return fail(ErrorCode::kInternal, "entry '" + state_->entry + "' was not ended");
  }
  if (auto kind = classify_entry_name(name); !kind) {
    return fail(ErrorCode::kInternal,
                fmt::format("entry '{}' {}", printable_name(name), kind.error().message));
  }
  std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(
      archive_entry_new(), &archive_entry_free);
  if (!entry) return fail(ErrorCode::kInternal, "libarchive: out of memory");
  const std::string path(name);
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), kEntryMode);
  archive_entry_set_mtime(entry.get(), 0, 0);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  if (archive_write_header(state_->archive.get(), entry.get()) != ARCHIVE_OK) {
    return state_->failure("header of entry '" + path + "'");
  }
  state_->entry = path;
  state_->remaining = size;
  return {};
}

Result<void> ArchiveWriter::write(ByteView data) {
  if (state_->entry.empty()) return fail(ErrorCode::kInternal, "write outside an entry");
  if (data.size() > state_->remaining) {
    return fail(ErrorCode::kInternal,
                fmt::format("entry '{}' got more data than its declared size", state_->entry));
  }
  while (!data.empty()) {
    const la_ssize_t n = archive_write_data(state_->archive.get(), data.data(), data.size());
    if (n <= 0) return state_->failure("data of entry '" + state_->entry + "'");
    data = data.subspan(static_cast<std::size_t>(n));
    state_->remaining -= static_cast<std::uint64_t>(n);
  }
  return {};
}

Result<void> ArchiveWriter::end_entry() {
  if (state_->remaining != 0) {
    return fail(ErrorCode::kInternal,
                fmt::format("entry '{}' is {} bytes short of its declared size", state_->entry,
                            state_->remaining));
  }
  if (archive_write_finish_entry(state_->archive.get()) != ARCHIVE_OK) {
    return state_->failure("end of entry '" + state_->entry + "'");
  }
  state_->entry.clear();
  return {};
}

Result<void> ArchiveWriter::add_entry(std::string_view name, ByteView data) {
  if (auto ok = begin_entry(name, data.size()); !ok) return ok;
  if (auto ok = write(data); !ok) return ok;
  return end_entry();
}

Result<std::uint64_t> ArchiveWriter::commit() {
  if (!state_->entry.empty()) {
    return fail(ErrorCode::kInternal, "entry '" + state_->entry + "' was not ended");
  }
  if (archive_write_close(state_->archive.get()) != ARCHIVE_OK) {
    return state_->failure("end-of-archive marker");
  }
  if (auto ok = state_->file->commit(); !ok) return std::unexpected(ok.error());
  return state_->written;
}

}  // namespace hallmark::bundle
