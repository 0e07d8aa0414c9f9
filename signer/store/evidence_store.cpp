// Why this file is long: all of the store's SQL, shared by SQLite and PostgreSQL, in one place.
// The evidence store, written once over the connection layer: the same SQL runs on SQLite
// and PostgreSQL. Statements are prepared once and reused; inside a transaction the tree
// size is read once and then counted. An entry names its firmware set (bundle digest +
// the image and measured digests, stored and indexed once for every unit that received
// the same): an append is one entry row, with no schema work and no allocation beyond
// the first.
#include "signer/store/evidence_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "signer/store/sql_connection.h"
#include "signer/store/store_location.h"
#include "signer/store/store_schema.h"

namespace hallmark::evidence {
namespace {

using sql::ResetOnExit;
using sql::Statement;

enum Op : std::size_t {
  kTreeSize,
  kInsertEntry,
  kInsertManifest,
  kFirmwareSet,
  kInsertFirmwareSet,
  kInsertFirmwareDigest,
  kPutNode,
  kNode,
  kAddCheckpoint,
  kLatestCheckpoint,
  kCheckpointAt,
  kCheckpointsBetween,
  kCheckpointCovering,
  kPutRegistration,
  kRegistrations,
  kStationHead,
  kSetStationHead,
  kStationRecord,
  kUnitSightings,
  kPutRelease,
  kRelease,
  kAddFinding,
  kFindingsBetween,
  kOpCount,
};

// read_entry's columns, in its order; the manifest, when asked for, follows them.
constexpr std::string_view kEntryColumns =
    "e.idx, e.leaf_hash, e.station_id, e.station_sequence, e.record_hash, e.serial, "
    "e.hardware_id, f.bundle_digest, e.event, e.result, e.event_unix, e.countersigned_unix, "
    "e.clock_synced, f.firmware, e.finding_count, e.operator_name, e.supervisor_name, e.why, "
    "e.finding_kinds";
constexpr int kEntryColumnCount = 19;
constexpr std::string_view kEntryFrom = "entries e JOIN firmware_sets f ON f.id = e.firmware_set";
constexpr std::string_view kManifestColumn = ", m.manifest";
constexpr std::string_view kManifestJoin = " JOIN manifests m ON m.idx = e.idx";

// Finding kinds as stored: "3;7" (v1::Finding::Kind numbers, the manifest's order).
void write_kinds(const std::vector<int>& kinds, std::string& out) {
  out.clear();
  for (int kind : kinds) {
    if (!out.empty()) out += ';';
    out += std::to_string(kind);
  }
}

bool read_kinds(std::string_view text, std::vector<int>& out) {
  out.clear();
  while (!text.empty()) {
    const auto end = std::min(text.find(';'), text.size());
    int kind = 0;
    const auto [at, ec] = std::from_chars(text.data(), text.data() + end, kind);
    if (ec != std::errc() || at != text.data() + end) return false;
    out.push_back(kind);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return true;
}


// The events that bind a serial to a hardware id (PROGRAM 1, REWORK 2, SCRAP 3, TAKE_OVER
// 8), the only ones unit_sightings() counts: a line stop records the mismatched label and
// board that the station refused, which binds nothing, and a returned unit (RMA_RECEIVED)
// is checked against the bindings (countersign's is_unit_event) without making one.
// {UNIT} in the SQL is this list.
constexpr std::array<int, 4> kBindingEvents{1, 2, 3, 8};
constexpr bool is_binding_event(int event) noexcept {
  return std::find(kBindingEvents.begin(), kBindingEvents.end(), event) != kBindingEvents.end();
}

std::string with_unit_events(std::string_view sql) {
  std::string list;
  for (int event : kBindingEvents) list += (list.empty() ? "" : ", ") + std::to_string(event);
  std::string out(sql);
  for (auto at = out.find("{UNIT}"); at != std::string::npos; at = out.find("{UNIT}", at)) {
    out.replace(at, 6, list);
  }
  return out;
}

// Serials and hardware ids per prefetch query (each side; unused places are bound to '',
// which matches nothing).
constexpr int kPrefetchWidth = 128;

std::string prefetch_sql() {
  std::string places;
  for (int i = 0; i < kPrefetchWidth; ++i) places += i == 0 ? "?" : ", ?";
  return with_unit_events(fmt::format(
      "SELECT 0, serial, hardware_id, event, idx FROM entries WHERE serial IN ({0}) AND serial "
      "<> '' AND hardware_id <> '' AND event IN ({{UNIT}}) UNION ALL "
      "SELECT 1, serial, hardware_id, event, idx FROM entries WHERE hardware_id IN ({0}) AND "
      "hardware_id <> '' AND event IN ({{UNIT}})", places));
}

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

// `value` first seen at `index`: a new row, or an earlier first sighting.
void seen(std::vector<SeenWith>& rows, std::string_view value, std::uint64_t index) {
  for (SeenWith& row : rows) {
    if (row.value != value) continue;
    row.log_index = std::min(row.log_index, index);
    return;
  }
  rows.push_back(SeenWith{std::string(value), index});
}

void by_first_sighting(std::vector<SeenWith>& rows) {
  std::sort(rows.begin(), rows.end(),
            [](const SeenWith& a, const SeenWith& b) { return a.log_index < b.log_index; });
}

constexpr std::array<std::string_view, kOpCount> kSql{
    "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries",
    "INSERT INTO entries (idx, leaf_hash, station_id, station_sequence, record_hash, serial, "
    "hardware_id, firmware_set, event, result, event_unix, countersigned_unix, clock_synced, "
    "finding_count, operator_name, supervisor_name, why, finding_kinds) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO manifests (idx, manifest) VALUES (?, ?)",
    "SELECT id FROM firmware_sets WHERE bundle_digest = ? AND firmware = ?",
    "INSERT INTO firmware_sets (bundle_digest, firmware) VALUES (?, ?) RETURNING id",
    // A set may list the same digest twice (image and measured): indexed once.
    "INSERT INTO firmware_set_digests (digest, set_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
    "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)",
    // Level 0 is the entries' own leaf hashes: never stored twice.
    "SELECT hash FROM nodes WHERE level = ? AND idx = ? UNION ALL "
    "SELECT leaf_hash FROM entries WHERE 0 = ? AND idx = ?",
    "INSERT INTO checkpoints (tree_size, root_hash, time_unix, envelope) VALUES (?, ?, ?, ?)",
    "SELECT tree_size, root_hash, time_unix, envelope FROM checkpoints "
    "ORDER BY tree_size DESC, id DESC LIMIT 1",
    "SELECT tree_size, root_hash, time_unix, envelope FROM checkpoints WHERE tree_size = ? "
    "ORDER BY id DESC LIMIT 1",
    "SELECT tree_size, root_hash, time_unix, envelope FROM checkpoints "
    "WHERE time_unix >= ? AND time_unix < ? ORDER BY time_unix, id",
    "SELECT tree_size, root_hash, time_unix, envelope FROM checkpoints WHERE tree_size > ? "
    "ORDER BY tree_size, id LIMIT 1",
    "INSERT INTO station_registrations (station_id, from_index, envelope) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING",
    "SELECT from_index, envelope FROM station_registrations WHERE station_id = ? "
    "ORDER BY from_index",
    "SELECT sequence, record_hash, last_event_unix, device_tool FROM station_heads "
    "WHERE station_id = ?",
    "INSERT INTO station_heads (station_id, sequence, record_hash, last_event_unix, device_tool) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (station_id) DO UPDATE SET sequence = excluded.sequence, "
    "record_hash = excluded.record_hash, last_event_unix = excluded.last_event_unix, "
    "device_tool = excluded.device_tool",
    "SELECT record_hash, idx FROM entries WHERE station_id = ? AND station_sequence = ?",
    // Binding events only ({UNIT}): the first part is the serial's rows, the second the
    // hardware id's (two index lookups). prefetch_sightings() asks the same for many.
    "SELECT 0, hardware_id, event, idx FROM entries WHERE serial = ? AND serial <> '' "
    "AND hardware_id <> '' AND event IN ({UNIT}) UNION ALL "
    "SELECT 1, serial, event, idx FROM entries WHERE hardware_id = ? AND hardware_id <> '' "
    "AND event IN ({UNIT})",
    "INSERT INTO releases (bundle_digest, sku, version, promoted_unix, not_before_unix, "
    "not_after_unix, bundle, promoted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT bundle_digest, sku, version, promoted_unix, not_before_unix, not_after_unix, "
    "bundle, promoted FROM releases WHERE bundle_digest = ?",
    "INSERT INTO findings (time_unix, event_unix, station_id, kind, log_index, finding) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "SELECT time_unix, event_unix, station_id, kind, log_index, finding FROM findings "
    "WHERE time_unix >= ? AND time_unix < ? ORDER BY id",
};

// Writes whose outcome nothing waits for: PostgreSQL pipelines them (sql::Rows::kNone).
constexpr bool is_plain_write(Op op) noexcept {
  switch (op) {
    case kInsertEntry:
    case kInsertManifest:
    case kInsertFirmwareDigest:
    case kPutNode:
    case kAddCheckpoint:
    case kPutRegistration:
    case kSetStationHead:
    case kPutRelease:
    case kAddFinding: return true;
    default: return false;
  }
}

std::int64_t i64(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }
std::uint64_t u64(std::int64_t v) noexcept { return static_cast<std::uint64_t>(v); }

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
  Result<void> savepoint() override {
    if (auto ok = writable("savepoint"); !ok) return ok;
    return db_->exec("SAVEPOINT hallmark_export");
  }
  Result<void> rollback_to_savepoint() override {
    if (auto ok = writable("rollback_to_savepoint"); !ok) return ok;
    forget();  // sizes and sets counted since the savepoint are gone with it
    if (auto ok = db_->exec("ROLLBACK TO SAVEPOINT hallmark_export"); !ok) return ok;
    return db_->exec("RELEASE SAVEPOINT hallmark_export");
  }
  Result<void> release_savepoint() override {
    if (auto ok = writable("release_savepoint"); !ok) return ok;
    return db_->exec("RELEASE SAVEPOINT hallmark_export");
  }

  Result<std::uint64_t> tree_size() override {
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

  Result<void> append_entry(const LogEntry& entry) override;

  Result<void> put_node(unsigned level, std::uint64_t index, const Digest& hash) override {
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

  Result<Digest> node(unsigned level, std::uint64_t index) override {
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

  Result<void> add_checkpoint(const CheckpointRow& checkpoint) override {
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

  Result<std::optional<CheckpointRow>> latest_checkpoint() override {
    return one_checkpoint(kLatestCheckpoint, std::nullopt);
  }
  Result<std::optional<CheckpointRow>> checkpoint_at(std::uint64_t size) override {
    return one_checkpoint(kCheckpointAt, size);
  }
  Result<std::optional<CheckpointRow>> checkpoint_covering(std::uint64_t index) override {
    return one_checkpoint(kCheckpointCovering, index);
  }

  Result<std::vector<CheckpointRow>> checkpoints_between(std::int64_t from_unix,
                                                         std::int64_t to_unix) override {
    auto s = statement(kCheckpointsBetween);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_int64(1, from_unix);
    (*s)->bind_int64(2, to_unix);
    std::vector<CheckpointRow> rows;
    for (;;) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return rows;
      auto checkpoint = read_checkpoint(**s);
      if (!checkpoint) return std::unexpected(std::move(checkpoint.error()));
      rows.push_back(std::move(*checkpoint));
    }
  }

  Result<void> for_each_entry(std::uint64_t first, std::uint64_t last,
                              const std::function<Result<void>(const LogEntry&)>& visit) override {
    const std::string sql = fmt::format(
        "SELECT {}{} FROM {}{} WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx", kEntryColumns,
        kManifestColumn, kEntryFrom, kManifestJoin);
    auto s = db_->prepare(sql, sql::Rows::kStreamed);
    if (!s) return std::unexpected(std::move(s.error()));
    Statement& st = **s;
    st.bind_int64(1, i64(first));
    st.bind_int64(2, i64(last));
    ResetOnExit reset(st);
    LogEntry entry;  // reused: its buffers keep their capacity from row to row
    for (;;) {
      auto row = st.step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return {};
      if (auto ok = read_entry(st, entry, kEntryColumnCount); !ok) return ok;
      if (auto ok = visit(entry); !ok) return ok;
    }
  }

  Result<std::optional<StationHead>> station_head(std::string_view station_id) override {
    auto s = statement(kStationHead);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, station_id);
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return std::optional<StationHead>();
    StationHead head;
    head.sequence = u64((*s)->column_int64(0));
    auto hash = digest(**s, 1, "station head record hash");
    if (!hash) return std::unexpected(std::move(hash.error()));
    head.record_hash = *hash;
    head.last_event_unix = (*s)->column_int64(2);
    const auto tool = (*s)->column_blob(3);
    head.device_tool.assign(tool.begin(), tool.end());
    return head;
  }

  Result<void> set_station_head(std::string_view station_id, const StationHead& head) override {
    if (auto ok = writable("set_station_head"); !ok) return ok;
    auto s = statement(kSetStationHead);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, station_id);
    (*s)->bind_int64(2, i64(head.sequence));
    (*s)->bind_blob(3, head.record_hash.bytes());
    (*s)->bind_int64(4, head.last_event_unix);
    (*s)->bind_blob(5, head.device_tool);
    return (*s)->run();
  }

  Result<void> put_station_registration(std::string_view station_id,
                                        const RegistrationRow& row) override {
    if (auto ok = writable("put_station_registration"); !ok) return ok;
    auto s = statement(kPutRegistration);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, station_id);
    (*s)->bind_int64(2, i64(row.from_index));
    (*s)->bind_blob(3, as_bytes(row.envelope));
    return (*s)->run();
  }

  Result<std::vector<RegistrationRow>> station_registrations(std::string_view station_id) override {
    auto s = statement(kRegistrations);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, station_id);
    std::vector<RegistrationRow> rows;
    for (;;) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return rows;
      const auto envelope = (*s)->column_blob(1);
      rows.push_back({u64((*s)->column_int64(0)), std::string(as_chars(envelope))});
    }
  }

