// The evidence store's reads (the class: sql_evidence_store.h): a unit's sightings for the
// clone checks, listings and histories (EntryQuery: the matching log indexes first, then the
// rows in their order), every entry of a range, checkpoints, station heads and registrations,
// releases and findings.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "signer/store/sql_evidence_store.h"
#include "signer/store/store_schema.h"

namespace hallmark::evidence::detail {
namespace {

// `value` (a stored id of kind Id) first seen at `index`: a new row, or an earlier first
// sighting.
template <class Id>
void seen(std::vector<SeenWith<Id>>& rows, std::string_view value, std::uint64_t index) {
  for (SeenWith<Id>& row : rows) {
    if (row.value.str() != value) continue;
    row.log_index = std::min(row.log_index, index);
    return;
  }
  rows.push_back(SeenWith<Id>{Id(value), index});
}

template <class Id>
void by_first_sighting(std::vector<SeenWith<Id>>& rows) {
  std::sort(rows.begin(), rows.end(), [](const SeenWith<Id>& a, const SeenWith<Id>& b) {
    return a.log_index < b.log_index;
  });
}

}  // namespace

using sql::ResetOnExit;
using namespace statements;  // NOLINT(google-build-using-namespace): the store's own SQL

Result<std::vector<CheckpointRow>> SqlEvidenceStore::checkpoints_between(std::int64_t from_unix,
                                                                         std::int64_t to_unix) {
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

Result<void> SqlEvidenceStore::for_each_entry(
    std::uint64_t first, std::uint64_t last,
    const std::function<Result<void>(const LogEntry&)>& visit) {
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

Result<std::optional<StationHead>> SqlEvidenceStore::station_head(const StationId& station_id) {
  auto s = statement(kStationHead);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, station_id.str());
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

Result<std::vector<RegistrationRow>> SqlEvidenceStore::station_registrations(
    const StationId& station_id) {
  auto s = statement(kRegistrations);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, station_id.str());
  std::vector<RegistrationRow> rows;
  for (;;) {
    auto row = (*s)->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return rows;
    const auto envelope = (*s)->column_blob(1);
    rows.push_back({u64((*s)->column_int64(0)), std::string(as_chars(envelope))});
  }
}

Result<std::optional<std::pair<Digest, std::uint64_t>>> SqlEvidenceStore::station_record(
    const StationId& station_id, std::uint64_t sequence) {
  using Found = std::optional<std::pair<Digest, std::uint64_t>>;
  auto s = statement(kStationRecord);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, station_id.str());
  (*s)->bind_int64(2, i64(sequence));
  auto row = (*s)->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return Found();
  auto hash = digest(**s, 0, "record hash");
  if (!hash) return std::unexpected(std::move(hash.error()));
  return Found(std::pair{*hash, u64((*s)->column_int64(1))});
}

Result<UnitSightings> SqlEvidenceStore::unit_sightings(const Serial& serial,
                                                       const HardwareId& hardware_id) {
  if (auto known = prefetched(serial, hardware_id)) return std::move(*known);
  auto s = statement(kUnitSightings);
  if (!s) return std::unexpected(std::move(s.error()));
  ResetOnExit reset(**s);
  (*s)->bind_text(1, serial.str());
  (*s)->bind_text(2, hardware_id.str());
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

Result<CheckpointRow> SqlEvidenceStore::read_checkpoint(const Statement& s) const {
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

Result<std::optional<CheckpointRow>> SqlEvidenceStore::one_checkpoint(
    Op op, std::optional<std::uint64_t> size) {
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

std::optional<UnitSightings> SqlEvidenceStore::prefetched(const Serial& serial,
                                                          const HardwareId& hardware_id) const {
  const auto by_serial = serial_rows_.find(serial.str());
  const auto by_hardware = hardware_rows_.find(hardware_id.str());
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

Result<std::vector<StationSoftwareRow>> SqlEvidenceStore::station_software_releases() {
  std::vector<StationSoftwareRow> rows;
  {
    auto s = statement(kStationSoftwareReleases);
    if (!s) return std::unexpected(std::move(s.error()));
    ResetOnExit reset(**s);
    for (;;) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) break;
      StationSoftwareRow r;
      auto d = digest(**s, 0, "station_software_releases.bundle_digest");
      if (!d) return std::unexpected(std::move(d.error()));
      r.bundle_digest = *d;
      r.version = (*s)->column_text(1);
      r.promoted_unix = (*s)->column_int64(2);
      r.recorded_unix = (*s)->column_int64(3);
      const auto bundle = (*s)->column_blob(4);
      r.bundle.assign(bundle.begin(), bundle.end());
      rows.push_back(std::move(r));
    }
  }
  auto e = statement(kStationSoftwarePromotion);
  if (!e) return std::unexpected(std::move(e.error()));
  for (StationSoftwareRow& r : rows) {
    ResetOnExit reset(**e);
    (*e)->bind_blob(1, r.bundle_digest.bytes());
    for (;;) {
      auto row = (*e)->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) break;
      const auto document = (*e)->column_blob(1);
      r.promotion.emplace_back(std::string((*e)->column_text(0)),
                               Bytes(document.begin(), document.end()));
    }
  }
  return rows;
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
    f.station_id = StationId((*s)->column_text(2));
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
  if (q.serial) st.bind_text(++param, q.serial->str());
  if (q.hardware_id) st.bind_text(++param, q.hardware_id->str());
  if (q.station_id) st.bind_text(++param, q.station_id->str());
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
  e.station_id = StationId(s.column_text(2));
  e.station_sequence = u64(s.column_int64(3));
  auto record = digest(s, 4, "record hash");
  if (!record) return std::unexpected(std::move(record.error()));
  e.record_hash = *record;
  e.serial = Serial(s.column_text(5));
  e.hardware_id = HardwareId(s.column_text(6));
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

}  // namespace hallmark::evidence::detail
