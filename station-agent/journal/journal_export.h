// Exporting the station journal for the signer: the records since the last export, with a
// fresh signed checkpoint, as one v1::StationExport file.
//
// The last exported sequence is kept in a small state file next to the journal
// (export_state_path()), replaced atomically only AFTER the export file is committed. A
// crash in between leaves the old state, so the next export repeats the same range plus
// anything newer: exporting is idempotent and resumable, never lossy. The receiver chains
// exports with verifier::verify_station_export(previous = the earlier export's head).
// Signs only with the station key as a hsm::ProductionSigner opened for the station role
// (hsm-profiles/profile/production_signer.h): a key whose provenance failed the check never
// becomes one, and one opened for another role (the device-CA key, a signer-HSM key) is
// refused (kPolicyRefused naming the key) before a record is read or a byte written, so no
// front end can sign an export with whatever key it holds. Not thread-safe (as Journal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "hallmark/station.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "station-agent/journal/journal.h"
#include "verifier/core/error.h"

namespace hallmark::station {

// "<journal>.export-state"
[[nodiscard]] std::filesystem::path export_state_path(const std::filesystem::path& journal);

// The last exported sequence recorded for `journal` (0 if it was never exported).
[[nodiscard]] Result<std::uint64_t> read_last_exported(const std::filesystem::path& journal);

// The last export as the state records it: its last record and, when known, where that
// record's frame is (hash and offset), so the next export opens the journal there
// (Journal::open with a JournalResume) and reads only the records after it. The resume
// point is a hint the journal checks against the record itself; a wrong one costs a
// whole-journal check, never a wrong export.
struct ExportState {
  std::uint64_t last_sequence = 0;
  std::optional<JournalResume> resume;
};
[[nodiscard]] Result<ExportState> read_export_state(const std::filesystem::path& journal);

// Records, atomically, that everything up to `sequence` was exported (and, with `resume`,
// where its record is).
[[nodiscard]] Result<void> record_exported(const std::filesystem::path& journal,
                                           std::uint64_t sequence,
                                           const std::optional<JournalResume>& resume = {});

// The records after `after` up to the current head, with a checkpoint of the head at
// `time_unix` signed by `station_key` (its key id is the signature hint). kPolicyRefused
// when `station_key` was not opened for the station role.
[[nodiscard]] Result<v1::StationExport> build_export(const Journal& journal,
                                                     std::uint64_t after,
                                                     std::int64_t time_unix,
                                                     const hsm::ProductionSigner& station_key);

// build_export() after the recorded last export, written atomically to `out`, then the
// state advanced. Refuses (kVerificationFailed) a state beyond the journal's head, and
// (kPolicyRefused, nothing written) a `station_key` not opened for the station role.
[[nodiscard]] Result<v1::StationExport> export_journal(const Journal& journal,
                                                       const std::filesystem::path& out,
                                                       std::int64_t time_unix,
                                                       const hsm::ProductionSigner& station_key);

}  // namespace hallmark::station
