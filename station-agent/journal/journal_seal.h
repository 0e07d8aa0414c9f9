// Sealing the journal: its oldest records, once exported and acknowledged by the signer,
// moved into a segment file that goes off the station, so the live journal stays small.
//
// A segment is a v1::StationExport (same format, same checks: verifier/journal) of records
// sealed+1..through with a checkpoint of record `through` signed by the station key. The
// live journal is then replaced by a sealed journal (HMJRNL2 header naming record
// `through` and its hash) holding records through+1.. as they were, so segment 1, segment 2,
// ..., the live journal's export chain link for link: each segment starts where the one
// before ended, and the journal's first record links to the last segment's checkpoint.
//
// seal_journal() guarantees, in this order:
//  - nothing is sealed past what was exported (the export state), past the journal's head,
//    or that is already sealed; a journal with an uncut torn tail is not sealed (the line
//    cuts it with its JOURNAL_REPAIRED record first);
//  - every sealed record is read back through the journal's checks, and `acknowledged`
//    (the caller's proof that the signer holds record `through`, see
//    station-agent/station/seal_acknowledgement.h) accepts the last one;
//  - the segment is written once (never over an existing file: an archived segment is
//    never replaced) and fsync'd before the journal changes; `before_replace` runs next
//    (the station rewrites its snapshot's journal offset there), then the journal is
//    replaced atomically and the export state's resume point moved with it.
// A crash at any point leaves the old journal (whole, and valid with the old or the new
// snapshot: a snapshot that does not match is ignored and the whole journal replayed) or
// the sealed one. Signs the segment's checkpoint only with the station key as a
// hsm::ProductionSigner opened for the station role (Journal::make_checkpoint): one opened
// for another role is refused (kPolicyRefused) before a record is read or a byte written.
// Not thread-safe (as Journal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "hallmark/station.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "station-agent/journal/journal.h"
#include "verifier/core/error.h"

namespace hallmark::station {

struct SealRequest {
  std::uint64_t through = 0;          // the last record to seal
  std::filesystem::path out;          // the segment file (must not exist)
  std::int64_t time_unix = 0;         // the checkpoint's time
  // Accepts record `through` as acknowledged by the signer, or says why not.
  std::function<Result<void>(const JournalEntry& last)> acknowledged;
  // Runs after the segment is durable and before the journal is replaced; `shift` is how
  // many bytes every kept record's frame offset moves down by.
  std::function<Result<void>(std::uint64_t shift)> before_replace;
};

struct SealResult {
  v1::StationExport segment;
  verifier::ChainPoint through;  // the journal now starts after this record
  std::uint64_t bytes_removed = 0;
};

// See the header comment. kPolicyRefused for a seal that is not allowed (not exported, not
// acknowledged, already sealed, or `station_key` not opened for the station role: nothing
// read or written), kVerificationFailed for a damaged journal, kIo otherwise. `station_key`
// signs the segment's checkpoint. `journal` refuses appends afterwards: reopen it.
[[nodiscard]] Result<SealResult> seal_journal(Journal& journal, const SealRequest& request,
                                              const hsm::ProductionSigner& station_key);

}  // namespace hallmark::station
