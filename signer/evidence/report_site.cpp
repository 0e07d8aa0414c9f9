#include "signer/evidence/report_site.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "signer/evidence/manifest_files.h"
#include "signer/evidence/report_html.h"
#include "verifier/io/atomic_file.h"
#include "verifier/log/event_answer.h"

namespace hallmark::evidence {
namespace {

namespace fs = std::filesystem;

std::string enum_text(const google::protobuf::EnumDescriptor* names, int value, bool dash_for_zero) {
  if (value == 0 && dash_for_zero) return "-";
  const auto* v = names->FindValueByNumber(value);
  return v != nullptr ? v->name() : std::to_string(value);
}

// A unit's history: the query `hallmark-signer query --serial` runs.
Result<SerialHistory> history_of(EvidenceStore& store, const std::string& serial) {
  SerialHistory h;
  h.serial = serial;
  EntryQuery query;
  query.serial = Serial(serial);
  v1::ProvisioningManifest manifest;
  v1::Attestation attestation;
  auto ok = store.query(query, [&](const LogEntry& entry) -> Result<void> {
    if (!manifest.ParseFromArray(entry.manifest.data(), static_cast<int>(entry.manifest.size()))) {
      return fail(ErrorCode::kInternal,
                  fmt::format("log entry {} does not parse as a manifest", entry.index));
    }
    // Verified when it was countersigned; read as it was signed.
    attestation.Clear();
    (void)attestation.ParseFromString(manifest.attestation_envelope().payload());
    const EventAnswer answer = answer_of(attestation, manifest);
    h.rows.push_back({.log_index = entry.index,
                      .event_unix = entry.event_unix,
                      .station_id = entry.station_id.str(),
                      .sequence = entry.station_sequence,
                      .event = enum_text(v1::Attestation::Event_descriptor(), entry.event, false),
                      .result = enum_text(v1::Attestation::Result_descriptor(), entry.result, true),
                      .hardware_id = entry.hardware_id.str(),
                      .who = who_text(answer),
                      .findings = kinds_text(answer, ", "),
                      .why = answer.why,
                      .manifest_file = manifest_file_name(entry.serial.str(), entry.index)});
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  if (h.rows.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("--serial \"{}\": the evidence store {} has no "
                                               "entry for this unit",
                                               serial, store.location()));
  }
  return h;
}

Result<void> fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return fail(ErrorCode::kIo, fmt::format("{}: cannot sync: {}", path.string(), std::strerror(err)));
  }
  ::close(fd);
  return {};
}

// The temporary directory beside the site, removed unless committed.
class StagingDir {
 public:
  static Result<StagingDir> create(const fs::path& dir) {
    const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    std::string pattern = (parent / ("." + dir.filename().string() + ".tmp-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fail(ErrorCode::kIo, fmt::format("{}: cannot make a temporary directory in {}: {}",
                                              dir.string(), parent.string(), std::strerror(errno)));
    }
    return StagingDir(pattern);
  }
  StagingDir(StagingDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  // After the rename: nothing left to remove (or, after an exchange, the old site).
  void committed(fs::path leftover) { path_ = std::move(leftover); }

 private:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Result<void> write_file(const fs::path& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot create: {}", path.parent_path().string(), ec.message()));
  auto file = fileio::AtomicFile::create(path, 0644);
  if (!file) return std::unexpected(file.error());
  if (auto ok = file->write(as_bytes(text)); !ok) return ok;
  return file->commit_new();
}

}  // namespace

Result<SiteWritten> write_report_site(EvidenceStore& store, const AuditReport& report,
                                      const std::vector<std::string>& serials,
                                      const fs::path& dir, std::int64_t now_unix) {
  std::error_code ec;
  const bool replacing = fs::exists(fs::symlink_status(dir, ec));
  if (replacing && (!fs::is_directory(fs::symlink_status(dir, ec)) ||
                    !fs::exists(dir / kSiteMarker, ec))) {
    return fail(ErrorCode::kUsage,
                fmt::format("--html {}: exists and is not a report this command wrote (no {} in "
                            "it); name a new directory, or remove it first",
                            dir.string(), kSiteMarker));
  }
  std::set<std::string> wanted(report.exception_serials.begin(), report.exception_serials.end());
  wanted.insert(serials.begin(), serials.end());
  std::vector<SerialHistory> histories;
  for (const std::string& serial : wanted) {
    auto h = history_of(store, serial);
    if (!h) return std::unexpected(std::move(h).error());
    histories.push_back(std::move(*h));
  }

  auto staging = StagingDir::create(dir);
  if (!staging) return std::unexpected(std::move(staging).error());
  const fs::path& tmp = staging->path();
  SiteWritten out;
  out.units = histories.size();
  for (const auto& [name, text] : render_report_site(report, histories, now_unix)) {
    if (auto ok = write_file(tmp / name, text); !ok) return std::unexpected(ok.error());
    ++out.pages;
  }
  for (const SerialHistory& h : histories) {
    ManifestSelection selection;
    selection.serial = Serial(h.serial);
    auto written = write_manifest_files(store, tmp / "manifests", selection);
    if (!written) return std::unexpected(written.error());
    out.manifests += written->written;
  }
  if (auto ok = write_file(tmp / kSiteMarker,
                           "Written by hallmark-signer report --html; replaced when it runs again.\n");
      !ok) {
    return std::unexpected(ok.error());
  }
  for (const char* sub : {"", "weeks", "stations", "serials", "manifests"}) {
    if (!fs::exists(tmp / sub, ec)) continue;
    if (auto ok = fsync_path(tmp / sub); !ok) return std::unexpected(ok.error());
  }
  const unsigned flags = replacing ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), flags) != 0) {
    return fail(ErrorCode::kIo, fmt::format("--html {}: cannot move the new report into place: {}",
                                            dir.string(), std::strerror(errno)));
  }
  // Now `tmp` is the old site (exchange) or gone (rename); either way it goes.
  staging->committed(replacing ? tmp : fs::path());
  if (auto ok = fsync_path(dir.parent_path().empty() ? fs::path(".") : dir.parent_path()); !ok) {
    return std::unexpected(ok.error());
  }
  return out;
}

}  // namespace hallmark::evidence
