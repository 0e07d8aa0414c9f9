#include "signer/evidence/weekly_report.h"

#include <map>

#include <fmt/format.h>

#include "verifier/core/time_format.h"

namespace hallmark::evidence {
namespace {

constexpr std::int64_t kWeekSeconds = 7 * 24 * 3600;

void count_event(v1::StationIndicators& s, const v1::ProvisioningManifest& m) {
  switch (m.event()) {
    case v1::Attestation::PROGRAM:
      if (m.result() == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::REWORK:
      s.set_reworks(s.reworks() + 1);
      if (m.result() == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::SCRAP: s.set_scraps(s.scraps() + 1); break;
    case v1::Attestation::LINE_STOP: s.set_line_stops(s.line_stops() + 1); break;
    case v1::Attestation::BREAK_GLASS: s.set_break_glass(s.break_glass() + 1); break;
    case v1::Attestation::TAKE_OVER:
      s.set_take_overs(s.take_overs() + 1);
      if (m.result() == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::RMA_RECEIVED: return;  // a returned unit's inspection, not a unit made
    default: break;
  }
  if (m.result() == v1::Attestation::FAIL) s.set_failures(s.failures() + 1);
}

void count_finding(v1::StationIndicators& s, int kind) {
  switch (kind) {
    case v1::Finding::EXPORT_REFUSED:
    case v1::Finding::LOG_GAP:
    case v1::Finding::FORK:
    case v1::Finding::RECORD_COPY:
      s.set_log_gaps(s.log_gaps() + 1);
      break;
    case v1::Finding::PERSON_UNVERIFIED:
      s.set_person_findings(s.person_findings() + 1);
      break;
    case v1::Finding::CLOCK_UNSYNCED:
    case v1::Finding::TIME_NOT_MONOTONIC:
    case v1::Finding::TIME_IN_FUTURE:
    case v1::Finding::CLOCK_OFFSET:
      s.set_time_sync_failures(s.time_sync_failures() + 1);
      break;
    case v1::Finding::SERIAL_CLONE:
    case v1::Finding::HARDWARE_CLONE:
    case v1::Finding::SCRAPPED_RETURNED:
      s.set_clone_findings(s.clone_findings() + 1);
      break;
    case v1::Finding::UNPROMOTED_BUNDLE:
    case v1::Finding::REVOKED_BUNDLE:
    case v1::Finding::OUTSIDE_VALIDITY:
    case v1::Finding::CLAIM_MISMATCH:
    case v1::Finding::DEVICE_MISMATCH:
      s.set_bundle_findings(s.bundle_findings() + 1);
      break;
    default: break;
  }
}

}  // namespace

Result<v1::WeeklyReport> weekly_report(EvidenceStore& store, std::string_view week) {
  auto monday = verifier::parse_iso_week(week);
  if (!monday) {
    return fail(ErrorCode::kUsage,
                fmt::format("--week \"{}\" is not an ISO week such as 2026-W47", week));
  }
  v1::WeeklyReport report;
  report.set_week(std::string(week));
  report.set_from_unix(*monday);
  report.set_to_unix(*monday + kWeekSeconds);
  std::map<std::string, v1::StationIndicators> stations;
  auto station = [&stations](const std::string& id) -> v1::StationIndicators& {
    auto& s = stations[id];
    s.set_station_id(id);
    return s;
  };

  EntryQuery query;
  query.from_unix = report.from_unix();
  query.to_unix = report.to_unix();
  v1::ProvisioningManifest manifest;
  auto visited = store.query(query, [&](const LogEntry& entry) -> Result<void> {
    if (!manifest.ParseFromArray(entry.manifest.data(), static_cast<int>(entry.manifest.size()))) {
      return fail(ErrorCode::kInternal,
                  fmt::format("log entry {} does not parse as a manifest", entry.index));
    }
    v1::StationIndicators& s = station(entry.station_id);
    count_event(s, manifest);
    bool drift = false;
    for (const v1::Finding& f : manifest.findings()) {
      if (f.kind() == v1::Finding::STATION_DRIFT || f.kind() == v1::Finding::DEVICE_TOOL_DRIFT) {
        drift = true;
      } else {
        count_finding(s, f.kind());
      }
    }
    if (drift) s.set_drift_incidents(s.drift_incidents() + 1);
    return {};
  });
  if (!visited) return std::unexpected(std::move(visited).error());

  auto refused = store.findings_between(report.from_unix(), report.to_unix());
  if (!refused) return std::unexpected(std::move(refused).error());
  for (const FindingRow& row : *refused) {
    if (row.log_index) continue;  // counted with its event above
    count_finding(station(row.station_id), row.kind);
  }
  for (auto& [id, s] : stations) *report.add_stations() = std::move(s);
  return report;
}

std::string render_weekly_report(const v1::WeeklyReport& report) {
  std::string out = fmt::format("Week {} ({} to {})\n", report.week(),
                                verifier::format_utc(report.from_unix()),
                                verifier::format_utc(report.to_unix()));
  if (report.stations().empty()) return out + "No station events or findings this week.\n";
  out += fmt::format("{:<16} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
                     "station", "passed", "failed", "rework", "scrap", "stops", "glass", "takeov",
                     "drift", "gaps", "time", "clones", "bundle", "people");
  for (const auto& s : report.stations()) {
    out += fmt::format("{:<16} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
                       s.station_id(), s.units_passed(), s.failures(), s.reworks(), s.scraps(),
                       s.line_stops(), s.break_glass(), s.take_overs(), s.drift_incidents(),
                       s.log_gaps(), s.time_sync_failures(), s.clone_findings(),
                       s.bundle_findings(), s.person_findings());
  }
  out += "gaps: exports refused (gap, fork, broken chain, bad checkpoint, copied record); time: clock not "
         "synchronised, going backwards/ahead, or a checkpoint off the signer's clock; drift: "
         "station software, config or device tool changed; bundle: unpromoted, revoked, "
         "out-of-validity bundles or claims that differ from the bundle; glass: break-glass "
         "releases; people: person statements that are not evidence of the person.\n";
  return out;
}

}  // namespace hallmark::evidence
