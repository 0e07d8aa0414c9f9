#include "verifier/journal/station_export.h"

#include <utility>

#include <fmt/format.h>

#include "verifier/journal/export_chain.h"

namespace hallmark::verifier {

Result<VerifiedExport> verify_station_export(const v1::StationExport& exported,
                                             const PublicKey& station_key,
                                             std::optional<ChainPoint> previous) {
  const ExportHeader header{StationId(exported.station_id()), exported.first_sequence(),
                            exported.last_sequence()};
  const auto count = static_cast<std::uint64_t>(exported.records_size());
  if (header.first_sequence != 0 && header.last_sequence + 1 >= header.first_sequence &&
      header.last_sequence - header.first_sequence + 1 != count) {
    return std::unexpected(export_refused(fmt::format(
        "declares records {}..{} but holds {} records", header.first_sequence,
        header.last_sequence, count)));
  }
  // Where the chain starts: `previous`, the journal's beginning, or the first record's link.
  ChainPoint start;
  bool anchored = true;
  if (previous) {
    start = *previous;
  } else if (header.first_sequence != 1) {
    anchored = false;
    if (count == 0) {
      start = ChainPoint{header.first_sequence - 1, Digest{}};
    } else {
      auto linked = ExportChain::record_link_start(header, as_bytes(exported.records(0)));
      if (!linked) return std::unexpected(std::move(linked).error());
      start = *linked;
    }
  }
  auto chain = ExportChain::begin(header, start, anchored);
  if (!chain) return std::unexpected(std::move(chain).error());

  VerifiedExport out;
  out.station_id = header.station_id;
  out.first_sequence = header.first_sequence;
  out.last_sequence = header.last_sequence;
  out.start = start;
  out.anchored = anchored;
  for (const std::string& bytes : exported.records()) {
    auto record = chain->add(as_bytes(bytes));
    if (!record) return std::unexpected(std::move(record).error());
    const ByteView envelope = as_bytes(record->envelope);
    out.attestations.push_back({record->sequence, Bytes(envelope.begin(), envelope.end())});
  }
  auto checkpoint = chain->finish(exported.checkpoint_envelope(), station_key);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error());
  out.head = checkpoint->head;
  out.checkpoint_time_unix = checkpoint->time_unix;
  return out;
}

}  // namespace hallmark::verifier
