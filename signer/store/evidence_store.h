// EvidenceStore: the signer's evidence log and traceability store (docs/design.md §5), one
// interface with two backends: SQLite (default; one file) and PostgreSQL (fleet-scale,
// many factories). Both run the same SQL through a small connection layer
// (sql_connection.h), so the same question gets the same answer from either.
//
// What it holds: the log entries (ProvisioningManifest bytes = the Merkle leaves, with the
// columns queries need), the complete Merkle nodes (merkle.h), the signed checkpoints, each
// station's head (last countersigned journal record), the releases the signer promoted,
// the station-software releases countersign was shown, and findings. It never holds key
// material.
//
// Writes happen only inside begin()..commit(); rollback() (or destroying the store without
// commit) leaves it exactly as it was, so a countersign that fails halfway changes
// nothing. Every error names the store ("evidence store <location>: ..."). One store object
// per thread; several processes may share a SQLite file or a PostgreSQL database
// (a SQLite reader waits while a batch commits).
//
// Serials, hardware ids and station ids are typed (verifier/core/ids.h) throughout: a
// serial cannot be passed where a hardware id is expected. The caller makes them where the
// text enters (a verified export's attestation, a command's flag).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/sha256.h"

namespace hallmark::evidence {

using verifier::Digest;

// One log entry: the leaf and the columns it is found by.
struct LogEntry {
  std::uint64_t index = 0;          // position in the log, from 0
  Digest leaf_hash;                 // merkle::leaf_hash(manifest)
  Bytes manifest;                   // ProvisioningManifest bytes (exact); empty when read by
                                    // a query that asked for none (EntryQuery::manifests)
  StationId station_id;
  std::uint64_t station_sequence = 0;
  Digest record_hash;               // SHA-256 of the station's journal record
  Serial serial;                    // empty for events without a unit (login, ...)
  HardwareId hardware_id;           // empty likewise
  Bytes bundle_digest;              // empty when the event names no bundle
  int event = 0;                    // v1::Attestation::Event
  int result = 0;                   // v1::Attestation::Result
  std::int64_t event_unix = 0;      // the station's time
  std::int64_t countersigned_unix = 0;
  bool clock_synced = false;
  std::vector<Digest> firmware;     // image and measured digests the unit received
  std::uint32_t finding_count = 0;
  // Who and why, as the manifest's attestation says (evidence::answer_of), and the kinds of
  // the manifest's findings (v1::Finding::Kind, in its order): a listing needs no manifest.
  std::string operator_name;
  std::string supervisor_name;      // BREAK_GLASS only
  std::string why;
  std::vector<int> finding_kinds;
  // query() only: the log index of this hardware id's SCRAP event, if it was ever scrapped
  // (a unit that received a firmware and was scrapped later is listed with its scrap).
  std::optional<std::uint64_t> scrapped_at;
};

// A finding as stored (the v1::Finding bytes and the columns reports group by).
struct FindingRow {
  std::int64_t time_unix = 0;       // countersign time
  std::int64_t event_unix = 0;      // the event's time (0 when no event)
  StationId station_id;
  int kind = 0;                     // v1::Finding::Kind
  std::optional<std::uint64_t> log_index;  // the entry it travels in, if any
  Bytes finding;                    // v1::Finding bytes
};

struct CheckpointRow {
  std::uint64_t tree_size = 0;
  Digest root_hash;
  std::int64_t time_unix = 0;
  Bytes envelope;                   // DSSE JSON of the LogCheckpoint
};

// The last journal record of a station that is in the log.
struct StationHead {
  std::uint64_t sequence = 0;
  Digest record_hash;
  std::int64_t last_event_unix = 0;
  Bytes device_tool;                // v1::DeviceTool of its last unit event that named one
};

// A release the signer promoted (from a verified promoted bundle).
struct ReleaseRow {
  Digest bundle_digest;
  std::string sku;
  std::string version;
  std::int64_t promoted_unix = 0;
  std::int64_t not_before_unix = 0;  // the approvals' common validity window
  std::int64_t not_after_unix = 0;
  Bytes bundle;                      // v1::Bundle and v1::PromotedRelease as verified: what
  Bytes promoted;                    // a unit programmed with it must show (unit_claims.h)
};

// A promoted station-software release as recorded (signer/evidence/station_software.h):
// what it was verified from, so that it is verified again whenever it is read.
struct StationSoftwareRow {
  Digest bundle_digest;             // SHA-256 of `bundle`
  std::string version;
  std::int64_t promoted_unix = 0;   // in force from (the release's promotion time)
  std::int64_t recorded_unix = 0;   // when the signer first recorded it
  Bytes bundle;                     // hallmark/bundle.pb exactly (lists the programs' digests)
  // The promotion/ entries (release.json, approval-K.json, trust-root-vN.json), by name.
  std::vector<std::pair<std::string, Bytes>> promotion;
};

// The registration a station's entries from `from_index` on were countersigned under.
struct RegistrationRow {
  std::uint64_t from_index = 0;
  std::string envelope;             // DSSE JSON of the StationRegistration
};

// Which entries: every set field must match (AND); none set = every entry.
struct EntryQuery {
  std::optional<Serial> serial;
  std::optional<HardwareId> hardware_id;
  std::optional<StationId> station_id;
  std::optional<Digest> firmware;       // the bundle digest or any image/measured digest
  std::optional<std::int64_t> from_unix;  // event time, inclusive
  std::optional<std::int64_t> to_unix;    // event time, exclusive
  std::vector<int> events;                // v1::Attestation::Event: any of these
  std::optional<int> result;              // v1::Attestation::Result
  std::optional<int> finding_kind;        // entries carrying a finding of this v1::Finding::Kind
  // Only exceptions: a FAIL, a rework, scrap, line stop, break-glass, take-over or returned
  // unit, or any entry carrying a finding (kExceptionEvents below is the list of events).
  bool exceptions = false;
  // false: LogEntry::manifest is left empty (a listing of columns reads no manifest).
  bool manifests = true;
};

// The events that are exceptions in themselves (EntryQuery::exceptions, the report).
inline constexpr int kExceptionEvents[] = {2 /*REWORK*/, 3 /*SCRAP*/, 4 /*LINE_STOP*/,
                                           5 /*BREAK_GLASS*/, 8 /*TAKE_OVER*/,
                                           13 /*RMA_RECEIVED*/};
inline constexpr int kFailResult = 2;  // v1::Attestation::FAIL

// A row per (value, first log entry that had it), for clone checks: `Id` is the kind of
// the value (the other id of the pair looked up).
template <class Id>
struct SeenWith {
  Id value;
  std::uint64_t log_index = 0;
};

// Each list in order of first log entry.
struct UnitSightings {
  std::vector<SeenWith<HardwareId>> hardware_ids_of_serial;
  std::vector<SeenWith<Serial>> serials_of_hardware_id;
  std::optional<std::uint64_t> scrap;  // the log index of the hardware id's SCRAP event
};

class EvidenceStore {
 public:
  virtual ~EvidenceStore() = default;

