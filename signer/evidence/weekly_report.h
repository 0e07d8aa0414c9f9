// The weekly indicators (hallmark-signer report --week W): per station, the week's units,
// exceptions (line stops, reworks, scraps, failures, take-overs), break-glass events,
// station drift, log gaps (refused exports) and time-sync failures, and clone and bundle
// findings. Events count in the week of the station's event time; refused exports in the
// week countersign refused them. Reads the store (streams the week's entries); pure
// otherwise.
#pragma once

#include <string>

#include "hallmark/evidence.pb.h"
#include "signer/store/evidence_store.h"

namespace hallmark::evidence {

// kUsage unless `week` is an ISO week like 2026-W47.
[[nodiscard]] Result<v1::WeeklyReport> weekly_report(EvidenceStore& store, std::string_view week);

// The report as a table for people.
[[nodiscard]] std::string render_weekly_report(const v1::WeeklyReport& report);

}  // namespace hallmark::evidence
