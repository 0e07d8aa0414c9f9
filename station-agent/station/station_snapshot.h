// The station's state snapshot: its history (station_history.h) at one journal record, so a
// command verifies and replays only the records after it instead of the whole journal.
//
// DIR/snapshot/state is a DSSE envelope (payload type station-snapshot) over a
// v1::StationSnapshot, signed by the station key through its token; DIR/snapshot/<sha256>.index
// and <sha256>.bucket are its unit index and buckets (unit_index.h), content-addressed, the
// index's digest in the signed payload.
// Guarantees (the threat model is in docs/station-line.md, "State snapshot"):
//  - load_snapshot() returns a snapshot only if it verifies under the station key given
//    (not another station's, not an edited one) and names this station; anything else is
//    ignored with the reason, and the line replays the whole journal as if there were none.
//  - The snapshot is only a cache of the journal: the caller opens the journal at the
//    snapshot's head (Journal::open with a JournalResume), which is used only when that
//    record is in the journal with that hash — a snapshot of another, rolled-back, truncated
//    or rewritten journal is ignored.
//  - save_snapshot() is given a snapshot whose index and buckets are written (fsync'd) and
//    commits the state file by rename after fsync: a crash leaves the previous snapshot or
//    the new one, never a mix. Index and bucket files it does not list are removed after.
// Never reads key material. Not thread-safe; one process per state directory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "hallmark/station.pb.h"
#include "verifier/core/dsse.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {

// A new snapshot is written when opening a line replayed at least this many records after
// the one in force (or the whole journal had to be replayed and holds at least this many).
inline constexpr std::uint64_t kSnapshotAfterRecords = 32;

// DIR/snapshot and DIR/snapshot/state.
[[nodiscard]] std::filesystem::path snapshot_dir(const std::filesystem::path& dir);
[[nodiscard]] std::filesystem::path snapshot_file(const std::filesystem::path& dir);

struct LoadedSnapshot {
  std::optional<v1::StationSnapshot> snapshot;  // verified, for this station
  std::string ignored;  // why a snapshot file that exists is not used ("" otherwise)
};

// Reads and verifies DIR/snapshot/state (see above). Never fails: a snapshot that cannot be
// used is reported in `ignored`.
[[nodiscard]] LoadedSnapshot load_snapshot(const std::filesystem::path& dir,
                                           std::string_view station_id,
                                           const verifier::PublicKey& station_key);

// Signs `snapshot` with the station key (`sign`, key id `key_id` as the hint) and commits it
// as DIR/snapshot/state; then removes bucket files it does not list.
[[nodiscard]] Result<void> save_snapshot(const std::filesystem::path& dir,
                                         const v1::StationSnapshot& snapshot,
                                         std::string_view key_id,
                                         const verifier::PaeSigner& sign);

}  // namespace hallmark::station
