#include "verifier/journal/export_chain.h"

#include <utility>

#include <fmt/format.h>

#include "hallmark/station.pb.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::verifier {

Error export_refused(std::string message) {
  Error error;
  error.code = ErrorCode::kVerificationFailed;
  error.message = "station export: " + std::move(message);
  return error;
}

Result<ExportChain> ExportChain::begin(const ExportHeader& header, ChainPoint start,
                                       bool anchored) {
  if (header.station_id.empty()) return std::unexpected(export_refused("no station id"));
  if (header.station_id.str().size() > kMaxStationIdBytes) {
    return std::unexpected(export_refused(fmt::format("station id of {} bytes (the limit is {})",
                                                      header.station_id.str().size(),
                                                      kMaxStationIdBytes)));
  }
  const std::uint64_t first = header.first_sequence;
  const std::uint64_t last = header.last_sequence;
  if (first == 0 || last + 1 < first) {
    return std::unexpected(export_refused(
        fmt::format("declares records {}..{}, which is no range", first, last)));
  }
  if (first != start.sequence + 1) {
    return std::unexpected(export_refused(fmt::format(
        "starts at record {} but the previous export ended at record {} ({})", first,
        start.sequence,
        first > start.sequence + 1 ? "records missing in between" : "overlapping range")));
  }
  return ExportChain(header, start, anchored);
}

Result<ChainPoint> ExportChain::record_link_start(const ExportHeader& header,
                                                  ByteView first_record) {
  const std::uint64_t first = header.first_sequence;
  if (first == 0) return std::unexpected(export_refused("declares a first record 0"));
  auto record = parse_journal_record(first_record);
  if (!record) return std::unexpected(export_refused(fmt::format("record {} does not parse", first)));
  auto hash = Digest::from_bytes(as_bytes(record->previous_hash()));
  if (!hash) return std::unexpected(export_refused(fmt::format("record {} has no valid link", first)));
  return ChainPoint{first - 1, *hash};
}

Result<LinkedRecord> ExportChain::add(ByteView record_bytes) {
  const std::uint64_t sequence = head_.sequence + 1;
  if (sequence > header_.last_sequence) {
    return std::unexpected(export_refused(fmt::format(
        "holds more records than the {}..{} it declares", header_.first_sequence,
        header_.last_sequence)));
  }
  if (record_bytes.size() > kMaxJournalRecordBytes) {
    return std::unexpected(export_refused(fmt::format(
        "record {} is {} bytes (the limit is {})", sequence, record_bytes.size(),
        kMaxJournalRecordBytes)));
  }
  if (!scratch_.ParseFromArray(record_bytes.data(), static_cast<int>(record_bytes.size()))) {
    return std::unexpected(export_refused(fmt::format("record {} does not parse", sequence)));
  }
  if (std::string problem = check_record_link(scratch_, head_); !problem.empty()) {
    return std::unexpected(export_refused(fmt::format("record {} {}", sequence, problem)));
  }
  auto digest = sha256(record_bytes);
  if (!digest) return std::unexpected(std::move(digest).error());
  head_ = ChainPoint{sequence, *digest};
  // The envelope is a view into record_bytes: locate the parsed field's bytes there.
  const std::string& envelope = scratch_.attestation_envelope();
  const std::string_view whole = as_chars(record_bytes);
  const std::size_t at = whole.rfind(envelope);
  if (at == std::string_view::npos) {
    return std::unexpected(export_refused(fmt::format("record {} does not parse", sequence)));
  }
  return LinkedRecord{sequence, *digest, whole.substr(at, envelope.size())};
}

Result<ExportCheckpoint> ExportChain::finish(std::string_view checkpoint_json,
                                             const PublicKey& station_key) const {
  if (head_.sequence != header_.last_sequence) {
    return std::unexpected(export_refused(fmt::format(
        "declares records {}..{} but holds {} records", header_.first_sequence,
        header_.last_sequence, head_.sequence - start_.sequence)));
  }
  if (checkpoint_json.size() > kMaxCheckpointBytes) {
    return std::unexpected(export_refused(fmt::format(
        "checkpoint envelope is {} bytes (the limit is {})", checkpoint_json.size(),
        kMaxCheckpointBytes)));
  }
  auto envelope = parse_envelope_json(checkpoint_json);
  if (!envelope) {
    return std::unexpected(export_refused("checkpoint envelope: " + envelope.error().message));
  }
  const std::vector<PublicKey> trusted{station_key};
  auto verified = verify_envelope(*envelope, trusted, 1, payload_type_of("journal-checkpoint"));
  if (!verified) {
    return std::unexpected(export_refused("checkpoint not signed by the station key: " +
                                          verified.error().message));
  }
  auto checkpoint = parse_verified<v1::JournalCheckpoint>(*verified);
  if (!checkpoint) return std::unexpected(export_refused("checkpoint payload does not parse"));
  if (StationId(checkpoint->station_id()) != header_.station_id) {
    return std::unexpected(export_refused(fmt::format(
        "checkpoint names station \"{}\", export \"{}\"", checkpoint->station_id(),
        header_.station_id)));
  }
  if (checkpoint->sequence() != header_.last_sequence) {
    return std::unexpected(export_refused(
        fmt::format("checkpoint is at record {}, the export ends at record {}",
                    checkpoint->sequence(), header_.last_sequence)));
  }
  auto checkpoint_hash = Digest::from_bytes(as_bytes(checkpoint->head_hash()));
  if (!checkpoint_hash) return std::unexpected(export_refused("checkpoint head hash is malformed"));
  ChainPoint head = head_;
  // An empty, unanchored export has no record to check the hash by.
  if (head.sequence == start_.sequence && !anchored_) head.hash = *checkpoint_hash;
  if (*checkpoint_hash != head.hash) {
    return std::unexpected(export_refused(fmt::format(
        "checkpoint head hash {} is not the SHA-256 of record {} ({})", checkpoint_hash->hex(),
        header_.last_sequence, head.hash.hex())));
  }
  return ExportCheckpoint{head, checkpoint->time_unix()};
}

}  // namespace hallmark::verifier
