// StationLine::seal_journal (station_line.h): the line's part of sealing — the signer's
// acknowledgement as the seal's condition, and the snapshot the sealed journal needs.
#include <fmt/format.h>

#include "station-agent/station/station_line.h"

namespace hallmark::station {

Result<SealResult> StationLine::seal_journal(const SealAcknowledgement& ack,
                                             const std::filesystem::path& out) {
  SealRequest request;
  request.through = ack.sequence;
  request.out = out;
  request.time_unix = now();
  request.acknowledged = [&ack](const JournalEntry& last) { return matches(ack, last); };
  // The history of every record up to the head, for the journal without records ..through:
  // written before the journal changes, so a crash leaves either the old journal (this
  // snapshot does not match it and is ignored: the whole old journal is replayed) or the
  // sealed one with the snapshot it needs.
  const std::uint64_t head_offset = journal_.head_offset();
  const std::uint64_t head = journal_.head().sequence;
  request.before_replace = [this, head_offset, head, &ack](std::uint64_t shift) {
    return save_snapshot_at(head > ack.sequence ? head_offset - shift : 0);
  };
  return station::seal_journal(journal_, request, options_.keys.station_signer);
}

}  // namespace hallmark::station