  Result<std::optional<std::pair<Digest, std::uint64_t>>> station_record(
      std::string_view station_id, std::uint64_t sequence) override {
    using Found = std::optional<std::pair<Digest, std::uint64_t>>;
    auto s = statement(kStationRecord);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, station_id);
    (*s)->bind_int64(2, i64(sequence));
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return Found();
    auto hash = digest(**s, 0, "record hash");
    if (!hash) return std::unexpected(std::move(hash.error()));
    return Found(std::pair{*hash, u64((*s)->column_int64(1))});
  }

  Result<UnitSightings> unit_sightings(std::string_view serial,
                                       std::string_view hardware_id) override {
    if (auto known = prefetched(serial, hardware_id)) return std::move(*known);
    auto s = statement(kUnitSightings);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_text(1, serial);
    (*s)->bind_text(2, hardware_id);
    UnitSightings out;
    for (;;) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) break;
      const std::string_view value = (*s)->column_text(1);
      const std::uint64_t index = u64((*s)->column_int64(3));
      if ((*s)->column_int64(0) == 0) {
        seen(out.hardware_ids_of_serial, value, index);
        continue;
      }
      if (!value.empty()) seen(out.serials_of_hardware_id, value, index);
      if ((*s)->column_int64(2) == kScrapEvent) out.scrap = std::min(out.scrap.value_or(index), index);
    }
    by_first_sighting(out.hardware_ids_of_serial);
    by_first_sighting(out.serials_of_hardware_id);
    return out;
  }

  Result<void> prefetch_sightings(
      const std::vector<std::pair<std::string_view, std::string_view>>& units) override;

  Result<void> put_release(const ReleaseRow& release) override;
  Result<std::optional<ReleaseRow>> release(const Digest& bundle_digest) override;

  Result<void> add_finding(const FindingRow& finding) override {
    if (auto ok = writable("add_finding"); !ok) return ok;
    auto s = statement(kAddFinding);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    (*s)->bind_int64(1, finding.time_unix);
    (*s)->bind_int64(2, finding.event_unix);
    (*s)->bind_text(3, finding.station_id);
    (*s)->bind_int64(4, finding.kind);
    if (finding.log_index) {
      (*s)->bind_int64(5, i64(*finding.log_index));
    } else {
      (*s)->bind_null(5);
    }
    (*s)->bind_blob(6, finding.finding);
    return (*s)->run();
  }

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

  Result<Statement*> statement(Op op) {
    auto& slot = statements_[op];
    if (!slot) {
      auto prepared = db_->prepare(with_unit_events(kSql[op]),
                                   is_plain_write(op) ? sql::Rows::kNone : sql::Rows::kBuffered);
      if (!prepared) return std::unexpected(std::move(prepared.error()));
      slot = std::move(*prepared);
    }
    return slot.get();
  }

  Result<Digest> digest(const Statement& s, int column, std::string_view what) const {
    auto d = Digest::from_bytes(s.column_blob(column));
    if (!d) {
      return fail(ErrorCode::kInternal,
                  fmt::format("{}: a stored {} is not 32 bytes (the store is damaged)", prefix(), what));
    }
    return *d;
  }

  Result<CheckpointRow> read_checkpoint(const Statement& s) const {
    CheckpointRow row;
    row.tree_size = u64(s.column_int64(0));
    auto root = digest(s, 1, "checkpoint root hash");
    if (!root) return std::unexpected(std::move(root.error()));
    row.root_hash = *root;
    row.time_unix = s.column_int64(2);
    const auto envelope = s.column_blob(3);
    row.envelope.assign(envelope.begin(), envelope.end());
    return row;
  }

  Result<std::optional<CheckpointRow>> one_checkpoint(Op op, std::optional<std::uint64_t> size) {
    auto s = statement(op);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    if (size) (*s)->bind_int64(1, i64(*size));
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return std::optional<CheckpointRow>();
    auto checkpoint = read_checkpoint(**s);
    if (!checkpoint) return std::unexpected(std::move(checkpoint.error()));
    return std::optional<CheckpointRow>(std::move(*checkpoint));
  }

  // The id of the entry's firmware set, made the first time it is seen.
  Result<std::int64_t> firmware_set(const LogEntry& entry);

  // The entry in kEntryColumns, and its manifest from `manifest_column` when there is one.
  Result<void> read_entry(const Statement& s, LogEntry& e, std::optional<int> manifest_column) const;

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
  std::optional<UnitSightings> prefetched(std::string_view serial, std::string_view hardware_id) const;
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
  s.bind_text(3, entry.station_id);
  s.bind_int64(4, i64(entry.station_sequence));
  s.bind_blob(5, entry.record_hash.bytes());
  s.bind_text(6, entry.serial);
  s.bind_text(7, entry.hardware_id);
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

