#include "verifier/bundle/promotion_history.h"

#include "verifier/core/time_format.h"

#include "verifier/core/version.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "verifier/io/file_io.h"

namespace hallmark::promote {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxHistoryBytes = 64 * 1024 * 1024;
// The bundle reader's limit for hallmark/bundle.pb, so any promoted manifest fits.
constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;

Error io_error(const std::string& what, const fs::path& path, int err) {
  return Error{ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)),
               0, {}};
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool safe_sku(std::string_view sku) {
  if (sku.empty() || sku.front() == '.' || sku.size() > 100) return false;
  for (const char c : sku) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string format_line(const HistoryRecord& r) {
  return fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", r.promoted_unix, r.sku, r.version,
                     r.security_counter, r.bundle_digest.hex(), r.channel);
}

Result<HistoryRecord> parse_line(std::string_view line, const fs::path& file, std::size_t n) {
  std::vector<std::string_view> f;
  std::size_t start = 0;
  for (std::size_t tab; (tab = line.find('\t', start)) != std::string_view::npos; start = tab + 1) {
    f.push_back(line.substr(start, tab - start));
  }
  f.push_back(line.substr(start));
  HistoryRecord r;
  auto when = f.size() == 6 ? parse_number<std::int64_t>(f[0]) : std::nullopt;
  auto counter = f.size() == 6 ? parse_number<std::uint64_t>(f[3]) : std::nullopt;
  auto digest = f.size() == 6 ? verifier::Digest::from_hex(f[4]) : fail(ErrorCode::kUsage, "");
  if (!when || !counter || !digest) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("promotion history {} line {} is malformed: have it checked; the "
                            "signer never repairs its history",
                            file.string(), n));
  }
  r.promoted_unix = *when;
  r.sku = std::string(f[1]);
  r.version = std::string(f[2]);
  r.security_counter = *counter;
  r.bundle_digest = *digest;
  r.channel = std::string(f[5]);
  return r;
}

// Every line of `file` (absent: none), refusing a torn or malformed history.
Result<std::vector<HistoryRecord>> read_records(const fs::path& file, std::string_view sku) {
  std::vector<HistoryRecord> records;
  std::error_code ec;
  if (!fs::exists(file, ec)) return records;
  auto bytes = fileio::read_file(file, kMaxHistoryBytes);
  if (!bytes) return std::unexpected(bytes.error());
  const std::string_view text = as_chars(*bytes);
  if (!text.empty() && !text.ends_with('\n')) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("promotion history {} ends in a torn line: have it checked",
                            file.string()));
  }
  std::size_t start = 0;
  for (std::size_t n = 1; start < text.size(); ++n) {
    const std::size_t nl = text.find('\n', start);
    auto record = parse_line(text.substr(start, nl - start), file, n);
    if (!record) return std::unexpected(record.error());
    if (record->sku != sku) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("promotion history {} line {} is for SKU '{}'", file.string(), n,
                              record->sku));
    }
    records.push_back(std::move(*record));
    start = nl + 1;
  }
  return records;
}

Error sku_error(std::string_view sku) {
  return Error{ErrorCode::kUsage, fmt::format("SKU '{}' cannot name a history file", sku), 0, {}};
}

// Writes the promoted manifest once, read-only; an identical one (left by a promotion
// interrupted before its line was appended) is kept, anything else is refused.
Result<void> store_manifest(const fs::path& path, ByteView bytes, int dir_fd) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto existing = fileio::read_file(path, kMaxManifestBytes);
    if (!existing) return std::unexpected(existing.error());
    if (std::equal(existing->begin(), existing->end(), bytes.begin(), bytes.end())) return {};
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("stored manifest {} exists with other bytes: have the promotion "
                            "history checked",
                            path.string()));
  }
  const fs::path sku_dir = path.parent_path();
  const bool created = fs::create_directory(sku_dir, ec);
  if (ec) return std::unexpected(io_error("cannot create", sku_dir, ec.value()));
  if (created && ::fsync(dir_fd) != 0) {
    return std::unexpected(io_error("cannot fsync directory of", sku_dir, errno));
  }
  return fileio::write_file_exclusive(path, bytes, 0444);
}

}  // namespace

fs::path stored_manifest_path(const fs::path& dir, std::string_view sku,
                              const verifier::Digest& digest) {
  return dir / std::string(sku) / (digest.hex() + ".bundle.pb");
}

std::string describe(const LastPromoted& last) {
  const HistoryRecord& r = last.record;
  return fmt::format("the last promoted for SKU {} (version {}, channel {}, promoted at {}, {})",
                     r.sku, r.version, r.channel, verifier::format_utc(r.promoted_unix),
                     last.manifest_file.string());
}