  // "sqlite:/path/evidence.db" or "postgresql://..." (libpq URI) or "postgres:CONNINFO",
  // with any password replaced by "***" (so it is safe to print).
  [[nodiscard]] virtual std::string location() const = 0;

  // Transactions: writes are refused (kUsage) outside one.
  [[nodiscard]] virtual Result<void> begin() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  virtual void rollback() noexcept = 0;
  // One savepoint inside the transaction: rollback_to_savepoint() undoes every write made
  // after it (one export refused halfway through a batch) and ends it, as
  // release_savepoint() does while keeping the writes.
  [[nodiscard]] virtual Result<void> savepoint() = 0;
  [[nodiscard]] virtual Result<void> rollback_to_savepoint() = 0;
  [[nodiscard]] virtual Result<void> release_savepoint() = 0;

  // --- the log ---
  [[nodiscard]] virtual Result<std::uint64_t> tree_size() = 0;
  [[nodiscard]] virtual Result<void> append_entry(const LogEntry& entry) = 0;  // index == tree_size
  [[nodiscard]] virtual Result<void> put_node(unsigned level, std::uint64_t index,
                                              const Digest& hash) = 0;
  // kInternal naming the node when it is missing (a store that lost data).
  [[nodiscard]] virtual Result<Digest> node(unsigned level, std::uint64_t index) = 0;
  [[nodiscard]] virtual Result<void> add_checkpoint(const CheckpointRow& checkpoint) = 0;
  [[nodiscard]] virtual Result<std::optional<CheckpointRow>> latest_checkpoint() = 0;
  [[nodiscard]] virtual Result<std::optional<CheckpointRow>> checkpoint_at(std::uint64_t tree_size) = 0;
  // The first checkpoint whose tree holds entry `index`: the one of the batch that
  // countersigned it (its manifest file's proof is against it).
  [[nodiscard]] virtual Result<std::optional<CheckpointRow>> checkpoint_covering(std::uint64_t index) = 0;
  // Checkpoints with from_unix <= time_unix < to_unix, oldest first.
  [[nodiscard]] virtual Result<std::vector<CheckpointRow>> checkpoints_between(
      std::int64_t from_unix, std::int64_t to_unix) = 0;
  // Entries first..last-1 in order, streamed (the callback may stop early by returning an error).
  [[nodiscard]] virtual Result<void> for_each_entry(
      std::uint64_t first, std::uint64_t last,
      const std::function<Result<void>(const LogEntry&)>& visit) = 0;

