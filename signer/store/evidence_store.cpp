// The evidence store, written once over the connection layer: the same SQL runs on SQLite
// and PostgreSQL. Statements are prepared once and reused; inside a transaction the tree
// size is read once and then counted. An entry names its firmware set (bundle digest +
// the image and measured digests, stored and indexed once for every unit that received
// the same): an append is one entry row, with no schema work and no allocation beyond
// the first.
#include "signer/store/sql_evidence_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "signer/store/store_location.h"
#include "signer/store/store_schema.h"
#include "signer/store/store_statements.h"

namespace hallmark::evidence {
namespace detail {

using sql::ResetOnExit;
using namespace statements;  // NOLINT(google-build-using-namespace): the store's own SQL

Result<void> SqlEvidenceStore::savepoint() {
  if (auto ok = writable("savepoint"); !ok) return ok;
  return db_->exec("SAVEPOINT hallmark_export");
}

Result<void> SqlEvidenceStore::rollback_to_savepoint() {
  if (auto ok = writable("rollback_to_savepoint"); !ok) return ok;
  forget();  // sizes and sets counted since the savepoint are gone with it
  if (auto ok = db_->exec("ROLLBACK TO SAVEPOINT hallmark_export"); !ok) return ok;
  return db_->exec("RELEASE SAVEPOINT hallmark_export");
}

Result<void> SqlEvidenceStore::release_savepoint() {
  if (auto ok = writable("release_savepoint"); !ok) return ok;
  return db_->exec("RELEASE SAVEPOINT hallmark_export");
}

Result<std::uint64_t> SqlEvidenceStore::tree_size() {
  if (tree_size_) return *tree_size_;
  auto s = statement(kTreeSize);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  auto row = (*s)->step();
  if (!row) return std::unexpected(std::move(row.error()));
  const auto size = *row ? u64((*s)->column_int64(0)) : 0;
  if (db_->in_transaction()) tree_size_ = size;  // only this transaction appends now
  return size;
}

Result<Statement*> SqlEvidenceStore::statement(Op op) {
  auto& slot = statements_[op];
  if (!slot) {
    auto prepared = db_->prepare(with_unit_events(kSql[op]),
                                 is_plain_write(op) ? sql::Rows::kNone : sql::Rows::kBuffered);
    if (!prepared) return std::unexpected(std::move(prepared.error()));
    slot = std::move(*prepared);
  }
  return slot.get();
}

Result<Digest> SqlEvidenceStore::digest(const Statement& s, int column,
                                        std::string_view what) const {
  auto d = Digest::from_bytes(s.column_blob(column));
  if (!d) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: a stored {} is not 32 bytes (the store is damaged)", prefix(), what));
  }
  return *d;
}

Result<void> SqlEvidenceStore::put_node(unsigned level, std::uint64_t index, const Digest& hash) {
  if (auto ok = writable("put_node"); !ok) return ok;
  if (level == 0) {  // the entry's leaf hash is the node: check it, store nothing
    auto leaf = node(0, index);
    if (!leaf) return std::unexpected(std::move(leaf.error()));
    if (*leaf != hash) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: leaf node {} differs from log entry {}'s leaf hash", prefix(),
                              index, index));
    }
    return {};
  }
  auto s = statement(kPutNode);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_int64(1, level);
  (*s)->bind_int64(2, i64(index));
  (*s)->bind_blob(3, hash.bytes());
  return (*s)->run();
}

Result<Digest> SqlEvidenceStore::node(unsigned level, std::uint64_t index) {
  if (level == 0 && last_leaf_ && last_leaf_->first == index) return last_leaf_->second;
  auto s = statement(kNode);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_int64(1, level);
  (*s)->bind_int64(2, i64(index));
  (*s)->bind_int64(3, level);
  (*s)->bind_int64(4, i64(index));
  auto row = (*s)->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: Merkle node (level {}, index {}) is missing: the store lost data",
                            prefix(), level, index));
  }
  return digest(**s, 0, "node hash");
}

Result<void> SqlEvidenceStore::add_checkpoint(const CheckpointRow& checkpoint) {
  if (auto ok = writable("add_checkpoint"); !ok) return ok;
  auto s = statement(kAddCheckpoint);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_int64(1, i64(checkpoint.tree_size));
  (*s)->bind_blob(2, checkpoint.root_hash.bytes());
  (*s)->bind_int64(3, checkpoint.time_unix);
  (*s)->bind_blob(4, checkpoint.envelope);
  return (*s)->run();
}

