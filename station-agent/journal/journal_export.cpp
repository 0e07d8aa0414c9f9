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

Result<std::uint64_t> read_last_exported(const std::filesystem::path& journal) {
  const std::filesystem::path path = export_state_path(journal);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return fail(ErrorCode::kIo, fmt::format("{}: {}", path.string(), ec.message()));
    return std::uint64_t{0};
  }
  auto bytes = fileio::read_file(path, kMaxStateBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  std::string_view text = as_chars(*bytes);
  if (!text.starts_with(kStatePrefix) || !text.ends_with('\n')) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("export state {} is malformed", path.string()));
  }
  text = text.substr(kStatePrefix.size(), text.size() - kStatePrefix.size() - 1);
  std::uint64_t sequence = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), sequence);
  if (err != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("export state {} is malformed", path.string()));
  }
  return sequence;
}

Result<void> record_exported(const std::filesystem::path& journal, std::uint64_t sequence) {
  const std::string text = fmt::format("{}{}\n", kStatePrefix, sequence);
  return fileio::write_file_atomic(export_state_path(journal), as_bytes(text));
}

Result<v1::StationExport> build_export(const Journal& journal, std::uint64_t after,
                                       std::int64_t time_unix, std::string_view key_id,
                                       const CheckpointSigner& sign) {
  const JournalHead head = journal.head();
  if (after > head.sequence) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("journal {} ends at record {} but records up to {} were already "
                            "exported (journal replaced or truncated?)",
                            journal.path().string(), head.sequence, after));
  }
  v1::StationExport exported;
  exported.set_station_id(journal.station_id());
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
  auto checkpoint = journal.make_checkpoint(time_unix, key_id, sign);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error());
  exported.set_checkpoint_envelope(verifier::envelope_to_json(*checkpoint));
  return exported;
}

Result<v1::StationExport> export_journal(const Journal& journal,
                                         const std::filesystem::path& out,
                                         std::int64_t time_unix, std::string_view key_id,
                                         const CheckpointSigner& sign) {
  auto after = read_last_exported(journal.path());
  if (!after) return std::unexpected(std::move(after).error());
  auto exported = build_export(journal, *after, time_unix, key_id, sign);
  if (!exported) return std::unexpected(std::move(exported).error());
  if (auto ok = fileio::write_file_atomic(out, verifier::deterministic_bytes(*exported)); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  // Only now: a crash before this line makes the next export repeat this range.
  if (auto ok = record_exported(journal.path(), exported->last_sequence()); !ok) {
    return std::unexpected(std::move(ok).error().context(
        "export written but its state not recorded; the next export repeats it"));
  }
  return exported;
}

}  // namespace hallmark::station