  // --- stations ---
  [[nodiscard]] virtual Result<std::optional<StationHead>> station_head(const StationId& station_id) = 0;
  [[nodiscard]] virtual Result<void> set_station_head(const StationId& station_id,
                                                      const StationHead& head) = 0;
  // The record hash and log index of a station's journal record already in the log.
  [[nodiscard]] virtual Result<std::optional<std::pair<Digest, std::uint64_t>>> station_record(
      const StationId& station_id, std::uint64_t sequence) = 0;

  // The registration in force from `from_index` on (recorded when it changes; idempotent).
  [[nodiscard]] virtual Result<void> put_station_registration(const StationId& station_id,
                                                              const RegistrationRow& row) = 0;
  // Every registration recorded for the station, by from_index.
  [[nodiscard]] virtual Result<std::vector<RegistrationRow>> station_registrations(
      const StationId& station_id) = 0;

  // --- clones and scraps (unit events only: program, rework, scrap, take-over) ---
  // What the log holds about a unit, in one lookup: the hardware ids `serial` was
  // countersigned with, the serials `hardware_id` was countersigned as, and its scrap.
  // An empty serial or hardware id matches nothing.
  [[nodiscard]] virtual Result<UnitSightings> unit_sightings(const Serial& serial,
                                                             const HardwareId& hardware_id) = 0;
  // Looks up the sightings of every (serial, hardware id) of a chunk of events at once (a
  // query per 128 units, not one each: a round trip to PostgreSQL); unit_sightings() then
  // answers them without the database, counting the entries appended since, until the next
  // prefetch or the end of the transaction or savepoint. Forgets the previous chunk's.
  [[nodiscard]] virtual Result<void> prefetch_sightings(
      const std::vector<std::pair<Serial, HardwareId>>& units) = 0;

  // --- releases ---
  [[nodiscard]] virtual Result<void> put_release(const ReleaseRow& release) = 0;  // idempotent
  [[nodiscard]] virtual Result<std::optional<ReleaseRow>> release(const Digest& bundle_digest) = 0;

  // --- station-software releases (rows verified by the caller before and after) ---
  // Records a release; one already held (same bundle digest) is kept as first recorded and
  // false is returned. A write: inside a transaction.
  [[nodiscard]] virtual Result<bool> put_station_software(const StationSoftwareRow& row) = 0;
  // Every recorded release with its promotion entries, by promotion time.
  [[nodiscard]] virtual Result<std::vector<StationSoftwareRow>> station_software_releases() = 0;

  // --- findings ---
  [[nodiscard]] virtual Result<void> add_finding(const FindingRow& finding) = 0;
  // Findings with from_unix <= time_unix < to_unix, in insertion order.
  [[nodiscard]] virtual Result<std::vector<FindingRow>> findings_between(std::int64_t from_unix,
                                                                         std::int64_t to_unix) = 0;

  // --- traceability ---
  // Matching entries in log order (manifest bytes included), streamed.
  [[nodiscard]] virtual Result<void> query(const EntryQuery& query,
                                           const std::function<Result<void>(const LogEntry&)>& visit) = 0;
};

// Opens (creating the schema when absent) the store at `location`: a plain path or
// "sqlite:PATH" for SQLite, "postgresql://..." or "postgres:CONNINFO" for PostgreSQL.
// kIo naming the location when it cannot be opened; kUsage for an unknown scheme.
[[nodiscard]] Result<std::unique_ptr<EvidenceStore>> open_store(std::string_view location);

}  // namespace hallmark::evidence
