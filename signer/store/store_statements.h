// The evidence store's SQL, one text for SQLite and PostgreSQL ("?" placeholders; the
// PostgreSQL connection numbers them), and the few encodings its rows use. Only
// evidence_store.cpp and evidence_queries.cpp run these; the tests read the prefetch's text.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "signer/store/sql_connection.h"

namespace hallmark::evidence::statements {

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
  kStationSoftwareHeld,
  kPutStationSoftware,
  kPutStationSoftwareEntry,
  kStationSoftwareReleases,
  kStationSoftwarePromotion,
  kAddFinding,
  kFindingsBetween,
  kOpCount,
};

// read_entry's columns, in its order; the manifest, when asked for, follows them.
inline constexpr std::string_view kEntryColumns =
    "e.idx, e.leaf_hash, e.station_id, e.station_sequence, e.record_hash, e.serial, "
    "e.hardware_id, f.bundle_digest, e.event, e.result, e.event_unix, e.countersigned_unix, "
    "e.clock_synced, f.firmware, e.finding_count, e.operator_name, e.supervisor_name, e.why, "
    "e.finding_kinds";
inline constexpr int kEntryColumnCount = 19;
inline constexpr std::string_view kEntryFrom = "entries e JOIN firmware_sets f ON f.id = e.firmware_set";
inline constexpr std::string_view kManifestColumn = ", m.manifest";
inline constexpr std::string_view kManifestJoin = " JOIN manifests m ON m.idx = e.idx";

// The statements, by Op.
inline constexpr std::array<std::string_view, kOpCount> kSql{
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
    // A release recorded again (any countersign may show it) is kept once, as first shown.
    "SELECT 1 FROM station_software_releases WHERE bundle_digest = ?",
    "INSERT INTO station_software_releases (bundle_digest, version, promoted_unix, "
    "recorded_unix, bundle) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    "INSERT INTO station_software_promotion (bundle_digest, name, document) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING",
    "SELECT bundle_digest, version, promoted_unix, recorded_unix, bundle "
    "FROM station_software_releases ORDER BY promoted_unix, bundle_digest",
    "SELECT name, document FROM station_software_promotion WHERE bundle_digest = ? "
    "ORDER BY name",
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
    case kPutStationSoftware:
    case kPutStationSoftwareEntry:
    case kAddFinding: return true;
    default: return false;
  }
}


// The events that bind a serial to a hardware id (PROGRAM 1, REWORK 2, SCRAP 3, TAKE_OVER
// 8), the only ones unit_sightings() counts: a line stop records the mismatched label and
// board that the station refused, which binds nothing, and a returned unit (RMA_RECEIVED)
// is checked against the bindings (countersign's is_unit_event) without making one.
// {UNIT} in the SQL is this list.
inline constexpr std::array<int, 4> kBindingEvents{1, 2, 3, 8};
constexpr bool is_binding_event(int event) noexcept {
  return std::find(kBindingEvents.begin(), kBindingEvents.end(), event) != kBindingEvents.end();
}

// `sql` with {UNIT} replaced by the binding events.
std::string with_unit_events(std::string_view sql);

// Serials and hardware ids per prefetch query (each side; unused places are bound to NULL,
// which matches nothing).
inline constexpr int kPrefetchWidth = 128;

// The clone checks' lookup of many units at once: kPrefetchWidth serials (parameters
// 1..width) and as many hardware ids (the rest); each row is (0 or 1: found by serial or
// by hardware id, serial, hardware id, event, log index).
std::string sightings_prefetch_sql(sql::Dialect dialect);

// Finding kinds as stored: "3;7" (v1::Finding::Kind numbers, the manifest's order).
void write_kinds(const std::vector<int>& kinds, std::string& out);
[[nodiscard]] bool read_kinds(std::string_view text, std::vector<int>& out);

}  // namespace hallmark::evidence::statements