Result<void> SqlEvidenceStore::set_station_head(const StationId& station_id,
                                                const StationHead& head) {
  if (auto ok = writable("set_station_head"); !ok) return ok;
  auto s = statement(kSetStationHead);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, station_id.str());
  (*s)->bind_int64(2, i64(head.sequence));
  (*s)->bind_blob(3, head.record_hash.bytes());
  (*s)->bind_int64(4, head.last_event_unix);
  (*s)->bind_blob(5, head.device_tool);
  return (*s)->run();
}

Result<void> SqlEvidenceStore::put_station_registration(const StationId& station_id,
                                                        const RegistrationRow& row) {
  if (auto ok = writable("put_station_registration"); !ok) return ok;
  auto s = statement(kPutRegistration);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, station_id.str());
  (*s)->bind_int64(2, i64(row.from_index));
  (*s)->bind_blob(3, as_bytes(row.envelope));
  return (*s)->run();
}

Result<void> SqlEvidenceStore::add_finding(const FindingRow& finding) {
  if (auto ok = writable("add_finding"); !ok) return ok;
  auto s = statement(kAddFinding);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_int64(1, finding.time_unix);
  (*s)->bind_int64(2, finding.event_unix);
  (*s)->bind_text(3, finding.station_id.str());
  (*s)->bind_int64(4, finding.kind);
  if (finding.log_index) {
    (*s)->bind_int64(5, i64(*finding.log_index));
  } else {
    (*s)->bind_null(5);
  }
  (*s)->bind_blob(6, finding.finding);
  return (*s)->run();
}

Result<std::int64_t> SqlEvidenceStore::firmware_set(const LogEntry& entry) {
  packed_firmware_.clear();
  for (const auto& d : entry.firmware) {
    packed_firmware_.insert(packed_firmware_.end(), d.bytes().begin(), d.bytes().end());
  }
  set_key_.assign(1, static_cast<char>(entry.bundle_digest.size()));
  set_key_.append(as_chars(entry.bundle_digest));
  set_key_.append(as_chars(packed_firmware_));
  if (auto known = firmware_sets_.find(set_key_); known != firmware_sets_.end()) return known->second;

  // The set's id: SELECT finds a set stored earlier; INSERT ... RETURNING makes a new one.
  auto id_from = [&](Op op) -> Result<std::optional<std::int64_t>> {
    auto s = statement(op);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_blob(1, entry.bundle_digest);
    (*s)->bind_blob(2, packed_firmware_);
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    return *row ? std::optional((*s)->column_int64(0)) : std::nullopt;
  };
  auto stored = id_from(kFirmwareSet);
  if (!stored) return std::unexpected(std::move(stored).error());
  if (*stored) {  // its digests were indexed when it was made
    firmware_sets_.emplace(set_key_, **stored);
    return **stored;
  }
  auto made = id_from(kInsertFirmwareSet);
  if (!made) return std::unexpected(std::move(made).error());
  if (!*made) return fail(ErrorCode::kInternal, fmt::format("{}: a new firmware set has no id", prefix()));
  const std::int64_t id = **made;
  auto insert = statement(kInsertFirmwareDigest);
  if (!insert) return std::unexpected(std::move(insert.error()));
  auto index_digest = [&](ByteView digest) -> Result<void> {
    ResetOnExit reset(**insert);
    (*insert)->bind_blob(1, digest);
    (*insert)->bind_int64(2, id);
    return (*insert)->run();
  };
  if (!entry.bundle_digest.empty()) {
    if (auto ok = index_digest(entry.bundle_digest); !ok) return std::unexpected(ok.error());
  }
  for (const auto& d : entry.firmware) {
    if (auto ok = index_digest(d.bytes()); !ok) return std::unexpected(ok.error());
  }
  firmware_sets_.emplace(set_key_, id);
  return id;
}

