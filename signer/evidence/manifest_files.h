// Manifest files (v1::ManifestFile, docs/evidence.md) written from the evidence store
// alone: countersign --manifests writes a batch's, `hallmark-signer manifests` writes any
// of them again after they were lost, with the same bytes, because everything a file holds
// is in the store — the manifest (the log leaf), its inclusion proof against the
// checkpoint of the batch that countersigned it (the first checkpoint whose tree holds
// it), that checkpoint's envelope, and the station registration the entry was
// countersigned under (kept with the log since schema 3).
//
// One file per unit entry (an entry with a serial): DIR/<serial>.<log index>.manifest.json,
// read-only. Each is written atomically (a temporary file, fsync, then an exclusive
// rename): a file already there with the same bytes is left alone; one with other bytes
// is an error naming it (evidence is never overwritten). Reads the store only; not
// thread-safe (one store object per thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "signer/store/evidence_store.h"
#include "verifier/core/error.h"
#include "verifier/core/printable.h"

namespace hallmark::evidence {

struct ManifestSelection {
  std::uint64_t first = 0;                 // log indexes first..last-1
  std::optional<std::uint64_t> last;       // unset: to the end of the log
  std::optional<Serial> serial;            // only this unit's entries
  std::optional<StationId> station_id;     // only this station's entries
};

struct ManifestsWritten {
  std::uint64_t written = 0;   // files created
  std::uint64_t present = 0;   // already there, byte-identical
};

// "SN-0001.17.manifest.json": the serial, then the log index. The serial part is one to
// one and holds no '.' (letters, digits and '-' as they are, any other byte "_XX" in hex,
// an event with no unit "_"), so "SN-0001.*.manifest.json" names exactly that unit's files.
// The file-name form of a serial or station id (verifier/core/printable.h): manifest files
// and the report's pages (report_site.h) are named by it.
using verifier::file_safe;

[[nodiscard]] std::string manifest_file_name(const std::string& serial, std::uint64_t index);

[[nodiscard]] Result<ManifestsWritten> write_manifest_files(EvidenceStore& store,
                                                            const std::filesystem::path& dir,
                                                            const ManifestSelection& selection);

struct CountersignResult;

// The manifest files of a countersign batch: those of its new entries, and those of every
// export it found countersigned already (a replay). So countersign run again with the
// same exports after a run that was stopped (killed, a full disk) between its commit and
// its last manifest file writes the files that run did not, byte-identical, and checks
// the ones it did.
[[nodiscard]] Result<ManifestsWritten> write_batch_manifests(EvidenceStore& store,
                                                             const std::filesystem::path& dir,
                                                             const CountersignResult& batch);

}  // namespace hallmark::evidence