Result<std::optional<LastPromoted>> last_promoted(const fs::path& dir, std::string_view sku) {
  if (!safe_sku(sku)) return std::unexpected(sku_error(sku));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fail(ErrorCode::kIo,
                fmt::format("promotion history directory {} does not exist", dir.string()));
  }
  auto records = read_records(dir / (std::string(sku) + ".history"), sku);
  if (!records) return std::unexpected(records.error());
  if (records->empty()) return std::optional<LastPromoted>();
  LastPromoted last;
  last.record = records->back();
  last.manifest_file = stored_manifest_path(dir, sku, last.record.bundle_digest);
  const std::string what = fmt::format("version {} of SKU {} (bundle {})", last.record.version,
                                       sku, last.record.bundle_digest.hex());
  if (!fs::exists(last.manifest_file, ec)) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the promotion history has no stored manifest for {}, the last "
                            "promoted: {} is missing (promoted before manifests were kept, or "
                            "removed); compare with --against the promoted bundle instead",
                            what, last.manifest_file.string()));
  }
  auto bytes = fileio::read_file(last.manifest_file, kMaxManifestBytes);
  if (!bytes) return std::unexpected(bytes.error());
  auto digest = verifier::sha256(*bytes);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != last.record.bundle_digest) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("stored manifest {} hashes to {}, not to the digest the history "
                            "records for {}: it was changed; have the promotion history checked",
                            last.manifest_file.string(), digest->hex(), what));
  }
  const std::string_view text = as_chars(*bytes);
  if (!last.bundle.ParseFromArray(text.data(), static_cast<int>(text.size())) ||
      last.bundle.sku() != sku) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("stored manifest {} is not a Bundle of SKU {}",
                            last.manifest_file.string(), sku));
  }
  last.bundle_bytes = std::move(*bytes);
  return std::optional<LastPromoted>(std::move(last));
}

PromotionHistory::PromotionHistory(fs::path file, fileio::UniqueFd lock,
                                   std::vector<HistoryRecord> records)
    : file_(std::move(file)), lock_(std::move(lock)), records_(std::move(records)) {}

Result<PromotionHistory> PromotionHistory::open(const fs::path& dir, std::string_view sku) {
  if (!safe_sku(sku)) {
    return std::unexpected(sku_error(sku));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return std::unexpected(io_error("cannot create history directory", dir, ec.value()));
  fileio::UniqueFd lock(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock.valid()) return std::unexpected(io_error("cannot open", dir, errno));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    return fail(ErrorCode::kIo, fmt::format("promotion history {} is in use by another "
                                            "promotion: wait for it to finish",
                                            dir.string()));
  }
  const fs::path file = dir / (std::string(sku) + ".history");
  auto records = read_records(file, sku);
  if (!records) return std::unexpected(records.error());
  return PromotionHistory(file, std::move(lock), std::move(*records));
}

Result<void> PromotionHistory::check(const HistoryRecord& c) const {
  if (auto own = verifier::check_version(c.version); !own) return std::unexpected(own.error());
  for (const auto& r : records_) {
    if (r.bundle_digest == c.bundle_digest) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("bundle {} was already promoted (version {}, at {}): a bundle is "
                              "promoted once",
                              c.bundle_digest.hex(), r.version,
                              verifier::format_utc(r.promoted_unix)));
    }
  }
  const HistoryRecord* l = last();
  if (l == nullptr) return {};
  if (c.security_counter < l->security_counter) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("downgrade refused: security counter {} is below {} of version {}, "
                            "the last promoted for SKU {}",
                            c.security_counter, l->security_counter, l->version, c.sku));
  }
  auto order = verifier::compare_versions(c.version, l->version);
  if (!order) return std::unexpected(order.error());
  if (*order != std::strong_ordering::greater) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("downgrade refused: version {} is not above {}, the last promoted "
                            "for SKU {}",
                            c.version, l->version, c.sku));
  }
  return {};
}

Result<void> PromotionHistory::append(const HistoryRecord& record, ByteView bundle_bytes) {
  auto digest = verifier::sha256(bundle_bytes);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != record.bundle_digest) {
    return fail(ErrorCode::kUsage, fmt::format("the manifest to store hashes to {}, not to "
                                               "the promoted bundle digest {}",
                                               digest->hex(), record.bundle_digest.hex()));
  }
  const fs::path manifest = stored_manifest_path(file_.parent_path(), record.sku, *digest);
  if (auto ok = store_manifest(manifest, bundle_bytes, lock_.get()); !ok) return ok;
  const std::string line = format_line(record);
  const bool is_new = records_.empty() && !fs::exists(file_);
  fileio::UniqueFd fd(::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return std::unexpected(io_error("cannot open", file_, errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(io_error("cannot stat", file_, errno));
  const ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0) {
    const int err = n < 0 ? errno : EIO;
    (void)::ftruncate(fd.get(), st.st_size);  // cut a partial line off again
    return std::unexpected(io_error("cannot append to", file_, err));
  }
  if (fd.close() != 0) return std::unexpected(io_error("cannot close", file_, errno));
  if (is_new && ::fsync(lock_.get()) != 0) {
    return std::unexpected(io_error("cannot fsync directory of", file_, errno));
  }
  records_.push_back(record);
  return {};
}

}  // namespace hallmark::promote