Result<void> SqlEvidenceStore::append_entry(const LogEntry& entry) {
  if (auto ok = writable("append_entry"); !ok) return ok;
  auto size = tree_size();
  if (!size) return std::unexpected(std::move(size.error()));
  if (entry.index != *size) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: append_entry of log index {} refused: the next index is {}", prefix(),
                            entry.index, *size));
  }
  auto set = firmware_set(entry);
  if (!set) return std::unexpected(std::move(set.error()));
  auto insert = statement(kInsertEntry);
  if (!insert) return std::unexpected(std::move(insert.error()));
  Statement& s = **insert;
  ResetOnExit reset(s);
  write_kinds(entry.finding_kinds, kinds_text_);
  s.bind_int64(1, i64(entry.index));
  s.bind_blob(2, entry.leaf_hash.bytes());
  s.bind_text(3, entry.station_id.str());
  s.bind_int64(4, i64(entry.station_sequence));
  s.bind_blob(5, entry.record_hash.bytes());
  s.bind_text(6, entry.serial.str());
  s.bind_text(7, entry.hardware_id.str());
  s.bind_int64(8, *set);
  s.bind_int64(9, entry.event);
  s.bind_int64(10, entry.result);
  s.bind_int64(11, entry.event_unix);
  s.bind_int64(12, entry.countersigned_unix);
  s.bind_int64(13, entry.clock_synced ? 1 : 0);
  s.bind_int64(14, entry.finding_count);
  s.bind_text(15, entry.operator_name);
  s.bind_text(16, entry.supervisor_name);
  s.bind_text(17, entry.why);
  s.bind_text(18, kinds_text_);
  auto manifest = statement(kInsertManifest);
  if (!manifest) return std::unexpected(std::move(manifest.error()));
  Statement& m = **manifest;
  ResetOnExit reset_manifest(m);
  m.bind_int64(1, i64(entry.index));
  m.bind_blob(2, entry.manifest);
  for (Statement* write : {&s, &m}) {
    if (auto ok = write->run(); !ok) {
      tree_size_.reset();
      return ok;
    }
  }
  tree_size_ = *size + 1;
  last_leaf_.emplace(entry.index, entry.leaf_hash);
  saw(entry);
  return {};
}

namespace {

void bind_or_null(Statement& s, int param, const std::vector<std::string_view>& keys, std::size_t at) {
  if (at < keys.size()) {
    s.bind_text(param, keys[at]);
  } else {
    s.bind_null(param);
  }
}

}  // namespace

Result<void> SqlEvidenceStore::prefetch_sightings(
    const std::vector<std::pair<Serial, HardwareId>>& units) {
  serial_rows_.clear();
  hardware_rows_.clear();
  std::vector<std::string_view> serials;
  std::vector<std::string_view> hardware_ids;
  for (const auto& [typed_serial, typed_hardware_id] : units) {
    const std::string_view serial = typed_serial.str();
    const std::string_view hardware_id = typed_hardware_id.str();
    if (!serial.empty() && serial_rows_.try_emplace(std::string(serial)).second) serials.push_back(serial);
    if (!hardware_id.empty() && hardware_rows_.try_emplace(std::string(hardware_id)).second) {
      hardware_ids.push_back(hardware_id);
    }
  }
  if (!prefetch_ && !(serials.empty() && hardware_ids.empty())) {
    auto prepared = db_->prepare(sightings_prefetch_sql(db_->dialect()), sql::Rows::kBuffered);
    if (!prepared) return std::unexpected(std::move(prepared.error()));
    prefetch_ = std::move(*prepared);
  }
  const auto width = static_cast<std::size_t>(kPrefetchWidth);
  for (std::size_t at = 0; at < std::max(serials.size(), hardware_ids.size()); at += width) {
    Statement& s = *prefetch_;
    ResetOnExit reset(s);
    for (std::size_t i = 0; i < width; ++i) {
      // Unused places are NULL, which matches nothing without a lookup ('' would find every
      // entry without a serial or hardware id, a number that grows with the store).
      bind_or_null(s, static_cast<int>(i + 1), serials, at + i);
      bind_or_null(s, static_cast<int>(width + i + 1), hardware_ids, at + i);
    }
    for (;;) {
      auto row = s.step();
      if (!row) {
        forget();
        return std::unexpected(std::move(row.error()));
      }
      if (!*row) break;
      const bool by_serial = s.column_int64(0) == 0;
      const std::string_view key = by_serial ? s.column_text(1) : s.column_text(2);
      SightingRows& rows = by_serial ? serial_rows_ : hardware_rows_;
      auto it = rows.find(key);
      if (it == rows.end()) continue;  // not asked for (cannot happen: the IN list is ours)
      it->second.push_back({std::string(by_serial ? s.column_text(2) : s.column_text(1)),
                            static_cast<int>(s.column_int64(3)), u64(s.column_int64(4))});
    }
  }
  return {};
}

