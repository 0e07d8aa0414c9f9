// The evidence store over the connection layer (open_store in evidence_store.h makes one):
// the class, shared by its two source files. evidence_store.cpp holds the transactions and
// everything that writes (entries, Merkle nodes, checkpoints, station heads, releases,
// findings) and the clone checks' prefetch; evidence_queries.cpp everything that only reads
// (histories, listings, checkpoints, registrations, sightings). Internal to signer/store.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "signer/store/evidence_store.h"
#include "signer/store/sql_connection.h"
#include "signer/store/store_statements.h"

namespace hallmark::evidence::detail {

using sql::Statement;
using statements::kOpCount;
using statements::Op;

// A unit event that named a value (the other id of the pair) at a log index.
struct Sighting {
  std::string value;
  int event = 0;
  std::uint64_t index = 0;
};

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
// Rows by serial (values: hardware ids) or by hardware id (values: serials).
using SightingRows = std::unordered_map<std::string, std::vector<Sighting>, TextHash, std::equal_to<>>;

inline std::int64_t i64(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }
inline std::uint64_t u64(std::int64_t v) noexcept { return static_cast<std::uint64_t>(v); }

class SqlEvidenceStore final : public EvidenceStore {
 public:
  SqlEvidenceStore(std::unique_ptr<sql::Connection> db, std::string location)
      : db_(std::move(db)), location_(std::move(location)) {}
  ~SqlEvidenceStore() override { rollback(); }
  SqlEvidenceStore(const SqlEvidenceStore&) = delete;
  SqlEvidenceStore& operator=(const SqlEvidenceStore&) = delete;

  std::string location() const override { return location_; }

  Result<void> begin() override {
    forget();
    return db_->begin();
  }
  Result<void> commit() override {
    forget();
    return db_->commit();
  }
  void rollback() noexcept override {
    forget();
    db_->rollback();
  }
  Result<void> savepoint() override;
  Result<void> rollback_to_savepoint() override;
  Result<void> release_savepoint() override;

  Result<std::uint64_t> tree_size() override;

  Result<void> append_entry(const LogEntry& entry) override;

  Result<void> put_node(unsigned level, std::uint64_t index, const Digest& hash) override;

  Result<Digest> node(unsigned level, std::uint64_t index) override;

  Result<void> add_checkpoint(const CheckpointRow& checkpoint) override;

  Result<std::optional<CheckpointRow>> latest_checkpoint() override {
    return one_checkpoint(statements::kLatestCheckpoint, std::nullopt);
  }
  Result<std::optional<CheckpointRow>> checkpoint_at(std::uint64_t size) override {
    return one_checkpoint(statements::kCheckpointAt, size);
  }
  Result<std::optional<CheckpointRow>> checkpoint_covering(std::uint64_t index) override {
    return one_checkpoint(statements::kCheckpointCovering, index);
  }

  Result<std::vector<CheckpointRow>> checkpoints_between(std::int64_t from_unix,
                                                         std::int64_t to_unix) override;

  Result<void> for_each_entry(std::uint64_t first, std::uint64_t last,
                              const std::function<Result<void>(const LogEntry&)>& visit) override;

  Result<std::optional<StationHead>> station_head(const StationId& station_id) override;

  Result<void> set_station_head(const StationId& station_id, const StationHead& head) override;

  Result<void> put_station_registration(const StationId& station_id,
                                        const RegistrationRow& row) override;

  Result<std::vector<RegistrationRow>> station_registrations(const StationId& station_id) override;

  Result<std::optional<std::pair<Digest, std::uint64_t>>> station_record(
      const StationId& station_id, std::uint64_t sequence) override;

  Result<UnitSightings> unit_sightings(const Serial& serial,
                                       const HardwareId& hardware_id) override;

  Result<void> prefetch_sightings(
      const std::vector<std::pair<Serial, HardwareId>>& units) override;

  Result<void> put_release(const ReleaseRow& release) override;
  Result<std::optional<ReleaseRow>> release(const Digest& bundle_digest) override;

  Result<bool> put_station_software(const StationSoftwareRow& row) override;
  Result<std::vector<StationSoftwareRow>> station_software_releases() override;

  Result<void> add_finding(const FindingRow& finding) override;

  Result<std::vector<FindingRow>> findings_between(std::int64_t from_unix,
                                                   std::int64_t to_unix) override;

  Result<void> query(const EntryQuery& query,
                     const std::function<Result<void>(const LogEntry&)>& visit) override;

 private:
  std::string prefix() const { return db_->display_name(); }

  Result<void> writable(std::string_view what) const {
    if (db_->in_transaction()) return {};
    return fail(ErrorCode::kUsage,
                fmt::format("{}: {} outside a transaction (call begin() first)", prefix(), what));
  }

  Result<Statement*> statement(Op op);

  Result<Digest> digest(const Statement& s, int column, std::string_view what) const;

  Result<CheckpointRow> read_checkpoint(const Statement& s) const;

  Result<std::optional<CheckpointRow>> one_checkpoint(Op op, std::optional<std::uint64_t> size);

  // The id of the entry's firmware set, made the first time it is seen.
  Result<std::int64_t> firmware_set(const LogEntry& entry);

  // The entry in kEntryColumns, and its manifest from `manifest_column` when there is one.
  Result<void> read_entry(const Statement& s, LogEntry& e,
                          std::optional<int> manifest_column) const;

  std::unique_ptr<sql::Connection> db_;  // declared first: statements go before it
  std::string location_;
  std::array<std::unique_ptr<Statement>, kOpCount> statements_;
  void forget() noexcept {
    tree_size_.reset();
    last_leaf_.reset();
    firmware_sets_.clear();
    serial_rows_.clear();
    hardware_rows_.clear();
  }

  // The unit's sightings from the prefetched rows, when both its ids were prefetched.
  std::optional<UnitSightings> prefetched(const Serial& serial,
                                          const HardwareId& hardware_id) const;
  // An appended unit event, added to the prefetched rows it belongs to.
  void saw(const LogEntry& entry);

  std::unique_ptr<Statement> prefetch_;
  SightingRows serial_rows_;    // prefetched: a serial's unit events (and those appended since)
  SightingRows hardware_rows_;  // likewise by hardware id
  std::optional<std::uint64_t> tree_size_;  // inside a transaction, once read
  std::optional<std::pair<std::uint64_t, Digest>> last_leaf_;  // the entry just appended
  Bytes packed_firmware_;                   // reused by every append
  std::string set_key_;                     // reused by every append
  std::string kinds_text_;                  // reused by every append
  // Firmware set ids known in this transaction, by bundle digest size + bundle + firmware.
  std::unordered_map<std::string, std::int64_t> firmware_sets_;
};

}  // namespace hallmark::evidence::detail
