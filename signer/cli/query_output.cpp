#include "signer/cli/query_output.h"

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/event_findings.h"
#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"
#include "verifier/log/event_answer.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"

namespace hallmark::signer {
namespace {

std::string hex_or_dash(const Bytes& bytes) {
  auto digest = verifier::Digest::from_bytes(bytes);
  return digest ? digest->hex() : "-";
}

std::string event_name(int event) {
  return v1::Attestation::Event_IsValid(event)
             ? v1::Attestation::Event_Name(static_cast<v1::Attestation::Event>(event))
             : std::to_string(event);
}

std::string result_name(int result) {
  if (result == v1::Attestation::RESULT_UNSPECIFIED) return "-";
  return v1::Attestation::Result_IsValid(result)
             ? v1::Attestation::Result_Name(static_cast<v1::Attestation::Result>(result))
             : std::to_string(result);
}

// CSV field: quoted when it holds a comma, quote or line break.
std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The serial a break-glass released (the unit of its line stop), by the break-glass's log
// index.
using ReleasedSerials = std::map<std::uint64_t, std::string>;

// Each row's record, made on an arena emptied every few hundred rows: a query listing a
// million units allocates and frees nothing per string, and its memory stays flat. A record
// is valid until the next one is asked for.
class RowRecords {
 public:
  v1::LogEntryRecord& next() {
    if (++rows_ % 256 == 0) arena_.Reset();
    return *google::protobuf::Arena::CreateMessage<v1::LogEntryRecord>(&arena_);
  }

