#include "signer/evidence/manifest_files.h"

#include <map>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "signer/evidence/countersign.h"
#include "verifier/io/atomic_file.h"
#include "verifier/io/file_io.h"
#include "verifier/log/merkle.h"
#include "verifier/tool/command_line.h"

namespace hallmark::evidence {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxManifestFile = 16u << 20;

// What a manifest file needs besides its entry, looked up once per batch and per station.
class FileSources {
 public:
  explicit FileSources(EvidenceStore& store) : store_(store) {}

  Result<const CheckpointRow*> checkpoint(std::uint64_t index) {
    // Entries come in log order, so the batch checkpoint found for the last one still
    // covers this one until the index reaches its tree size.
    if (!checkpoint_ || index >= checkpoint_->tree_size) {
      auto found = store_.checkpoint_covering(index);
      if (!found) return std::unexpected(std::move(found).error());
      if (!*found) {
        return fail(ErrorCode::kInternal,
                    fmt::format("{}: log entry {} is not covered by any checkpoint (the store "
                                "lost its batch checkpoint)", store_.location(), index));
      }
      checkpoint_ = std::move(**found);
    }
    return &*checkpoint_;
  }

  Result<const std::string*> registration(const StationId& station_id, std::uint64_t index) {
    auto known = registrations_.find(station_id);
    if (known == registrations_.end()) {
      auto rows = store_.station_registrations(station_id);
      if (!rows) return std::unexpected(std::move(rows).error());
      known = registrations_.emplace(station_id, std::move(*rows)).first;
    }
    const RegistrationRow* in_force = nullptr;
    for (const auto& row : known->second) {
      if (row.from_index <= index) in_force = &row;
    }
    if (in_force == nullptr) {
      return fail(ErrorCode::kInternal,
                  fmt::format("{}: no registration of station \"{}\" is recorded for log entry "
                              "{}", store_.location(), station_id, index));
    }
    return &in_force->envelope;
  }

 private:
  EvidenceStore& store_;
  std::optional<CheckpointRow> checkpoint_;
  std::map<StationId, std::vector<RegistrationRow>> registrations_;
};

// Creates `path` with `bytes`, or finds it there with the same bytes (true).
Result<bool> write_once(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto present = fileio::read_file(path, kMaxManifestFile);
    if (!present) return std::unexpected(present.error());
    if (std::string_view(as_chars(*present)) == bytes) return true;
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{} exists with other contents than the evidence store holds for it: "
                            "it was altered, or belongs to another log; move it aside and write "
                            "it again", path.string()));
  }
  auto out = fileio::AtomicFile::create(path, 0444);
  if (!out) return std::unexpected(out.error());
  if (auto ok = out->write(as_bytes(bytes)); !ok) return std::unexpected(ok.error());
  if (auto ok = out->commit_new(); !ok) return std::unexpected(ok.error());
  return false;
}

}  // namespace

std::string manifest_file_name(const std::string& serial, std::uint64_t index) {
  return fmt::format("{}.{}.manifest.json", file_safe(serial), index);
}

Result<ManifestsWritten> write_manifest_files(EvidenceStore& store, const fs::path& dir,
                                              const ManifestSelection& selection) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot create: {}", dir.string(), ec.message()));
  auto size = store.tree_size();
  if (!size) return std::unexpected(std::move(size).error());
  const std::uint64_t last = std::min(selection.last.value_or(*size), *size);
  verifier::merkle::NodeCache cache(store_nodes(store));
  const auto nodes = cache.source();
  FileSources sources(store);
  ManifestsWritten out;
  auto write_entry = [&](const LogEntry& e) -> Result<void> {
    if (e.serial.empty() || e.index < selection.first || e.index >= last) return {};
    if (selection.station_id && e.station_id != *selection.station_id) return {};
    auto checkpoint = sources.checkpoint(e.index);
    if (!checkpoint) return std::unexpected(checkpoint.error());
    auto registration = sources.registration(e.station_id, e.index);
    if (!registration) return std::unexpected(registration.error());
    auto file = manifest_file(e, **checkpoint, **registration, nodes);
    if (!file) return std::unexpected(file.error());
    auto present = write_once(dir / manifest_file_name(e.serial.str(), e.index), tool::to_json(*file));
    if (!present) return std::unexpected(present.error());
    ++(*present ? out.present : out.written);
    return {};
  };
  Result<void> visited;
  if (selection.serial) {
    EntryQuery query;
    query.serial = selection.serial;
    visited = store.query(query, write_entry);
  } else {
    visited = store.for_each_entry(selection.first, last, write_entry);
  }
  if (!visited) return std::unexpected(visited.error());
  return out;
}

Result<ManifestsWritten> write_batch_manifests(EvidenceStore& store, const fs::path& dir,
                                               const CountersignResult& batch) {
  std::vector<ManifestSelection> parts;
  if (batch.new_size > batch.old_size) {
    parts.push_back(ManifestSelection{.first = batch.old_size, .last = batch.new_size, .serial = {}, .station_id = {}});
  }
  for (const ExportOutcome& e : batch.exports) {
    if (e.status == ExportOutcome::Status::kReplay && e.logged_end > e.logged_first) {
      parts.push_back(ManifestSelection{.first = e.logged_first, .last = e.logged_end, .serial = {}, .station_id = e.station_id});
    }
  }
  ManifestsWritten out;
  for (const ManifestSelection& part : parts) {
    auto written = write_manifest_files(store, dir, part);
    if (!written) return std::unexpected(written.error());
    out.written += written->written;
    out.present += written->present;
  }
  return out;
}

}  // namespace hallmark::evidence
