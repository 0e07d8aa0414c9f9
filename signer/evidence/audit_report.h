// The auditor's report, computed once for every renderer: the text report
// (`hallmark-signer report --week W`, weekly_report.h) and the static site (`report --html
// DIR`, report_site.h) print this structure and count nothing themselves, so the page and
// the table cannot disagree.
//
// One streamed query over the range's entries (event time) and one read of the findings
// countersign recorded in it: per ISO week and per station the indicators (events count in
// the week of the station's event time, refused exports in the week countersign refused
// them), per release the units that passed programming with it and at which stations, and
// the serials whose entries are exceptions (a failure, rework, scrap, line stop,
// break-glass, take-over, or any finding) — bounded, so a store of millions of units gives a
// report of a size an auditor can open. Reads the store only; not thread-safe (one store
// object per thread). Every string in it comes from evidence: renderers escape it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "signer/store/evidence_store.h"

namespace hallmark::evidence {

// The most weeks one report covers (a chart column each).
inline constexpr unsigned kMaxReportWeeks = 520;

struct AuditRange {
  std::string last_week;   // ISO week, e.g. 2026-W47: the range ends with it
  unsigned weeks = 1;      // 1..kMaxReportWeeks weeks, ending with last_week
  // The most serials listed as exceptions (0: none); more are dropped and
  // AuditReport::serials_truncated says so.
  std::size_t max_serials = 0;
};

// A release as the range's entries used it: PROGRAM, REWORK and TAKE_OVER events that
// passed and name its bundle digest (what the indicators count as units passed).
struct ReleaseUse {
  Digest bundle_digest;
  std::string sku;          // empty when the store holds no promoted release of that digest
  std::string version;
  std::uint64_t units = 0;
  std::map<std::string, std::uint64_t> stations;  // station id -> units
};

struct AuditReport {
  std::int64_t from_unix = 0;   // Monday 00:00 UTC of the first week
  std::int64_t to_unix = 0;     // the Monday after the last week
  // Every week of the range, oldest first (a week with nothing has no stations); each is
  // what `report --week` prints and `--json report` shows.
  std::vector<v1::WeeklyReport> weeks;
  std::vector<ReleaseUse> releases;             // most units first, then by digest
  std::vector<std::string> exception_serials;   // sorted
  bool serials_truncated = false;               // more than max_serials had exceptions
};

// kUsage naming the flag unless last_week is an ISO week and weeks is in range.
[[nodiscard]] Result<AuditReport> audit_report(EvidenceStore& store, const AuditRange& range);

// The indicators, in the order every renderer shows them: one list, so a column cannot be
// in the table and missing from the page.
struct Indicator {
  std::string_view heading;  // the text table's column ("passed", "gaps", ...)
  std::string_view title;    // what it counts, for people
  std::uint64_t (*get)(const v1::StationIndicators&);
  bool attention;            // a finding an auditor must look at (the site's front page)
};
[[nodiscard]] std::span<const Indicator> indicators();

// Adds each indicator of `row` to `total` (a week's stations, a station's weeks).
void add_indicators(v1::StationIndicators& total, const v1::StationIndicators& row);

}  // namespace hallmark::evidence
