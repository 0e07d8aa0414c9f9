#include "station-agent/journal/journal_seal.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "station-agent/journal/journal_export.h"
#include "station-agent/journal/journal_format.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/io/atomic_file.h"

namespace hallmark::station {
namespace {

Result<void> write_segment_once(const std::filesystem::path& out, const v1::StationExport& segment) {
  auto file = fileio::AtomicFile::create(out, 0444);
  if (!file) return std::unexpected(std::move(file).error());
  if (auto ok = file->write(verifier::deterministic_bytes(segment)); !ok) return ok;
  if (auto ok = file->commit_new(); !ok) {
    return std::unexpected(std::move(ok).error().context(
        "segment " + out.string() + " (an archived segment is never replaced: give a new --out)"));
  }
  return {};
}

// The records after `after` through `through` copied into `segment`: the last of them, and
// the journal offset just after it (where the journal keeps its records from).
struct CopiedRecords {
  std::optional<JournalEntry> last;
  std::uint64_t keep_from = 0;
};

Result<CopiedRecords> copy_records(Journal& journal, std::uint64_t after, std::uint64_t through,
                                   v1::StationExport& segment) {
  const std::string name = journal.path().string();
  auto cursor = journal.records_since(after);
  if (!cursor) return std::unexpected(std::move(cursor).error());
  std::optional<JournalEntry> last;
  while (!last || last->sequence < through) {
    auto entry = cursor->next();
    if (!entry) return std::unexpected(std::move(entry).error());
    if (!entry->has_value()) {
      return fail(ErrorCode::kInternal, fmt::format("journal {} ended before record {}", name,
                                                    through));
    }
    segment.add_records(std::string(as_chars((*entry)->record_bytes)));
    last = std::move(**entry);
  }
  return CopiedRecords{std::move(last), cursor->offset()};
}

}  // namespace

Result<SealResult> seal_journal(Journal& journal, const SealRequest& request,
                                const hsm::ProductionSigner& station_key) {
  const std::string name = journal.path().string();
  if (auto ok = station_key.require_role(hsm::ProductionRole::kStation); !ok) {
    return std::unexpected(std::move(ok).error().context(
        fmt::format("sealing journal {} through record {}", name, request.through)));
  }
  const verifier::ChainPoint sealed = journal.sealed();
  const JournalHead head = journal.head();
  auto refused = [&](std::string why) -> Result<SealResult> {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("journal {}: not sealed through record {}: {}", name, request.through,
                            why));
  };
  if (request.through <= sealed.sequence) {
    return refused(fmt::format("records up to {} are sealed already", sealed.sequence));
  }
  if (request.through > head.sequence) {
    return refused(fmt::format("the journal ends at record {}", head.sequence));
  }
  auto exported = read_export_state(journal.path());
  if (!exported) return std::unexpected(std::move(exported).error());
  if (request.through > exported->last_sequence) {
    return refused(fmt::format("only records up to {} were exported; export first "
                               "(hallmark-station export) and countersign the export",
                               exported->last_sequence));
  }
  if (journal.torn_tail_pending()) {
    return refused("it ends in a torn write that the line has not repaired yet; open the line "
                   "(hallmark-station status) so it journals the repair, then seal");
  }
  if (!request.acknowledged) return fail(ErrorCode::kUsage, "seal: no acknowledgement check given");

  SealResult result;
  v1::StationExport& segment = result.segment;
  segment.set_station_id(journal.station_id().str());
  segment.set_first_sequence(sealed.sequence + 1);
  segment.set_last_sequence(request.through);
  auto copied = copy_records(journal, sealed.sequence, request.through, segment);
  if (!copied) return std::unexpected(std::move(copied).error());
  const std::optional<JournalEntry>& last = copied->last;
  const std::uint64_t keep_from = copied->keep_from;
  auto hash = verifier::sha256(last->record_bytes);
  if (!hash) return std::unexpected(std::move(hash).error());
  result.through = verifier::ChainPoint{request.through, *hash};
  if (auto ok = request.acknowledged(*last); !ok) {
    return refused(ok.error().message);
  }

  auto checkpoint = journal.make_checkpoint(result.through, request.time_unix, station_key);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error());
  segment.set_checkpoint_envelope(verifier::envelope_to_json(*checkpoint));
  if (auto ok = write_segment_once(request.out, segment); !ok) return std::unexpected(ok.error());

  auto new_header = encode_header(journal.station_id().str(), result.through);
  if (!new_header) return std::unexpected(std::move(new_header).error());
  const std::uint64_t shift = keep_from - new_header->size();
  result.bytes_removed = keep_from - journal.header_size();
  if (request.before_replace) {
    if (auto ok = request.before_replace(shift); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = journal.replace_sealed(result.through, keep_from); !ok) {
    return std::unexpected(ok.error());
  }
  // The export state's resume point moves with its record (or is the sealed record itself,
  // which the new header names).
  if (exported->resume && exported->last_sequence == exported->resume->sequence) {
    JournalResume moved = *exported->resume;
    moved.offset = moved.sequence > request.through ? moved.offset - shift : 0;
    if (auto ok = record_exported(journal.path(), exported->last_sequence, moved); !ok) {
      return std::unexpected(std::move(ok).error().context(
          "journal sealed but its export state not updated; the next export reads the whole "
          "journal once"));
    }
  }
  return result;
}

}  // namespace hallmark::station
