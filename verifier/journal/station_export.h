// Offline verification of a station journal export (v1::StationExport).
//
// verify_station_export() accepts an export only if every record parses, the sequences run
// first..last without a gap, every record links to the one before it (the first to
// `previous` when given, to the zero hash when the export starts at record 1), and the
// checkpoint envelope (payload type journal-checkpoint) verifies under the station key and
// names the export's station, its last sequence and the SHA-256 of its last record. Without
// `previous`, an export starting after record 1 is checked from its own first record on and
// reported as not anchored. Attestation envelopes are returned as bytes, not verified.
// Pure: no I/O, no clock; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/public_key.h"
#include "verifier/journal/record_chain.h"

namespace hallmark::verifier {

struct ExportedAttestation {
  std::uint64_t sequence = 0;
  Bytes envelope;  // DSSE JSON bytes as journaled
};

struct VerifiedExport {
  StationId station_id;
  std::uint64_t first_sequence = 0;  // last_sequence + 1 for an export without records
  std::uint64_t last_sequence = 0;
  ChainPoint start;       // the record the export continues from
  bool anchored = false;  // start was `previous` or the journal's beginning
  ChainPoint head;        // the last record, as the checkpoint names it
  std::int64_t checkpoint_time_unix = 0;
  std::vector<ExportedAttestation> attestations;
};

[[nodiscard]] Result<VerifiedExport> verify_station_export(
    const v1::StationExport& exported, const PublicKey& station_key,
    std::optional<ChainPoint> previous);

}  // namespace hallmark::verifier
