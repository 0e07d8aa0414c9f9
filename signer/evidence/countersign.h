// Countersigning station exports into the evidence log (docs/design.md flow 7; docs/evidence.md).
//
// For each export (sorted by station and first record, so a station's exports may be given
// in any order): the station must not be revoked and must have a registration valid now
// (an expired one refuses that station's exports alone, REGISTRATION_INVALID); the export
// must continue that station's countersigned chain (a gap, a record that differs from the
// one already countersigned — a fork —, a broken chain or a bad checkpoint refuse the
// whole export with a finding, nothing of it is merged: each export is read once, its
// records appended behind a savepoint that a refusal rolls back); records already
// countersigned are skipped (re-importing changes nothing; an export with nothing new is
// reported as a replay). Then every new record's attestation is verified (in parallel); an
// attestation signed for another record than the one holding it (a copied record) refuses
// the export (RECORD_COPY); each becomes a ProvisioningManifest carrying the event's
// findings (event_findings.h; person statements re-verified against the rosters:
// person_findings.h), appended to the Merkle log with its nodes. The station's signed
// checkpoint time is compared with the signer's clock (CLOCK_OFFSET), and the registration
// the entries were countersigned under is kept with them (their manifest files can be
// written again from the store, manifest_files.h). At the end ONE evidence-key signature
// (sign_checkpoint, evidence_key.h: only the trust root's evidence key) covers the batch: a
// LogCheckpoint of the new tree size and root, stored with the log, and the whole batch is
// committed in one transaction. Any error (store, key, an attestation whose signature does
// not verify under a good checkpoint) rolls the batch back: the log and store are as they
// were. Memory stays flat as the batch grows: exports are streamed (export_reader.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/evidence.pb.h"
#include "signer/evidence/evidence_key.h"
#include "signer/evidence/station_software.h"
#include "signer/store/evidence_store.h"
#include "verifier/log/log_checkpoint.h"
#include "verifier/log/merkle.h"
#include "verifier/people/roster.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

inline constexpr std::string_view kLogOrigin = verifier::kLogOrigin;  // one definition

// A station the signer knows: its verified registration and the registration's JSON (it
// goes into every manifest file, so auditors need nothing else).
struct KnownStation {
  verifier::VerifiedStation verified;
  std::string registration_json;
};

// The stations the signer knows, by the id their registration names, and those whose
// registration is expired or revoked, with why.
using StationsById = std::map<StationId, KnownStation>;
using InvalidStations = std::map<StationId, std::string>;

inline constexpr std::int64_t kDefaultMaxClockOffsetSeconds = 300;
inline constexpr std::int64_t kDefaultMaxExportAgeSeconds = 7 * 24 * 3600;

struct CountersignInput {
  const verifier::TrustedRoot* root = nullptr;  // chain verified, revocations applied
  StationsById stations;                         // by station id
  people::RosterHistory rosters;                 // the person rosters the signer issued
  // Stations whose registration is expired or revoked, with why: their exports are
  // refused (REGISTRATION_INVALID); the other stations' are countersigned.
  InvalidStations invalid_stations;
  // An export's signed checkpoint time ahead of now_unix by more than this, or behind it
  // by more than max_export_age_seconds (a clock behind, or an export held back), is a
  // CLOCK_OFFSET finding.
  std::int64_t max_clock_offset_seconds = kDefaultMaxClockOffsetSeconds;
  std::int64_t max_export_age_seconds = kDefaultMaxExportAgeSeconds;
  std::vector<std::filesystem::path> exports;
  // The station-software releases the store holds in force
  // (StationSoftwareReleases::in_force on this store). Required: null is refused (kUsage),
  // so no front end compares station software with less than what the signer recorded.
  const StationSoftwareReleases* station_software = nullptr;
  std::int64_t now_unix = 0;
  unsigned threads = 2;
  std::function<void(std::string_view)> progress;  // optional: one line per step
};

struct ExportOutcome {
  enum class Status { kAccepted, kReplay, kRefused };
  std::filesystem::path file;
  StationId station_id;  // as the export's header names it (empty: it did not parse)
  Status status = Status::kAccepted;
  std::uint64_t first_new = 0;   // journal records countersigned now (first..last)
  std::uint64_t last_new = 0;
  std::uint64_t first_index = 0; // their log entries
  std::uint64_t entries = 0;
  std::uint64_t findings = 0;
  std::string refusal;           // kRefused: why, naming the file and record
  // kReplay: the log entries holding its records, [logged_first, logged_end) (they may
  // hold other stations' entries between them): its manifest files can be written again
  // (write_batch_manifests, manifest_files.h) after a run stopped before writing them.
  std::uint64_t logged_first = 0;
  std::uint64_t logged_end = 0;
};

struct CountersignResult {
  std::vector<ExportOutcome> exports;
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  std::optional<CheckpointRow> checkpoint;  // set when the log grew
  std::uint64_t signatures = 0;             // evidence-key signatures made (0 or 1)
  [[nodiscard]] bool any_refused() const;
};

[[nodiscard]] Result<CountersignResult> countersign(EvidenceStore& store,
                                                    const CountersignInput& input,
                                                    const EvidenceKey& key);

// The store's complete Merkle nodes as a NodeSource (merkle.h).
[[nodiscard]] verifier::merkle::NodeSource store_nodes(EvidenceStore& store);

// The ManifestFile of `entry` with its inclusion proof against `checkpoint` (nodes: give a
// merkle::NodeCache over store_nodes() when writing many consecutive entries).
[[nodiscard]] Result<v1::ManifestFile> manifest_file(const LogEntry& entry,
                                                     const CheckpointRow& checkpoint,
                                                     const std::string& registration_json,
                                                     const verifier::merkle::NodeSource& nodes);

}  // namespace hallmark::evidence
