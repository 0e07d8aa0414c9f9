#include "station-agent/station/unit_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "verifier/core/bytes.h"
#include "verifier/core/document.h"
#include "verifier/core/sha256.h"
#include "verifier/io/file_io.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;

// A bucket holds about 1/65536 of the units: 64 MiB is ~600,000 units a bucket, far beyond
// a station's lifetime; a larger file is refused, never read.
constexpr std::size_t kMaxBucketBytes = 64 * 1024 * 1024;

Result<std::size_t> index_of(std::string_view key) {
  auto digest = verifier::sha256(as_bytes(key));
  if (!digest) return std::unexpected(std::move(digest).error());
  const auto b = digest->bytes();
  return (std::to_integer<std::size_t>(b[0]) << 8 | std::to_integer<std::size_t>(b[1])) %
         UnitIndex::kBuckets;
}

}  // namespace

fs::path bucket_file(const fs::path& snapshot_dir, std::string_view digest) {
  return snapshot_dir / (to_hex(as_bytes(digest)) + ".bucket");
}

fs::path index_file(const fs::path& snapshot_dir, std::string_view index_sha256) {
  return snapshot_dir / (to_hex(as_bytes(index_sha256)) + ".index");
}

namespace {

Error tampered(const fs::path& file, std::string_view why) {
  return Error{ErrorCode::kVerificationFailed,
               fmt::format("snapshot file {} {}: the state directory was tampered with or "
                           "damaged; remove {} (the next command replays the journal in full "
                           "and writes a new snapshot) and report it",
                           file.string(), why, file.parent_path().string()),
               0,
               {}};
}

// Bytes of `file` that hash to `digest`, or why not.
Result<Bytes> read_vouched(const fs::path& file, std::string_view digest, std::size_t max) {
  auto bytes = fileio::read_file(file, max);
  if (!bytes) {
    return std::unexpected(tampered(file, fmt::format("cannot be read ({})", bytes.error().message)));
  }
  auto actual = verifier::sha256(*bytes);
  if (!actual) return std::unexpected(std::move(actual).error());
  if (as_chars(actual->bytes()) != digest) {
    return std::unexpected(tampered(file, "does not hash to the digest the signed snapshot lists"));
  }
  return bytes;
}

constexpr std::size_t kIndexBytes = UnitIndex::kBuckets * verifier::Digest::kSize;

}  // namespace

