// UnitIndex: which serial is bound to which hardware id, and every journal record about a
// device — the part of a station's history that grows with every unit.
//
// Kept in kBuckets buckets (a hardware id or serial goes to the bucket named by the first
// 16 bits of its SHA-256: about 15 units a bucket at a million units, so replaying a few
// records or looking up a unit parses a few small files whatever the history). A state snapshot (station_snapshot.h) stores each bucket as a
// content-addressed file DIR/snapshot/<sha256 hex>.bucket and lists the digests in its signed
// payload, so a lookup reads and checks one bucket, never the whole history. Guarantees: a
// bucket is used only after its bytes hash to the digest the verified snapshot lists and it
// names its own index; otherwise the lookup fails with kVerificationFailed naming the file
// (an edited, swapped or missing bucket is never read as "this device is new"). Never
// signs. Not thread-safe (lookups load buckets into a cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/ids.h"
#include "verifier/core/error.h"

namespace hallmark::station {

struct UnitHistory {
  std::string serial;                   // the printed label bound to this hardware id
  std::vector<std::uint64_t> sequences;  // every record about it, oldest first
  v1::Attestation::Result last_result = v1::Attestation::RESULT_UNSPECIFIED;
  bool scrapped = false;
};

class UnitIndex {
 public:
  static constexpr std::size_t kBuckets = 65536;

  UnitIndex() = default;  // empty: no unit seen yet
  // The index a verified snapshot names by `index_sha256` (raw SHA-256, "" for an empty
  // index), its files in `snapshot_dir`. Files are read on first use.
  [[nodiscard]] static UnitIndex from_snapshot(std::filesystem::path snapshot_dir,
                                               std::string index_sha256);

  // nullptr when the device was never seen.
  [[nodiscard]] Result<const UnitHistory*> unit(std::string_view hardware_id) const;
  // nullptr when the serial is bound to no device.
  [[nodiscard]] Result<const std::string*> hardware_id_of(std::string_view serial) const;

  // The device's entry, created empty when it was never seen.
  [[nodiscard]] Result<UnitHistory*> unit_for_update(std::string_view hardware_id);
  [[nodiscard]] Result<void> bind_serial(const Serial& serial, const HardwareId& hardware_id);

  // Writes every bucket changed since it was loaded and the index into `snapshot_dir`
  // (fsync'd, content-addressed, mode 0444); the index's SHA-256 for the snapshot.
  [[nodiscard]] Result<std::string> save(const std::filesystem::path& snapshot_dir);

 private:
  struct Bucket {
    bool loaded = false;
    bool dirty = false;
    std::map<std::string, UnitHistory, std::less<>> units;    // by hardware id
    std::map<std::string, std::string, std::less<>> serials;  // serial → hardware id
  };
  [[nodiscard]] Result<Bucket*> bucket_of(std::string_view key) const;
  [[nodiscard]] Result<void> load(std::size_t index) const;
  [[nodiscard]] Result<void> load_index() const;

  // The digest of bucket `index` ("" for empty) from the loaded index.
  [[nodiscard]] std::string digest_of(std::size_t index) const;

  std::filesystem::path dir_;
  std::string index_sha256_;          // "" : no index (every bucket empty)
  mutable bool index_loaded_ = true;
  mutable Bytes index_;               // kBuckets × 32 bytes once loaded, or empty
  mutable std::unordered_map<std::size_t, Bucket> buckets_;  // the buckets read or changed
};

// The file of bucket digest `digest` (raw SHA-256) in `snapshot_dir`.
[[nodiscard]] std::filesystem::path bucket_file(const std::filesystem::path& snapshot_dir,
                                                std::string_view digest);
// The index file of digest `index_sha256` in `snapshot_dir`.
[[nodiscard]] std::filesystem::path index_file(const std::filesystem::path& snapshot_dir,
                                               std::string_view index_sha256);
// The index file `index_sha256` (kBuckets × 32 bytes, zeros for an empty bucket), after
// checking that its bytes hash to `index_sha256`; kVerificationFailed naming the file.
[[nodiscard]] Result<Bytes> read_unit_index(
    const std::filesystem::path& snapshot_dir, std::string_view index_sha256);

}  // namespace hallmark::station
