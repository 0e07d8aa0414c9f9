#include "verifier/bundle/bundle_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::bundle {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kTarBlock = 512;
constexpr std::uint64_t kEndMarkerBytes = 2 * kTarBlock;

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;

// The raw file under libarchive: read through one reusable 1 MiB buffer, left
// uninitialised (read(2) fills what is used; zeroing 1 MiB per bundle was most of the
// cost of reading a small one).
struct Source {
  fileio::UniqueFd fd;
  std::unique_ptr<std::uint8_t[]> buffer =
      std::make_unique_for_overwrite<std::uint8_t[]>(kReadBlockBytes);
  std::optional<Error> error;
  fs::path path;
};

la_ssize_t read_source(struct archive* a, void* data, const void** block) {
  auto* source = static_cast<Source*>(data);
  ssize_t n = 0;
  do {
    n = ::read(source->fd.get(), source->buffer.get(), kReadBlockBytes);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    source->error = Error{ErrorCode::kIo,
                          "cannot read " + source->path.string() + ": " +
                              std::error_code(err, std::generic_category()).message(),
                          0,
                          {}};
    archive_set_error(a, err, "read failed");
    return -1;
  }
  *block = source->buffer.get();
  return n;
}

class Reader {
 public:
  Reader(const fs::path& path, const ReadOptions& options)
      : options_(options), archive_(archive_read_new(), &archive_read_free) {
    source_.path = path;
    contents_.path = path;
  }

  Result<BundleContents> run();

 private:
  std::unexpected<Error> refuse(std::string_view entry, const std::string& reason,
                                ErrorCode code = ErrorCode::kVerificationFailed) const {
    if (entry.empty()) {
      return fail(code, fmt::format("bundle {}: {}", source_.path.string(), reason));
    }
    return fail(code, fmt::format("bundle {}: entry '{}': {}", source_.path.string(),
                                  printable_name(entry), reason));
  }
  // A libarchive failure: the reader's own I/O error if there was one, else truncation or
  // a malformed archive in libarchive's words.
  std::unexpected<Error> archive_failure(std::string_view entry, std::string_view doing) const {
    if (source_.error) return std::unexpected(*source_.error);
    const char* why = archive_error_string(archive_.get());
    return refuse(entry, fmt::format("{}: the archive is truncated or malformed ({})", doing,
                                     why != nullptr ? why : "no reason given"));
  }

  Result<void> open();
  Result<void> check_header(struct archive_entry* entry, const std::string& name,
                            const EntryName& kind);
  Result<void> read_data(BundleEntry& entry, std::uint64_t declared);
  Result<void> accept_bundle(const BundleEntry& entry);
  Result<void> check_image(const BundleEntry& entry, const EntryName& name);
  Result<void> check_end();
  Result<void> check_padding(std::string_view entry, std::uint64_t size);

  const ReadOptions& options_;
  Source source_;
  ArchivePtr archive_;
  BundleContents contents_;
  std::set<std::string> seen_;
  std::map<verifier::Digest, const v1::Image*> listed_;  // digest → first image with it
  std::uint64_t data_end_ = 0;  // archive offset just after the last entry's padded data
  std::size_t promotion_entries_ = 0;
};

