#include "signer/store/store_schema.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace hallmark::evidence {
namespace {

// Written once; {INT}, {BLOB}, {ID} and {NOROWID} become each dialect's types, {SCRAP}
// the SCRAP event's number.
// An entry names its firmware set: the bundle digest and the image and measured digests
// (firmware packs them, 32 bytes each, in order), stored once for all the units that
// received the same; firmware_set_digests indexes each digest of a set (the bundle's too)
// for "which units run firmware X". entries_scraps holds only SCRAP events (few): a
// query's rows each ask whether their hardware id was scrapped, and a million rows must not
// be a million seeks into the large hardware id index.
// The manifest bytes (the leaf, ~1.8 KB) live in a table of their own: a listing of a
// million units reads the narrow entry rows (who, why and the findings' kinds are columns
// of them) and never pages through the manifests; a unit's history or a proof reads one.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE firmware_sets (
  id {ID},
  bundle_digest {BLOB} NOT NULL,
  firmware {BLOB} NOT NULL,
  UNIQUE (bundle_digest, firmware)
);
CREATE TABLE entries (
  idx {INT} PRIMARY KEY,
  leaf_hash {BLOB} NOT NULL,
  station_id TEXT NOT NULL,
  station_sequence {INT} NOT NULL,
  record_hash {BLOB} NOT NULL,
  serial TEXT NOT NULL,
  hardware_id TEXT NOT NULL,
  firmware_set {INT} NOT NULL REFERENCES firmware_sets (id),
  event {INT} NOT NULL,
  result {INT} NOT NULL,
  event_unix {INT} NOT NULL,
  countersigned_unix {INT} NOT NULL,
  clock_synced {INT} NOT NULL,
  finding_count {INT} NOT NULL,
  operator_name TEXT NOT NULL,
  supervisor_name TEXT NOT NULL,
  why TEXT NOT NULL,
  finding_kinds TEXT NOT NULL
);
CREATE TABLE manifests (
  idx {INT} PRIMARY KEY,
  manifest {BLOB} NOT NULL
);
CREATE UNIQUE INDEX entries_station_sequence ON entries (station_id, station_sequence);
CREATE INDEX entries_serial ON entries (serial, idx);
CREATE INDEX entries_hardware_id ON entries (hardware_id, idx);
CREATE INDEX entries_event_time ON entries (event_unix, idx);
CREATE INDEX entries_firmware_set ON entries (firmware_set, idx);
CREATE INDEX entries_scraps ON entries (hardware_id, idx) WHERE event = {SCRAP};
CREATE TABLE firmware_set_digests (
  digest {BLOB} NOT NULL,
  set_id {INT} NOT NULL REFERENCES firmware_sets (id),
  PRIMARY KEY (digest, set_id)
){NOROWID};
CREATE TABLE nodes (
  level {INT} NOT NULL,
  idx {INT} NOT NULL,
  hash {BLOB} NOT NULL,
  PRIMARY KEY (level, idx)
){NOROWID};
CREATE TABLE checkpoints (
  id {ID},
  tree_size {INT} NOT NULL,
  root_hash {BLOB} NOT NULL,
  time_unix {INT} NOT NULL,
  envelope {BLOB} NOT NULL
);
CREATE INDEX checkpoints_tree_size ON checkpoints (tree_size, id);
CREATE INDEX checkpoints_time ON checkpoints (time_unix, id);
CREATE TABLE station_heads (
  station_id TEXT PRIMARY KEY,
  sequence {INT} NOT NULL,
  record_hash {BLOB} NOT NULL,
  last_event_unix {INT} NOT NULL,
  device_tool {BLOB} NOT NULL
);
CREATE TABLE station_registrations (
  station_id TEXT NOT NULL,
  from_index {INT} NOT NULL,
  envelope {BLOB} NOT NULL,
  PRIMARY KEY (station_id, from_index)
){NOROWID};
CREATE TABLE releases (
  bundle_digest {BLOB} PRIMARY KEY,
  sku TEXT NOT NULL,
  version TEXT NOT NULL,
  promoted_unix {INT} NOT NULL,
  not_before_unix {INT} NOT NULL,
  not_after_unix {INT} NOT NULL,
  bundle {BLOB} NOT NULL,
  promoted {BLOB} NOT NULL
);
CREATE TABLE findings (
  id {ID},
  time_unix {INT} NOT NULL,
  event_unix {INT} NOT NULL,
  station_id TEXT NOT NULL,
  kind {INT} NOT NULL,
  log_index {INT},
  finding {BLOB} NOT NULL
);
CREATE INDEX findings_time ON findings (time_unix, id);
)sql";