 private:
  google::protobuf::Arena arena_;
  std::uint64_t rows_ = 0;
};

// The row as --json shows it: the manifest and attestation decoded (`record` is fresh).
Result<void> record_of(const evidence::LogEntry& e, const ReleasedSerials& released,
                       v1::LogEntryRecord& record) {
  record.set_log_index(e.index);
  if (!record.mutable_manifest()->ParseFromArray(e.manifest.data(), static_cast<int>(e.manifest.size()))) {
    return fail(ErrorCode::kInternal, fmt::format("log entry {} does not parse", e.index));
  }
  // The attestation was verified when it was countersigned; shown here as it was signed.
  (void)record.mutable_attestation()->ParseFromString(record.manifest().attestation_envelope().payload());
  record.set_operator_name(e.operator_name);
  record.set_supervisor_name(e.supervisor_name);
  record.set_why(e.why);
  for (int kind : e.finding_kinds) record.add_finding_kinds(evidence::finding_kind_name(kind));
  if (e.scrapped_at) record.set_scrapped_log_index(*e.scrapped_at);
  if (auto it = released.find(e.index); it != released.end()) record.set_released_serial(it->second);
  return {};
}

// The serial of each line stop a break-glass among the matching entries released, looked
// up before the rows are printed (the store streams one query at a time).
Result<ReleasedSerials> released_serials(evidence::EvidenceStore& store,
                                         const evidence::EntryQuery& query) {
  evidence::EntryQuery glass = query;
  glass.exceptions = false;
  glass.events = {v1::Attestation::BREAK_GLASS};
  glass.manifests = true;
  std::vector<std::pair<std::uint64_t, std::pair<StationId, std::uint64_t>>> wanted;
  v1::ProvisioningManifest manifest;
  v1::Attestation attestation;
  auto ok = store.query(glass, [&](const evidence::LogEntry& e) -> Result<void> {
    if (!manifest.ParseFromArray(e.manifest.data(), static_cast<int>(e.manifest.size()))) {
      return fail(ErrorCode::kInternal, fmt::format("log entry {} does not parse", e.index));
    }
    if (attestation.ParseFromString(manifest.attestation_envelope().payload()) &&
        attestation.linked_sequences_size() > 0) {
      wanted.push_back({e.index, {e.station_id, attestation.linked_sequences(0)}});
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  ReleasedSerials out;
  for (const auto& [glass_index, stop] : wanted) {
    auto found = store.station_record(stop.first, stop.second);
    if (!found) return std::unexpected(found.error());
    if (!*found) continue;
    const std::uint64_t index = (*found)->second;
    auto read = store.for_each_entry(index, index + 1,
                                     [&](const evidence::LogEntry& line_stop) -> Result<void> {
                                       out[glass_index] = line_stop.serial.str();
                                       return {};
                                     });
    if (!read) return std::unexpected(read.error());
  }
  return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

constexpr std::string_view kTextRow =
    "{:>7}  {:<20}  {:<10} {:>5}  {:<16} {:<8} {:<12} {:<12} {:<22} {:<16} {}\n";

}  // namespace

Result<void> print_query(evidence::EvidenceStore& store, const evidence::EntryQuery& query,
                         QueryFormat format, std::ostream& out) {
  auto released = released_serials(store, query);
  if (!released) return std::unexpected(released.error());
  std::uint64_t rows = 0;
  if (format == QueryFormat::kCsv) {
    out << "log_index,event_time_utc,station,sequence,event,result,serial,hardware_id,"
           "bundle_digest,findings,operator,supervisor,why,scrapped_log_index,event_unix\n";
  } else if (format == QueryFormat::kText) {
    out << fmt::format(fmt::runtime(kTextRow), "entry", "event time", "station", "seq", "event",
                       "result", "serial", "hardware id", "who", "findings", "why");
  }
  // Only --json shows the manifests: the CSV and text rows are the entries' own columns.
  evidence::EntryQuery rows_query = query;
  rows_query.manifests = format == QueryFormat::kJson;
  RowRecords records;
  evidence::EventAnswer answer;
  fmt::memory_buffer line;
  auto ok = store.query(rows_query, [&](const evidence::LogEntry& e) -> Result<void> {
    ++rows;
    if (format == QueryFormat::kJson) {
      v1::LogEntryRecord* record = &records.next();
      if (auto read = record_of(e, *released, *record); !read) return read;
      // Shown decoded; the signed envelopes themselves are in the unit's manifest file.
      record->mutable_manifest()->clear_attestation_envelope();
      record->mutable_attestation()->clear_signed_statement();
      out << tool::to_display_json(*record, tool::JsonLayout::kOneLine) << '\n';
      return {};
    }
    answer.operator_name = e.operator_name;
    answer.supervisor_name = e.supervisor_name;
    answer.finding_kinds.clear();
    for (int kind : e.finding_kinds) answer.finding_kinds.push_back(evidence::finding_kind_name(kind));
    // A break-glass concerns the unit of the line stop it released.
    std::string_view serial = e.serial.str();
    if (serial.empty()) {
      if (auto it = released->find(e.index); it != released->end()) serial = it->second;
    }
    line.clear();
    if (format == QueryFormat::kCsv) {
      fmt::format_to(std::back_inserter(line), "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                     e.index, verifier::format_utc(e.event_unix), csv(e.station_id.str()),
                     e.station_sequence, event_name(e.event), result_name(e.result),
                     csv(serial), csv(e.hardware_id.str()), hex_or_dash(e.bundle_digest),
                     answer.finding_kinds.empty() ? "" : evidence::kinds_text(answer, ";"),
                     csv(e.operator_name), csv(e.supervisor_name), csv(e.why),
                     e.scrapped_at ? std::to_string(*e.scrapped_at) : "", e.event_unix);
    } else {
      std::string result = result_name(e.result);
      // A unit that passed and was scrapped later is not a unit in the field.
      if (e.scrapped_at && e.result == v1::Attestation::PASS) {
        result += fmt::format(" (scrapped at entry {})", *e.scrapped_at);
      }
      fmt::format_to(std::back_inserter(line), fmt::runtime(kTextRow), e.index,
                     verifier::format_utc(e.event_unix), verifier::printable(e.station_id.str()),
                     e.station_sequence, event_name(e.event), result,
                     verifier::printable(or_dash(std::string(serial))),
                     verifier::printable(or_dash(e.hardware_id.str())),
                     verifier::printable(evidence::who_text(answer)),
                     evidence::kinds_text(answer, ","), verifier::printable(or_dash(e.why)));
    }
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    return {};
  });
  if (!ok) return ok;
  if (format == QueryFormat::kText) out << fmt::format("{} entries\n", rows);
  return {};
}

std::string render_countersign(const evidence::CountersignResult& r) {
  std::string out;
  for (const auto& e : r.exports) {
    switch (e.status) {
      case evidence::ExportOutcome::Status::kAccepted:
        out += fmt::format("ACCEPTED {}: station {} records {}..{} -> log entries {}..{} ({} "
                           "findings)\n", e.file.string(), e.station_id, e.first_new, e.last_new,
                           e.first_index, e.first_index + e.entries - 1, e.findings);
        break;
      case evidence::ExportOutcome::Status::kReplay:
        out += fmt::format("REPLAY   {}: station {}: every record is countersigned already; "
                           "nothing changed\n", e.file.string(), e.station_id);
        break;
      case evidence::ExportOutcome::Status::kRefused:
        out += fmt::format("REFUSED  {}\n", e.refusal);
        break;
    }
  }
  if (r.checkpoint) {
    out += fmt::format("Log grew from {} to {} entries; checkpoint root {} signed by the "
                       "evidence key (1 signature for the batch)\n", r.old_size, r.new_size,
                       r.checkpoint->root_hash.hex());
  } else {
    out += fmt::format("Log unchanged at {} entries; no signature made\n", r.old_size);
  }
  return out;
}

std::string countersign_json(const evidence::CountersignResult& r) {
  v1::CountersignReport report;
  for (const auto& e : r.exports) {
    auto* x = report.add_exports();
    x->set_file(e.file.string());
    x->set_station_id(e.station_id.str());
    x->set_status(e.status == evidence::ExportOutcome::Status::kAccepted ? "accepted"
                  : e.status == evidence::ExportOutcome::Status::kReplay ? "replay"
                                                                         : "refused");
    x->set_first_record(e.first_new);
    x->set_last_record(e.last_new);
    x->set_first_log_index(e.first_index);
    x->set_entries(e.entries);
    x->set_findings(e.findings);
    x->set_refusal(e.refusal);
  }
  report.set_old_tree_size(r.old_size);
  report.set_new_tree_size(r.new_size);
  if (r.checkpoint) report.set_root_hash(std::string(as_chars(r.checkpoint->root_hash.bytes())));
  report.set_evidence_signatures(r.signatures);
  return tool::to_display_json(report);
}

}  // namespace hallmark::signer