Result<void> Reader::open() {
  source_.fd = fileio::UniqueFd(::open(source_.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!source_.fd.valid()) {
    return fail(ErrorCode::kIo, "cannot open " + source_.path.string() + ": " +
                                    std::error_code(errno, std::generic_category()).message());
  }
  struct stat st {};
  if (::fstat(source_.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kIo, "cannot read " + source_.path.string() + ": not a regular file");
  }
  if (archive_ == nullptr) return fail(ErrorCode::kInternal, "libarchive: out of memory");
  // Plain tar only: no compression filter is enabled, so a compressed file is refused.
  archive_read_support_format_tar(archive_.get());
  if (archive_read_open(archive_.get(), &source_, nullptr, &read_source, nullptr) !=
      ARCHIVE_OK) {
    return archive_failure("", "not a tar archive");
  }
  return {};
}

Result<void> Reader::check_header(struct archive_entry* entry, const std::string& name,
                                  const EntryName& kind) {
  if (archive_entry_hardlink(entry) != nullptr) {
    return refuse(name, "is a hard link; a bundle holds only regular files");
  }
  if (archive_entry_symlink(entry) != nullptr || archive_entry_filetype(entry) == AE_IFLNK) {
    return refuse(name, "is a symbolic link; a bundle holds only regular files");
  }
  if (archive_entry_filetype(entry) != AE_IFREG) {
    return refuse(name, "is not a regular file (directory, device or fifo); a bundle holds "
                        "only regular files");
  }
  if (archive_entry_sparse_count(entry) > 0) {
    return refuse(name, "is a sparse file; a bundle holds only plain regular files");
  }
  if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) < 0) {
    return refuse(name, "has no size in its header");
  }
  if (!seen_.insert(name).second) return refuse(name, "appears twice in the archive");
  if (seen_.size() == 1 && kind.kind != EntryKind::kBundle) {
    return refuse(name, fmt::format("comes first, but a bundle must start with {}",
                                    kBundleEntry));
  }
  if (kind.kind == EntryKind::kImage && !listed_.contains(*kind.digest)) {
    return refuse(name, fmt::format("is not listed in {} (an image the bundle does not "
                                    "describe)", kBundleEntry));
  }
  const auto size = static_cast<std::uint64_t>(archive_entry_size(entry));
  const bool small = kind.kind == EntryKind::kBundle || kind.kind == EntryKind::kPromotion;
  if (small && size > options_.max_small_entry_bytes) {
    return refuse(name, fmt::format("is {} bytes, more than the limit of {} bytes for a "
                                    "document entry",
                                    size, options_.max_small_entry_bytes));
  }
  // Promotion entries are kept in memory and parsed before any signature is checked: both
  // their size and their number are bounded, from the header, before a byte is read.
  if (kind.kind == EntryKind::kPromotion) {
    if (size > kMaxPromotionEntryBytes) {
      return refuse(name, fmt::format("is {} bytes, more than the limit of {} bytes for a "
                                      "promotion entry", size, kMaxPromotionEntryBytes));
    }
    if (++promotion_entries_ > kMaxPromotionEntries) {
      return refuse(name, fmt::format("is promotion entry {}: a bundle carries at most {}",
                                      promotion_entries_, kMaxPromotionEntries));
    }
  }
  return {};
}

