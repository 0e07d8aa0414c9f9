#include "station-agent/journal/journal_export.h"

#include <charconv>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hallmark::station {
namespace {

constexpr std::string_view kStatePrefix = "hallmark-journal-export last-sequence ";
constexpr std::size_t kMaxStateBytes = 256;

}  // namespace

std::filesystem::path export_state_path(const std::filesystem::path& journal) {
  std::filesystem::path state = journal;
  state += ".export-state";
  return state;
}

Result<ExportState> read_export_state(const std::filesystem::path& journal) {
  const std::filesystem::path path = export_state_path(journal);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return fail(ErrorCode::kIo, fmt::format("{}: {}", path.string(), ec.message()));
    return ExportState{};
  }
  auto bytes = fileio::read_file(path, kMaxStateBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  std::string_view text = as_chars(*bytes);
  auto malformed = [&] {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("export state {} is malformed", path.string()));
  };
  if (!text.starts_with(kStatePrefix) || !text.ends_with('\n')) return malformed();
  text = text.substr(kStatePrefix.size(), text.size() - kStatePrefix.size() - 1);
  auto number = [](std::string_view digits, std::uint64_t& out) {
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return err == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
  };
  ExportState state;
  const std::size_t space = text.find(' ');
  if (!number(text.substr(0, space), state.last_sequence)) return malformed();
  if (space == std::string_view::npos) return state;  // written before resume points were kept
  // " hash <64 hex> offset <n>"
  std::string_view rest = text.substr(space);
  constexpr std::string_view kHash = " hash ";
  constexpr std::string_view kOffset = " offset ";
  const std::size_t hex_size = 2 * verifier::Digest::kSize;
  if (!rest.starts_with(kHash) || rest.size() < kHash.size() + hex_size) return malformed();
  auto hash = verifier::Digest::from_hex(rest.substr(kHash.size(), hex_size));
  if (!hash) return malformed();
  rest = rest.substr(kHash.size() + hex_size);
  if (!rest.starts_with(kOffset)) return malformed();
  JournalResume resume{state.last_sequence, *hash, 0};
  if (!number(rest.substr(kOffset.size()), resume.offset)) return malformed();
  state.resume = resume;
  return state;
}

Result<std::uint64_t> read_last_exported(const std::filesystem::path& journal) {
  auto state = read_export_state(journal);
  if (!state) return std::unexpected(std::move(state).error());
  return state->last_sequence;
}

Result<void> record_exported(const std::filesystem::path& journal, std::uint64_t sequence,
                             const std::optional<JournalResume>& resume) {
  std::string text = fmt::format("{}{}", kStatePrefix, sequence);
  if (resume && resume->sequence == sequence) {
    text += fmt::format(" hash {} offset {}", resume->hash.hex(), resume->offset);
  }
  text += '\n';
  return fileio::write_file_atomic(export_state_path(journal), as_bytes(text));
}

Result<v1::StationExport> build_export(const Journal& journal, std::uint64_t after,
                                       std::int64_t time_unix,
                                       const hsm::ProductionSigner& station_key) {
  if (auto ok = station_key.require_role(hsm::ProductionRole::kStation); !ok) {
    return std::unexpected(std::move(ok).error().context(
        fmt::format("export of journal {}", journal.path().string())));
  }
  const JournalHead head = journal.head();
  if (after > head.sequence) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("journal {} ends at record {} but records up to {} were already "
                            "exported (journal replaced or truncated?)",
                            journal.path().string(), head.sequence, after));
  }
  v1::StationExport exported;
  exported.set_station_id(journal.station_id().str());
  exported.set_first_sequence(after + 1);
  exported.set_last_sequence(head.sequence);
  auto cursor = journal.records_since(after);
  if (!cursor) return std::unexpected(std::move(cursor).error());
  for (;;) {
    auto entry = cursor->next();
    if (!entry) return std::unexpected(std::move(entry).error());
    if (!entry->has_value()) break;
    exported.add_records(std::string(as_chars((*entry)->record_bytes)));
  }
  if (static_cast<std::uint64_t>(exported.records_size()) != head.sequence - after) {
    return fail(ErrorCode::kInternal, "journal cursor returned a different record count");
  }
  auto checkpoint = journal.make_checkpoint(time_unix, station_key);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error());
  exported.set_checkpoint_envelope(verifier::envelope_to_json(*checkpoint));
  return exported;
}

Result<v1::StationExport> export_journal(const Journal& journal,
                                         const std::filesystem::path& out,
                                         std::int64_t time_unix,
                                         const hsm::ProductionSigner& station_key) {
  auto after = read_last_exported(journal.path());
  if (!after) return std::unexpected(std::move(after).error());
  auto exported = build_export(journal, *after, time_unix, station_key);
  if (!exported) return std::unexpected(std::move(exported).error());
  if (auto ok = fileio::write_file_atomic(out, verifier::deterministic_bytes(*exported)); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  // Only now: a crash before this line makes the next export repeat this range.
  const JournalHead head = journal.head();
  std::optional<JournalResume> resume;
  if (head.sequence > 0) resume = JournalResume{head.sequence, head.hash, journal.head_offset()};
  if (auto ok = record_exported(journal.path(), exported->last_sequence(), resume); !ok) {
    return std::unexpected(std::move(ok).error().context(
        "export written but its state not recorded; the next export repeats it"));
  }
  return exported;
}

}  // namespace hallmark::station