void SqlEvidenceStore::saw(const LogEntry& entry) {
  if (!is_binding_event(entry.event) || entry.hardware_id.empty()) return;
  if (!entry.serial.empty()) {
    if (auto it = serial_rows_.find(entry.serial.str()); it != serial_rows_.end()) {
      it->second.push_back({entry.hardware_id.str(), entry.event, entry.index});
    }
  }
  if (auto it = hardware_rows_.find(entry.hardware_id.str()); it != hardware_rows_.end()) {
    it->second.push_back({entry.serial.str(), entry.event, entry.index});
  }
}

Result<void> SqlEvidenceStore::put_release(const ReleaseRow& release_row) {
  if (auto ok = writable("put_release"); !ok) return ok;
  auto existing = release(release_row.bundle_digest);
  if (!existing) return std::unexpected(std::move(existing.error()));
  if (*existing) {
    const auto& e = **existing;
    if (e.sku == release_row.sku && e.version == release_row.version &&
        e.promoted_unix == release_row.promoted_unix &&
        e.not_before_unix == release_row.not_before_unix &&
        e.not_after_unix == release_row.not_after_unix && e.bundle == release_row.bundle &&
        e.promoted == release_row.promoted) {
      return {};
    }
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: release {} is already stored with different contents ({} {}); "
                            "a promoted bundle's record never changes",
                            prefix(), release_row.bundle_digest.hex(), e.sku, e.version));
  }
  auto s = statement(kPutRelease);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_blob(1, release_row.bundle_digest.bytes());
  (*s)->bind_text(2, release_row.sku);
  (*s)->bind_text(3, release_row.version);
  (*s)->bind_int64(4, release_row.promoted_unix);
  (*s)->bind_int64(5, release_row.not_before_unix);
  (*s)->bind_int64(6, release_row.not_after_unix);
  (*s)->bind_blob(7, release_row.bundle);
  (*s)->bind_blob(8, release_row.promoted);
  return (*s)->run();
}

Result<bool> SqlEvidenceStore::put_station_software(const StationSoftwareRow& row) {
  if (auto ok = writable("put_station_software"); !ok) return std::unexpected(std::move(ok.error()));
  {  // held already: kept as first recorded (its promotion entries are never mixed)
    auto held = statement(kStationSoftwareHeld);
    if (!held) return std::unexpected(std::move(held.error()));
    ResetOnExit reset(**held);
    (*held)->bind_blob(1, row.bundle_digest.bytes());
    auto found = (*held)->step();
    if (!found) return std::unexpected(std::move(found.error()));
    if (*found) return false;
  }
  auto s = statement(kPutStationSoftware);
  if (!s) return std::unexpected(std::move(s.error()));
  {
    ResetOnExit reset(**s);
    (*s)->bind_blob(1, row.bundle_digest.bytes());
    (*s)->bind_text(2, row.version);
    (*s)->bind_int64(3, row.promoted_unix);
    (*s)->bind_int64(4, row.recorded_unix);
    (*s)->bind_blob(5, row.bundle);
    if (auto ok = (*s)->run(); !ok) return std::unexpected(std::move(ok.error()));
  }
  auto e = statement(kPutStationSoftwareEntry);
  if (!e) return std::unexpected(std::move(e.error()));
  for (const auto& [name, document] : row.promotion) {
    ResetOnExit reset(**e);
    (*e)->bind_blob(1, row.bundle_digest.bytes());
    (*e)->bind_text(2, name);
    (*e)->bind_blob(3, document);
    if (auto ok = (*e)->run(); !ok) return std::unexpected(std::move(ok.error()));
  }
  return true;
}

}  // namespace detail

Result<std::unique_ptr<EvidenceStore>> open_store(std::string_view location) {
  auto target = parse_location(location);
  if (!target) return std::unexpected(std::move(target.error()));
  if (target->kind == Target::kSqlite && target->connect.empty()) {
    return fail(ErrorCode::kUsage, "evidence store sqlite:: empty file path");
  }
  const std::string name = "evidence store " + target->display;
  auto db = target->kind == Target::kSqlite ? sql::open_sqlite(target->connect, name)
                                            : sql::open_postgres(target->connect, name);
  if (!db) return std::unexpected(std::move(db.error()));
  if (auto ok = ensure_schema(**db); !ok) return std::unexpected(std::move(ok.error()));
  return std::unique_ptr<EvidenceStore>(
      std::make_unique<detail::SqlEvidenceStore>(std::move(*db), std::move(target->display)));
}

}  // namespace hallmark::evidence
