#include "signer/evidence/weekly_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence {

Result<v1::WeeklyReport> weekly_report(EvidenceStore& store, std::string_view week) {
  auto report = audit_report(store, {.last_week = std::string(week), .weeks = 1});
  if (!report) return std::unexpected(std::move(report).error());
  return std::move(report->weeks.front());
}

std::string render_weekly_report(const v1::WeeklyReport& report) {
  std::string out = fmt::format("Week {} ({} to {})\n", report.week(),
                                verifier::format_utc(report.from_unix()),
                                verifier::format_utc(report.to_unix()));
  if (report.stations().empty()) return out + "No station events or findings this week.\n";
  out += fmt::format("{:<16}", "station");
  for (const Indicator& i : indicators()) out += fmt::format(" {:>6}", i.heading);
  out += '\n';
  for (const auto& s : report.stations()) {
    out += fmt::format("{:<16}", verifier::printable(s.station_id()));
    for (const Indicator& i : indicators()) out += fmt::format(" {:>6}", i.get(s));
    out += '\n';
  }
  out += "gaps: exports refused (gap, fork, broken chain, bad checkpoint, copied record); time: clock not "
         "synchronised, going backwards/ahead, or a checkpoint off the signer's clock; drift: "
         "station software, config or device tool changed; bundle: unpromoted, revoked, "
         "out-of-validity bundles or claims that differ from the bundle; glass: break-glass "
         "releases; people: person statements that are not evidence of the person.\n";
  return out;
}

std::string render_text_report(const AuditReport& report) {
  std::string out;
  for (const v1::WeeklyReport& week : report.weeks) out += render_weekly_report(week);
  if (report.releases.empty()) return out;
  out += "\nUnits passed per release (PROGRAM, REWORK, TAKE_OVER that passed):\n";
  out += fmt::format("{:<24} {:<12} {:>6}  {:<16} {}\n", "sku", "version", "units", "bundle",
                     "stations");
  for (const ReleaseUse& r : report.releases) {
    std::vector<std::string> stations;
    for (const auto& [id, units] : r.stations) {
      stations.push_back(fmt::format("{} {}", verifier::printable(id), units));
    }
    out += fmt::format("{:<24} {:<12} {:>6}  {:<16} {}\n",
                       r.sku.empty() ? "(not promoted)" : verifier::printable(r.sku),
                       r.version.empty() ? "-" : verifier::printable(r.version), r.units,
                       r.bundle_digest.hex().substr(0, 16), fmt::join(stations, ", "));
  }
  return out;
}

}  // namespace hallmark::evidence
