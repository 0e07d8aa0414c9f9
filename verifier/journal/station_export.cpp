#include "verifier/journal/station_export.h"

#include <utility>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::verifier {
namespace {

Error refused(std::string message) {
  Error error;
  error.code = ErrorCode::kVerificationFailed;
  error.message = "station export: " + std::move(message);
  return error;
}

// Where the export's chain starts, from `previous`, the journal's beginning, or (neither)
// the first record's own link.
Result<std::pair<ChainPoint, bool>> chain_start(const v1::StationExport& exported,
                                                const std::optional<ChainPoint>& previous) {
  const std::uint64_t first = exported.first_sequence();
  if (previous) {
    if (first != previous->sequence + 1) {
      return std::unexpected(refused(fmt::format(
          "starts at record {} but the previous export ended at record {} ({})", first,
          previous->sequence, first > previous->sequence + 1 ? "records missing in between"
                                                               : "overlapping range")));
    }
    return std::pair{*previous, true};
  }
  if (first == 1) return std::pair{ChainPoint{}, true};
  if (exported.records_size() == 0) return std::pair{ChainPoint{first - 1, Digest{}}, false};
  auto record = parse_journal_record(as_bytes(exported.records(0)));
  if (!record) return std::unexpected(refused(fmt::format("record {} does not parse", first)));
  auto hash = Digest::from_bytes(as_bytes(record->previous_hash()));
  if (!hash) return std::unexpected(refused(fmt::format("record {} has no valid link", first)));
  return std::pair{ChainPoint{first - 1, *hash}, false};
}

}  // namespace

Result<VerifiedExport> verify_station_export(const v1::StationExport& exported,
                                             const PublicKey& station_key,
                                             std::optional<ChainPoint> previous) {
  if (exported.station_id().empty()) return std::unexpected(refused("no station id"));
  const std::uint64_t first = exported.first_sequence();
  const std::uint64_t last = exported.last_sequence();
  const auto count = static_cast<std::uint64_t>(exported.records_size());
  if (first == 0 || last + 1 < first || last - first + 1 != count) {
    return std::unexpected(refused(fmt::format(
        "declares records {}..{} but holds {} records", first, last, count)));
  }
  auto start = chain_start(exported, previous);
  if (!start) return std::unexpected(std::move(start).error());

  VerifiedExport out;
  out.station_id = exported.station_id();
  out.first_sequence = first;
  out.last_sequence = last;
  out.start = start->first;
  out.anchored = start->second;
  ChainPoint head = out.start;
  for (const std::string& bytes : exported.records()) {
    const std::uint64_t sequence = head.sequence + 1;
    auto record = parse_journal_record(as_bytes(bytes));
    if (!record) {
      return std::unexpected(refused(fmt::format("record {} does not parse", sequence)));
    }
    if (std::string problem = check_record_link(*record, head); !problem.empty()) {
      return std::unexpected(refused(fmt::format("record {} {}", sequence, problem)));
    }
    auto digest = sha256(as_bytes(bytes));
    if (!digest) return std::unexpected(std::move(digest).error());
    head = ChainPoint{sequence, *digest};
    const ByteView envelope = as_bytes(record->attestation_envelope());
    out.attestations.push_back({sequence, Bytes(envelope.begin(), envelope.end())});
  }

  auto envelope = parse_envelope_json(exported.checkpoint_envelope());
  if (!envelope) {
    return std::unexpected(refused("checkpoint envelope: " + envelope.error().message));
  }
  const std::vector<PublicKey> trusted{station_key};
  auto verified = verify_envelope(*envelope, trusted, 1, payload_type_of("journal-checkpoint"));
  if (!verified) {
    return std::unexpected(refused("checkpoint not signed by the station key: " +
                                   verified.error().message));
  }
  auto checkpoint = parse_verified<v1::JournalCheckpoint>(*verified);
  if (!checkpoint) return std::unexpected(refused("checkpoint payload does not parse"));
  if (checkpoint->station_id() != exported.station_id()) {
    return std::unexpected(refused(fmt::format("checkpoint names station \"{}\", export \"{}\"",
                                               checkpoint->station_id(),
                                               exported.station_id())));
  }
  if (checkpoint->sequence() != last) {
    return std::unexpected(refused(fmt::format(
        "checkpoint is at record {}, the export ends at record {}", checkpoint->sequence(), last)));
  }
  auto checkpoint_hash = Digest::from_bytes(as_bytes(checkpoint->head_hash()));
  if (!checkpoint_hash) return std::unexpected(refused("checkpoint head hash is malformed"));
  if (count == 0 && !out.anchored) head.hash = *checkpoint_hash;  // nothing to check it by
  if (*checkpoint_hash != head.hash) {
    return std::unexpected(refused(fmt::format(
        "checkpoint head hash {} is not the SHA-256 of record {} ({})", checkpoint_hash->hex(),
        last, head.hash.hex())));
  }
  out.head = head;
  out.checkpoint_time_unix = checkpoint->time_unix();
  return out;
}

}  // namespace hallmark::verifier