// Schema 6: the promoted station-software releases, each with the exact Bundle bytes and
// the promotion entries (release, approvals, trust-root chain) it is verified from again at
// every countersign: a row is evidence of what was shown, never trusted by itself.
constexpr std::string_view kStationSoftwareSchema = R"sql(
CREATE TABLE station_software_releases (
  bundle_digest {BLOB} PRIMARY KEY,
  version TEXT NOT NULL,
  promoted_unix {INT} NOT NULL,
  recorded_unix {INT} NOT NULL,
  bundle {BLOB} NOT NULL
);
CREATE TABLE station_software_promotion (
  bundle_digest {BLOB} NOT NULL REFERENCES station_software_releases (bundle_digest),
  name TEXT NOT NULL,
  document {BLOB} NOT NULL,
  PRIMARY KEY (bundle_digest, name)
){NOROWID};
)sql";

// The schema version before the tables above: a store of it gains them (and becomes 6).
constexpr std::int64_t kMigratesFrom = 5;

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string schema_for(sql::Dialect dialect, std::string_view schema) {
  std::string text(schema);
  const bool sqlite = dialect == sql::Dialect::kSqlite;
  // SQLite: INTEGER PRIMARY KEY is the rowid (the cheapest key there is).
  replace_all(text, "{ID}", sqlite ? "INTEGER PRIMARY KEY" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  replace_all(text, "{INT}", sqlite ? "INTEGER" : "BIGINT");
  replace_all(text, "{BLOB}", sqlite ? "BLOB" : "BYTEA");
  replace_all(text, "{NOROWID}", sqlite ? " WITHOUT ROWID" : "");
  replace_all(text, "{SCRAP}", std::to_string(kScrapEvent));
  return text;
}

Result<void> check_or_create(sql::Connection& db) {
  const char* int_type = db.dialect() == sql::Dialect::kSqlite ? "INTEGER" : "BIGINT";
  if (auto ok = db.exec(fmt::format(
          "CREATE TABLE IF NOT EXISTS hallmark_schema (version {} NOT NULL)", int_type));
      !ok) {
    return ok;
  }
  auto select = db.prepare("SELECT MAX(version) FROM hallmark_schema");
  if (!select) return std::unexpected(std::move(select.error()));
  auto& statement = **select;
  auto row = statement.step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (*row && !statement.is_null(0)) {
    const auto version = statement.column_int64(0);
    statement.reset();
    if (version > kSchemaVersion) {
      return fail(ErrorCode::kIo,
                  fmt::format("{}: schema version {} is newer than this program understands "
                              "(version {}); use a newer Hallmark",
                              db.display_name(), version, kSchemaVersion));
    }
    if (version == kMigratesFrom) {  // inside ensure_schema's transaction: all or nothing
      if (auto ok = db.exec(schema_for(db.dialect(), kStationSoftwareSchema)); !ok) return ok;
      return db.exec(fmt::format("UPDATE hallmark_schema SET version = {}", kSchemaVersion));
    }
    if (version < kSchemaVersion) {
      return fail(ErrorCode::kIo, fmt::format(
          "{}: schema version {} was written by a pre-release Hallmark (this program reads "
          "version {} and does not migrate it); countersign the station exports into a new "
          "store", db.display_name(), version, kSchemaVersion));
    }
    return {};
  }
  statement.reset();
  if (auto ok = db.exec(schema_for(db.dialect(), kSchema)); !ok) return ok;
  if (auto ok = db.exec(schema_for(db.dialect(), kStationSoftwareSchema)); !ok) return ok;
  return db.exec(fmt::format("INSERT INTO hallmark_schema (version) VALUES ({})", kSchemaVersion));
}

}  // namespace

Result<void> ensure_schema(sql::Connection& db) {
  if (auto ok = db.begin(); !ok) return ok;
  if (auto ok = check_or_create(db); !ok) {
    db.rollback();
    return ok;
  }
  return db.commit();
}

}  // namespace hallmark::evidence
