#include "signer/cli/query_output.h"

#include <fmt/format.h>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/event_findings.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/tool/command_line.h"

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
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Control characters are shown escaped: a serial is data, not terminal commands.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> json_line(const evidence::LogEntry& e) {
  v1::LogEntryRecord record;
  record.set_log_index(e.index);
  if (!record.mutable_manifest()->ParseFromArray(e.manifest.data(), static_cast<int>(e.manifest.size()))) {
    return fail(ErrorCode::kInternal, fmt::format("log entry {} does not parse", e.index));
  }
  // The attestation was verified when it was countersigned; shown here as it was signed.
  auto envelope = verifier::parse_envelope_json(record.manifest().attestation_envelope());
  if (envelope) (void)record.mutable_attestation()->ParseFromString(envelope->payload());
  std::string json = tool::to_json(record);
  std::string line;
  for (char c : json) {
    if (c != '\n') line += c;
  }
  return line;
}

}  // namespace

Result<void> print_query(evidence::EvidenceStore& store, const evidence::EntryQuery& query,
                         QueryFormat format, std::ostream& out) {
  std::uint64_t rows = 0;
  if (format == QueryFormat::kCsv) {
    out << "log_index,event_time_utc,station,sequence,event,result,serial,hardware_id,"
           "bundle_digest,findings\n";
  } else if (format == QueryFormat::kText) {
    out << fmt::format("{:>7}  {:<23}  {:<12} {:>5}  {:<11} {:<8} {:<14} {:<18} {}\n", "entry",
                       "event time", "station", "seq", "event", "result", "serial",
                       "hardware id", "findings");
  }
  auto ok = store.query(query, [&](const evidence::LogEntry& e) -> Result<void> {
    ++rows;
    switch (format) {
      case QueryFormat::kJson: {
        auto line = json_line(e);
        if (!line) return std::unexpected(line.error());
        out << *line << '\n';
        break;
      }
      case QueryFormat::kCsv:
        out << fmt::format("{},{},{},{},{},{},{},{},{},{}\n", e.index,
                           verifier::format_utc(e.event_unix), csv(e.station_id),
                           e.station_sequence, event_name(e.event), result_name(e.result),
                           csv(e.serial), csv(e.hardware_id), hex_or_dash(e.bundle_digest),
                           e.finding_count);
        break;
      case QueryFormat::kText:
        out << fmt::format("{:>7}  {:<23}  {:<12} {:>5}  {:<11} {:<8} {:<14} {:<18} {}\n",
                           e.index, verifier::format_utc(e.event_unix), printable(e.station_id),
                           e.station_sequence, event_name(e.event), result_name(e.result),
                           printable(e.serial), printable(e.hardware_id), e.finding_count);
        break;
    }
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
    x->set_station_id(e.station_id);
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
  return tool::to_json(report);
}

}  // namespace hallmark::signer
