// The weekly indicators as text (hallmark-signer report --week W): per station, the week's
// units, exceptions (line stops, reworks, scraps, failures, take-overs), break-glass events,
// station drift, log gaps (refused exports) and time-sync failures, and clone and bundle
// findings; then the units each release went to. Counted by audit_report (audit_report.h),
// the one computation the HTML site (report_site.h) prints too. Pure but for
// weekly_report's store read. Strings from evidence are shown printable (no control bytes).
#pragma once

#include <string>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/audit_report.h"
#include "signer/store/evidence_store.h"

namespace hallmark::evidence {

// One week's indicators: audit_report over that week. kUsage unless `week` is an ISO week
// like 2026-W47.
[[nodiscard]] Result<v1::WeeklyReport> weekly_report(EvidenceStore& store, std::string_view week);

// One week's station table for people.
[[nodiscard]] std::string render_weekly_report(const v1::WeeklyReport& report);

// The whole report for people: each week's table, then the releases.
[[nodiscard]] std::string render_text_report(const AuditReport& report);

}  // namespace hallmark::evidence