Result<void> Reader::read_data(BundleEntry& entry, std::uint64_t declared) {
  const bool keep = entry.kind == EntryKind::kBundle || entry.kind == EntryKind::kPromotion;
  if (keep) {
    entry.bytes.emplace();
    entry.bytes->reserve(static_cast<std::size_t>(declared));
  }
  verifier::Sha256 hasher;
  EntryDigester* digester =
      !keep && options_.digester ? options_.digester(entry, declared, contents_.bundle) : nullptr;
  std::uint64_t done = 0;
  for (;;) {
    const void* block = nullptr;
    std::size_t length = 0;
    la_int64_t offset = 0;
    const int r = archive_read_data_block(archive_.get(), &block, &length, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return archive_failure(entry.name, "reading its data");
    if (offset < 0 || static_cast<std::uint64_t>(offset) != done) {
      return refuse(entry.name, "has holes (sparse data is not allowed)");
    }
    if (length > declared - done) return refuse(entry.name, "holds more data than its header says");
    const ByteView data(static_cast<const std::byte*>(block), length);
    if (digester != nullptr) {
      digester->update(data);
    } else {
      hasher.update(data);
    }
    if (keep) entry.bytes->insert(entry.bytes->end(), data.begin(), data.end());
    done += length;
    if (options_.on_block) options_.on_block(entry, data);
    if (options_.progress) options_.progress(entry.name, done, declared);
  }
  if (done != declared) {
    return refuse(entry.name, fmt::format("holds {} bytes but its header says {}: the archive "
                                          "is truncated",
                                          done, declared));
  }
  auto digest = digester != nullptr ? digester->finish() : hasher.finish();
  if (!digest) return std::unexpected(std::move(digest).error());
  entry.size = done;
  entry.sha256 = *digest;
  data_end_ = static_cast<std::uint64_t>(archive_filter_bytes(archive_.get(), 0));
  return check_padding(entry.name, done);
}

// libarchive skips the bytes that fill an entry's last block without looking at them:
// a byte changed there would leave every digest intact, so a bundle file altered in its
// padding would still verify. They must be zero (the writer writes zeros).
Result<void> Reader::check_padding(std::string_view entry, std::uint64_t size) {
  const std::uint64_t pad = (kTarBlock - size % kTarBlock) % kTarBlock;
  if (pad == 0) return {};
  // libarchive may or may not have consumed the padding yet: the entry's data starts on a
  // block boundary, so its last block ends at the next boundary either way.
  const std::uint64_t block_end = (data_end_ + kTarBlock - 1) / kTarBlock * kTarBlock;
  const std::uint64_t at = block_end - pad;
  Bytes bytes(pad);
  const ssize_t n = ::pread(source_.fd.get(), bytes.data(), bytes.size(), static_cast<off_t>(at));
  if (n < 0 || static_cast<std::uint64_t>(n) != pad) {
    return refuse(entry, fmt::format("the archive is truncated: it ends inside the padding "
                                     "after this entry's data (byte {})", at));
  }
  const auto bad = std::find_if(bytes.begin(), bytes.end(), [](std::byte b) { return b != std::byte{0}; });
  if (bad != bytes.end()) {
    return refuse(entry, fmt::format("has a non-zero byte in the padding after its data (byte "
                                     "{} of the file): the bundle file was altered",
                                     at + static_cast<std::uint64_t>(bad - bytes.begin())));
  }
  return {};
}

Result<void> Reader::accept_bundle(const BundleEntry& entry) {
  const Bytes& bytes = *entry.bytes;
  if (!contents_.bundle.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return refuse(entry.name, "is not a valid hallmark.v1.Bundle message");
  }
  if (auto ok = check_bundle_rules(contents_.bundle); !ok) {
    return refuse(entry.name, ok.error().message, ok.error().code);
  }
  contents_.bundle_bytes = bytes;
  contents_.bundle_digest = entry.sha256;
  for (const auto& image : contents_.bundle.images()) {
    auto digest = verifier::Digest::from_bytes(as_bytes(image.sha256()));
    if (!digest) return refuse(entry.name, "image '" + image.name() + "': bad sha256 field");
    if (auto [it, fresh] = listed_.emplace(*digest, &image); !fresh &&
                                                             it->second->size() != image.size()) {
      return refuse(entry.name, fmt::format("images '{}' and '{}' have the same digest but "
                                            "different sizes",
                                            it->second->name(), image.name()));
    }
  }
  return {};
}

Result<void> Reader::check_image(const BundleEntry& entry, const EntryName& name) {
  if (entry.sha256 != *name.digest) {
    return refuse(entry.name, fmt::format("content has SHA-256 {}, not the digest its name "
                                          "claims: the image was altered",
                                          entry.sha256.hex()));
  }
  if (entry.kind == EntryKind::kImage) {
    const v1::Image& image = *listed_.at(entry.sha256);
    if (image.size() != entry.size) {
      return refuse(entry.name, fmt::format("is {} bytes but {} lists image '{}' as {} bytes",
                                            entry.size, kBundleEntry, image.name(),
                                            image.size()));
    }
  }
  return {};
}

// libarchive treats a clean end of file at a header boundary as the end of the archive, so
// a file cut after a whole entry would pass; the two zero blocks are required here, and
// anything after them must be zero padding (nothing hidden past the end marker).
Result<void> Reader::check_end() {
  const auto end = static_cast<std::uint64_t>(archive_filter_bytes(archive_.get(), 0));
  if (end < data_end_ + kEndMarkerBytes) {
    return refuse("", fmt::format("after entry '{}': the archive is truncated: it ends at "
                                  "byte {} without the end-of-archive marker",
                                  printable_name(contents_.entries.back().name), end));
  }
  struct stat st {};
  if (::fstat(source_.fd.get(), &st) != 0) {
    return fail(ErrorCode::kIo, "cannot stat " + source_.path.string());
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  Bytes tail(kTarBlock);
  for (std::uint64_t at = end; at < size;) {
    const ssize_t n = ::pread(source_.fd.get(), tail.data(), tail.size(),
                              static_cast<off_t>(at));
    if (n <= 0) return fail(ErrorCode::kIo, "cannot read " + source_.path.string());
    const auto got = static_cast<std::size_t>(n);
    if (std::any_of(tail.begin(), tail.begin() + n, [](std::byte b) { return b != std::byte{0}; })) {
      return refuse("", fmt::format("data follows the end-of-archive marker at byte {}", at));
    }
    at += got;
  }
  contents_.archive_bytes = size;
  return {};
}

Result<BundleContents> Reader::run() {
  if (auto ok = open(); !ok) return std::unexpected(ok.error());
  for (;;) {
    struct archive_entry* header = nullptr;
    const int r = archive_read_next_header(archive_.get(), &header);
    if (r == ARCHIVE_EOF) break;
    const std::string after =
        contents_.entries.empty() ? "" : "after entry '" + contents_.entries.back().name + "'";
    if (r != ARCHIVE_OK) return archive_failure(after, "reading the next entry header");
    const char* raw = archive_entry_pathname(header);
    if (raw == nullptr) return refuse(after, "the next entry has no readable name");
    const std::string name(raw);
    auto kind = classify_entry_name(name);
    if (!kind) return refuse(name, kind.error().message);
    if (auto ok = check_header(header, name, *kind); !ok) return std::unexpected(ok.error());
    BundleEntry entry;
    entry.name = name;
    entry.kind = kind->kind;
    if (auto ok = read_data(entry, static_cast<std::uint64_t>(archive_entry_size(header)));
        !ok) {
      return std::unexpected(ok.error());
    }
    if (entry.kind == EntryKind::kBundle) {
      if (auto ok = accept_bundle(entry); !ok) return std::unexpected(ok.error());
    } else if (entry.kind == EntryKind::kImage || entry.kind == EntryKind::kNative) {
      if (auto ok = check_image(entry, *kind); !ok) return std::unexpected(ok.error());
    }
    contents_.entries.push_back(std::move(entry));
  }
  if (contents_.entries.empty()) {
    return refuse("", fmt::format("the archive is empty or truncated: it has no {}",
                                  kBundleEntry));
  }
  if (auto ok = check_end(); !ok) return std::unexpected(ok.error());
  for (const auto& [digest, image] : listed_) {
    if (!seen_.contains(image_entry_name(digest))) {
      return refuse(image_entry_name(digest),
                    fmt::format("is missing: {} lists image '{}' but the archive does not "
                                "hold it",
                                kBundleEntry, image->name()));
    }
  }
  return std::move(contents_);
}

}  // namespace

const BundleEntry* BundleContents::find(std::string_view name) const {
  for (const auto& entry : entries) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

const Bytes* BundleContents::small_entry(std::string_view name) const {
  const BundleEntry* entry = find(name);
  return entry != nullptr && entry->bytes ? &*entry->bytes : nullptr;
}

Result<BundleContents> read_bundle(const std::filesystem::path& path,
                                   const ReadOptions& options) {
  Reader reader(path, options);
  return reader.run();
}

}  // namespace hallmark::bundle
