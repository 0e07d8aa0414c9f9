#include "signer/evidence/audit_report.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "verifier/core/time_format.h"

namespace hallmark::evidence {
namespace {

constexpr std::int64_t kWeekSeconds = 7 * 24 * 3600;

using SI = v1::StationIndicators;
constexpr Indicator kIndicators[] = {
    {"passed", "units passed", [](const SI& s) { return s.units_passed(); }, false},
    {"failed", "failures", [](const SI& s) { return s.failures(); }, false},
    {"rework", "reworks", [](const SI& s) { return s.reworks(); }, false},
    {"scrap", "scraps", [](const SI& s) { return s.scraps(); }, false},
    {"stops", "line stops", [](const SI& s) { return s.line_stops(); }, false},
    {"glass", "break-glass releases", [](const SI& s) { return s.break_glass(); }, true},
    {"takeov", "take-overs", [](const SI& s) { return s.take_overs(); }, false},
    {"drift", "drift incidents", [](const SI& s) { return s.drift_incidents(); }, true},
    {"gaps", "log gaps (refused exports)", [](const SI& s) { return s.log_gaps(); }, true},
    {"time", "time-sync failures", [](const SI& s) { return s.time_sync_failures(); }, true},
    {"clones", "clone findings", [](const SI& s) { return s.clone_findings(); }, true},
    {"bundle", "bundle findings", [](const SI& s) { return s.bundle_findings(); }, true},
    {"people", "person findings", [](const SI& s) { return s.person_findings(); }, true},
};

void count_event(SI& s, const LogEntry& m) {
  switch (m.event) {
    case v1::Attestation::PROGRAM:
      if (m.result == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::REWORK:
      s.set_reworks(s.reworks() + 1);
      if (m.result == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::SCRAP: s.set_scraps(s.scraps() + 1); break;
    case v1::Attestation::LINE_STOP: s.set_line_stops(s.line_stops() + 1); break;
    case v1::Attestation::BREAK_GLASS: s.set_break_glass(s.break_glass() + 1); break;
    case v1::Attestation::TAKE_OVER:
      s.set_take_overs(s.take_overs() + 1);
      if (m.result == v1::Attestation::PASS) s.set_units_passed(s.units_passed() + 1);
      break;
    case v1::Attestation::RMA_RECEIVED: return;  // a returned unit's inspection, not a unit made
    default: break;
  }
  if (m.result == v1::Attestation::FAIL) s.set_failures(s.failures() + 1);
}

// A unit passed programming: the events count_event counts in units_passed.
bool unit_passed(const LogEntry& m) {
  return m.result == v1::Attestation::PASS &&
         (m.event == v1::Attestation::PROGRAM || m.event == v1::Attestation::REWORK ||
          m.event == v1::Attestation::TAKE_OVER);
}

bool is_exception(const LogEntry& entry) {
  return entry.result == kFailResult || !entry.finding_kinds.empty() ||
         std::find(std::begin(kExceptionEvents), std::end(kExceptionEvents), entry.event) !=
             std::end(kExceptionEvents);
}

void count_finding(SI& s, int kind) {
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

// The range's weeks, each with its stations by id.
class WeekTable {
 public:
  WeekTable(std::int64_t from_unix, unsigned weeks) : from_(from_unix), weeks_(weeks) {}

  SI& station(std::int64_t unix_time, const std::string& id) {
    const auto week = static_cast<std::size_t>((unix_time - from_) / kWeekSeconds);
    auto& s = weeks_.at(week)[id];
    s.set_station_id(id);
    return s;
  }

  std::vector<v1::WeeklyReport> take() {
    std::vector<v1::WeeklyReport> out;
    for (std::size_t i = 0; i < weeks_.size(); ++i) {
      v1::WeeklyReport& week = out.emplace_back();
      week.set_from_unix(from_ + static_cast<std::int64_t>(i) * kWeekSeconds);
      week.set_to_unix(week.from_unix() + kWeekSeconds);
      week.set_week(verifier::iso_week(week.from_unix()));
      for (auto& [id, s] : weeks_[i]) *week.add_stations() = std::move(s);
    }
    return out;
  }

 private:
  std::int64_t from_;
  std::vector<std::map<std::string, SI>> weeks_;
};

}  // namespace

std::span<const Indicator> indicators() { return kIndicators; }

void add_indicators(SI& total, const SI& row) {
  const auto* reflection = SI::GetReflection();
  const auto* descriptor = SI::GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_UINT64) continue;
    reflection->SetUInt64(&total, field,
                          reflection->GetUInt64(total, field) + reflection->GetUInt64(row, field));
  }
}

Result<AuditReport> audit_report(EvidenceStore& store, const AuditRange& range) {
  auto last_monday = verifier::parse_iso_week(range.last_week);
  if (!last_monday) {
    return fail(ErrorCode::kUsage,
                fmt::format("--week \"{}\" is not an ISO week such as 2026-W47", range.last_week));
  }
  if (range.weeks < 1 || range.weeks > kMaxReportWeeks) {
    return fail(ErrorCode::kUsage, fmt::format("--weeks {} is not 1 to {}", range.weeks,
                                               kMaxReportWeeks));
  }
  AuditReport report;
  report.from_unix = *last_monday - static_cast<std::int64_t>(range.weeks - 1) * kWeekSeconds;
  report.to_unix = *last_monday + kWeekSeconds;
  WeekTable table(report.from_unix, range.weeks);
  std::map<Digest, ReleaseUse> releases;
  std::set<std::string> serials;

  EntryQuery query;
  query.from_unix = report.from_unix;
  query.to_unix = report.to_unix;
  query.manifests = false;  // every count is an entry column: no manifest is read or parsed
  auto visited = store.query(query, [&](const LogEntry& entry) -> Result<void> {
    SI& s = table.station(entry.event_unix, entry.station_id.str());
    count_event(s, entry);
    bool drift = false;
    for (int kind : entry.finding_kinds) {
      if (kind == v1::Finding::STATION_DRIFT || kind == v1::Finding::DEVICE_TOOL_DRIFT) {
        drift = true;
      } else {
        count_finding(s, kind);
      }
    }
    if (drift) s.set_drift_incidents(s.drift_incidents() + 1);
    if (unit_passed(entry)) {
      if (auto digest = Digest::from_bytes(entry.bundle_digest)) {
        ReleaseUse& use = releases[*digest];
        use.bundle_digest = *digest;
        ++use.units;
        ++use.stations[entry.station_id.str()];
      }
    }
    if (!entry.serial.empty() && is_exception(entry) && !report.serials_truncated &&
        !serials.contains(entry.serial.str())) {
      if (serials.size() < range.max_serials) {
        serials.insert(entry.serial.str());
      } else {
        report.serials_truncated = true;
      }
    }
    return {};
  });
  if (!visited) return std::unexpected(std::move(visited).error());

  auto refused = store.findings_between(report.from_unix, report.to_unix);
  if (!refused) return std::unexpected(std::move(refused).error());
  for (const FindingRow& row : *refused) {
    if (row.log_index) continue;  // counted with its event above
    count_finding(table.station(row.time_unix, row.station_id.str()), row.kind);
  }
  report.weeks = table.take();

  for (auto& [digest, use] : releases) {
    auto row = store.release(digest);
    if (!row) return std::unexpected(std::move(row).error());
    if (*row) {
      use.sku = (*row)->sku;
      use.version = (*row)->version;
    }
    report.releases.push_back(std::move(use));
  }
  std::stable_sort(report.releases.begin(), report.releases.end(),
                   [](const ReleaseUse& a, const ReleaseUse& b) { return a.units > b.units; });
  report.exception_serials.assign(serials.begin(), serials.end());
  return report;
}

}  // namespace hallmark::evidence