Result<void> SqlEvidenceStore::prefetch_sightings(
    const std::vector<std::pair<std::string_view, std::string_view>>& units) {
  serial_rows_.clear();
  hardware_rows_.clear();
  std::vector<std::string_view> serials;
  std::vector<std::string_view> hardware_ids;
  for (const auto& [serial, hardware_id] : units) {
    if (!serial.empty() && serial_rows_.try_emplace(std::string(serial)).second) serials.push_back(serial);
    if (!hardware_id.empty() && hardware_rows_.try_emplace(std::string(hardware_id)).second) {
      hardware_ids.push_back(hardware_id);
    }
  }
  if (!prefetch_ && !(serials.empty() && hardware_ids.empty())) {
    auto prepared = db_->prepare(prefetch_sql(), sql::Rows::kBuffered);
    if (!prepared) return std::unexpected(std::move(prepared.error()));
    prefetch_ = std::move(*prepared);
  }
  const auto width = static_cast<std::size_t>(kPrefetchWidth);
  for (std::size_t at = 0; at < std::max(serials.size(), hardware_ids.size()); at += width) {
    Statement& s = *prefetch_;
    ResetOnExit reset(s);
    for (std::size_t i = 0; i < width; ++i) {
      s.bind_text(static_cast<int>(i + 1), at + i < serials.size() ? serials[at + i] : "");
      s.bind_text(static_cast<int>(width + i + 1), at + i < hardware_ids.size() ? hardware_ids[at + i] : "");
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

std::optional<UnitSightings> SqlEvidenceStore::prefetched(std::string_view serial,
                                                          std::string_view hardware_id) const {
  const auto by_serial = serial_rows_.find(serial);
  const auto by_hardware = hardware_rows_.find(hardware_id);
  if ((!serial.empty() && by_serial == serial_rows_.end()) ||
      (!hardware_id.empty() && by_hardware == hardware_rows_.end())) {
    return std::nullopt;
  }
  // The rules of kUnitSightings, over the rows it would return.
  UnitSightings out;
  if (!serial.empty()) {
    for (const Sighting& row : by_serial->second) seen(out.hardware_ids_of_serial, row.value, row.index);
  }
  if (!hardware_id.empty()) {
    for (const Sighting& row : by_hardware->second) {
      if (!row.value.empty()) seen(out.serials_of_hardware_id, row.value, row.index);
      if (row.event == kScrapEvent) out.scrap = std::min(out.scrap.value_or(row.index), row.index);
    }
  }
  by_first_sighting(out.hardware_ids_of_serial);
  by_first_sighting(out.serials_of_hardware_id);
  return out;
}

void SqlEvidenceStore::saw(const LogEntry& entry) {
  if (!is_binding_event(entry.event) || entry.hardware_id.empty()) return;
  if (!entry.serial.empty()) {
    if (auto it = serial_rows_.find(entry.serial); it != serial_rows_.end()) {
      it->second.push_back({entry.hardware_id, entry.event, entry.index});
    }
  }
  if (auto it = hardware_rows_.find(entry.hardware_id); it != hardware_rows_.end()) {
    it->second.push_back({entry.serial, entry.event, entry.index});
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

Result<std::optional<ReleaseRow>> SqlEvidenceStore::release(const Digest& bundle_digest) {
  auto s = statement(kRelease);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_blob(1, bundle_digest.bytes());
  auto row = (*s)->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::optional<ReleaseRow>();
  ReleaseRow r;
  r.bundle_digest = bundle_digest;
  r.sku = (*s)->column_text(1);
  r.version = (*s)->column_text(2);
  r.promoted_unix = (*s)->column_int64(3);
  r.not_before_unix = (*s)->column_int64(4);
  r.not_after_unix = (*s)->column_int64(5);
  const auto bundle = (*s)->column_blob(6);
  r.bundle.assign(bundle.begin(), bundle.end());
  const auto promoted = (*s)->column_blob(7);
  r.promoted.assign(promoted.begin(), promoted.end());
  return std::optional<ReleaseRow>(std::move(r));
}

Result<std::vector<FindingRow>> SqlEvidenceStore::findings_between(std::int64_t from_unix,
                                                                   std::int64_t to_unix) {
  auto s = statement(kFindingsBetween);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_int64(1, from_unix);
  (*s)->bind_int64(2, to_unix);
  std::vector<FindingRow> rows;
  for (;;) {
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return rows;
    FindingRow f;
    f.time_unix = (*s)->column_int64(0);
    f.event_unix = (*s)->column_int64(1);
    f.station_id = (*s)->column_text(2);
    f.kind = static_cast<int>((*s)->column_int64(3));
    if (!(*s)->is_null(4)) f.log_index = u64((*s)->column_int64(4));
    const auto bytes = (*s)->column_blob(5);
    f.finding.assign(bytes.begin(), bytes.end());
    rows.push_back(std::move(f));
  }
}

Result<void> SqlEvidenceStore::query(const EntryQuery& q,
                                     const std::function<Result<void>(const LogEntry&)>& visit) {
  // The matching log indexes are found first (k) and the rows read in their order, so a
  // large answer (every unit of a firmware) is never sorted with its manifests: SQLite
  // walks the list of indexes in order, with no temporary B-tree of whole rows.
  // The scrap of the row's hardware id rides along (entries_hardware_id makes it one seek).
  std::string sql = fmt::format(
      "SELECT {}, (SELECT MIN(s.idx) FROM entries s WHERE s.hardware_id = e.hardware_id AND "
      "e.hardware_id <> '' AND s.event = {}){} FROM {}{} WHERE e.idx IN (SELECT k.idx FROM "
      "entries k WHERE 1 = 1",
      kEntryColumns, kScrapEvent, q.manifests ? kManifestColumn : "", kEntryFrom,
      q.manifests ? kManifestJoin : "");
  if (q.serial) sql += " AND k.serial = ?";
  if (q.hardware_id) sql += " AND k.hardware_id = ?";
  if (q.station_id) sql += " AND k.station_id = ?";
  if (q.firmware) {
    sql += " AND k.firmware_set IN (SELECT d.set_id FROM firmware_set_digests d WHERE d.digest = ?)";
  }
  if (q.from_unix) sql += " AND k.event_unix >= ?";
  if (q.to_unix) sql += " AND k.event_unix < ?";
  // Events, results and kinds are small integers from enums: written into the text.
  auto in_list = [](const auto& values) {
    std::string list;
    for (int v : values) list += (list.empty() ? "" : ", ") + std::to_string(v);
    return list;
  };
  if (!q.events.empty()) sql += fmt::format(" AND k.event IN ({})", in_list(q.events));
  if (q.result) sql += fmt::format(" AND k.result = {}", *q.result);
  if (q.finding_kind) {
    sql += fmt::format(" AND k.idx IN (SELECT g.log_index FROM findings g WHERE g.kind = {} AND "
                       "g.log_index IS NOT NULL)", *q.finding_kind);
  }
  if (q.exceptions) {
    sql += fmt::format(" AND (k.result = {} OR k.event IN ({}) OR k.finding_count > 0)",
                       kFailResult, in_list(kExceptionEvents));
  }
  sql += ") ORDER BY e.idx";

  auto s = db_->prepare(sql, sql::Rows::kStreamed);
  if (!s) return std::unexpected(std::move(s.error()));
  Statement& st = **s;
  int param = 0;
  if (q.serial) st.bind_text(++param, *q.serial);
  if (q.hardware_id) st.bind_text(++param, *q.hardware_id);
  if (q.station_id) st.bind_text(++param, *q.station_id);
  if (q.firmware) {
    st.bind_blob(++param, q.firmware->bytes());
  }
  if (q.from_unix) st.bind_int64(++param, *q.from_unix);
  if (q.to_unix) st.bind_int64(++param, *q.to_unix);
  ResetOnExit reset(st);
  LogEntry entry;
  for (;;) {
    auto row = st.step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
    if (auto ok = read_entry(st, entry, q.manifests ? std::optional(kEntryColumnCount + 1)
                                                    : std::nullopt);
        !ok) {
      return ok;
    }
    entry.scrapped_at.reset();
    if (!st.is_null(kEntryColumnCount)) entry.scrapped_at = u64(st.column_int64(kEntryColumnCount));
    if (auto ok = visit(entry); !ok) return ok;
  }
}

Result<void> SqlEvidenceStore::read_entry(const Statement& s, LogEntry& e,
                                          std::optional<int> manifest_column) const {
  e.index = u64(s.column_int64(0));
  auto leaf = digest(s, 1, "leaf hash");
  if (!leaf) return std::unexpected(std::move(leaf.error()));
  e.leaf_hash = *leaf;
  e.station_id = s.column_text(2);
  e.station_sequence = u64(s.column_int64(3));
  auto record = digest(s, 4, "record hash");
  if (!record) return std::unexpected(std::move(record.error()));
  e.record_hash = *record;
  e.serial = s.column_text(5);
  e.hardware_id = s.column_text(6);
  const auto bundle = s.column_blob(7);
  e.bundle_digest.assign(bundle.begin(), bundle.end());
  e.event = static_cast<int>(s.column_int64(8));
  e.result = static_cast<int>(s.column_int64(9));
  e.event_unix = s.column_int64(10);
  e.countersigned_unix = s.column_int64(11);
  e.clock_synced = s.column_int64(12) != 0;
  const auto firmware = s.column_blob(13);
  if (firmware.size() % Digest::kSize != 0) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: entry {} has a damaged firmware list", prefix(), e.index));
  }
  e.firmware.clear();
  for (std::size_t at = 0; at < firmware.size(); at += Digest::kSize) {
    Digest::Array bytes{};
    std::copy_n(firmware.begin() + static_cast<std::ptrdiff_t>(at), Digest::kSize, bytes.begin());
    e.firmware.emplace_back(bytes);
  }
  e.finding_count = static_cast<std::uint32_t>(s.column_int64(14));
  e.operator_name = s.column_text(15);
  e.supervisor_name = s.column_text(16);
  e.why = s.column_text(17);
  if (!read_kinds(s.column_text(18), e.finding_kinds)) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: entry {} has a damaged list of finding kinds", prefix(), e.index));
  }
  e.manifest.clear();
  if (manifest_column) {
    const auto manifest = s.column_blob(*manifest_column);
    e.manifest.assign(manifest.begin(), manifest.end());
  }
  return {};
}

}  // namespace

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
      std::make_unique<SqlEvidenceStore>(std::move(*db), std::move(target->display)));
}

}  // namespace hallmark::evidence