Result<Bytes> read_unit_index(const fs::path& snapshot_dir, std::string_view index_sha256) {
  const fs::path file = index_file(snapshot_dir, index_sha256);
  auto bytes = read_vouched(file, index_sha256, kIndexBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  if (bytes->size() != kIndexBytes) return std::unexpected(tampered(file, "has the wrong size"));
  return bytes;
}

std::string UnitIndex::digest_of(std::size_t index) const {
  if (index_.empty()) return {};
  const ByteView d = ByteView(index_).subspan(index * verifier::Digest::kSize,
                                              verifier::Digest::kSize);
  if (std::all_of(d.begin(), d.end(), [](std::byte b) { return b == std::byte{0}; })) return {};
  return std::string(as_chars(d));
}

UnitIndex UnitIndex::from_snapshot(fs::path snapshot_dir, std::string index_sha256) {
  UnitIndex index;
  index.dir_ = std::move(snapshot_dir);
  index.index_sha256_ = std::move(index_sha256);
  index.index_loaded_ = index.index_sha256_.empty();
  return index;
}

Result<void> UnitIndex::load_index() const {
  if (index_loaded_) return {};
  auto index = read_unit_index(dir_, index_sha256_);
  if (!index) return std::unexpected(std::move(index).error());
  index_ = std::move(*index);
  index_loaded_ = true;
  return {};
}

Result<void> UnitIndex::load(std::size_t index) const {
  Bucket& bucket = buckets_[index];
  if (bucket.loaded) return {};
  if (auto ok = load_index(); !ok) return ok;
  const std::string digest = digest_of(index);
  if (digest.empty()) {
    bucket.loaded = true;
    return {};
  }
  const fs::path file = bucket_file(dir_, digest);
  auto bytes = read_vouched(file, digest, kMaxBucketBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  v1::SnapshotBucket parsed;
  if (!parsed.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      parsed.index() != index) {
    return std::unexpected(tampered(file, fmt::format("is not bucket {}", index)));
  }
  for (auto& u : *parsed.mutable_units()) {
    UnitHistory history{std::move(*u.mutable_serial()),
                        {u.sequences().begin(), u.sequences().end()}, u.last_result(),
                        u.scrapped()};
    bucket.units.emplace(std::move(*u.mutable_hardware_id()), std::move(history));
  }
  for (auto& s : *parsed.mutable_serials()) {
    bucket.serials.emplace(std::move(*s.mutable_serial()), std::move(*s.mutable_hardware_id()));
  }
  bucket.loaded = true;
  return {};
}

Result<UnitIndex::Bucket*> UnitIndex::bucket_of(std::string_view key) const {
  auto index = index_of(key);
  if (!index) return std::unexpected(std::move(index).error());
  if (auto ok = load(*index); !ok) return std::unexpected(std::move(ok).error());
  return &buckets_[*index];
}

Result<const UnitHistory*> UnitIndex::unit(std::string_view hardware_id) const {
  auto bucket = bucket_of(hardware_id);
  if (!bucket) return std::unexpected(std::move(bucket).error());
  auto it = (*bucket)->units.find(hardware_id);
  return it == (*bucket)->units.end() ? nullptr : &it->second;
}

Result<const std::string*> UnitIndex::hardware_id_of(std::string_view serial) const {
  auto bucket = bucket_of(serial);
  if (!bucket) return std::unexpected(std::move(bucket).error());
  auto it = (*bucket)->serials.find(serial);
  return it == (*bucket)->serials.end() ? nullptr : &it->second;
}

Result<UnitHistory*> UnitIndex::unit_for_update(std::string_view hardware_id) {
  auto bucket = bucket_of(hardware_id);
  if (!bucket) return std::unexpected(std::move(bucket).error());
  (*bucket)->dirty = true;
  auto it = (*bucket)->units.find(hardware_id);
  if (it == (*bucket)->units.end()) {
    it = (*bucket)->units.emplace(std::string(hardware_id), UnitHistory{}).first;
  }
  return &it->second;
}

Result<void> UnitIndex::bind_serial(const Serial& serial, const HardwareId& hardware_id) {
  auto bucket = bucket_of(serial.str());
  if (!bucket) return std::unexpected(std::move(bucket).error());
  (*bucket)->dirty = true;
  (*bucket)->serials.insert_or_assign(serial.str(), hardware_id.str());
  return {};
}

Result<std::string> UnitIndex::save(const fs::path& snapshot_dir) {
  if (auto ok = load_index(); !ok) return std::unexpected(std::move(ok).error());
  if (index_.empty()) index_.assign(kIndexBytes, std::byte{0});
  for (auto& [i, bucket] : buckets_) {
    if (!bucket.dirty) continue;
    v1::SnapshotBucket out;
    out.set_index(static_cast<std::uint32_t>(i));
    for (const auto& [hardware_id, unit] : bucket.units) {
      auto* u = out.add_units();
      u->set_hardware_id(hardware_id);
      u->set_serial(unit.serial);
      for (auto s : unit.sequences) u->add_sequences(s);
      u->set_last_result(unit.last_result);
      u->set_scrapped(unit.scrapped);
    }
    for (const auto& [serial, hardware_id] : bucket.serials) {
      auto* s = out.add_serials();
      s->set_serial(serial);
      s->set_hardware_id(hardware_id);
    }
    const Bytes bytes = verifier::deterministic_bytes(out);
    auto digest = verifier::sha256(bytes);
    if (!digest) return std::unexpected(std::move(digest).error());
    std::string name(as_chars(digest->bytes()));
    const fs::path file = bucket_file(snapshot_dir, name);
    // Always written, even when a file of that name exists: its bytes are not trusted.
    if (auto ok = fileio::write_file_atomic(file, bytes, 0444); !ok) {
      return std::unexpected(std::move(ok).error().context("writing a snapshot bucket"));
    }
    const ByteView d = digest->bytes();
    std::copy(d.begin(), d.end(),
              index_.begin() + static_cast<std::ptrdiff_t>(i * verifier::Digest::kSize));
    bucket.dirty = false;
  }
  const Bytes& index = index_;
  auto digest = verifier::sha256(index);
  if (!digest) return std::unexpected(std::move(digest).error());
  index_sha256_ = std::string(as_chars(digest->bytes()));
  if (auto ok = fileio::write_file_atomic(index_file(snapshot_dir, index_sha256_), index, 0444); !ok) {
    return std::unexpected(std::move(ok).error().context("writing the snapshot's unit index"));
  }
  dir_ = snapshot_dir;
  return index_sha256_;
}

}  // namespace hallmark::station
