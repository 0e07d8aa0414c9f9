// The auditor's report as static HTML pages (hallmark-signer report --html), rendered from
// the AuditReport the text report prints (audit_report.h) and the histories of the units it
// lists: nothing here counts or queries.
//
// Self-contained: no script, no external stylesheet, font or image (charts are inline SVG)
// and a Content-Security-Policy that forbids loading anything, so a page opened from a
// USB stick or a mail attachment makes no network request. Every string that comes from
// evidence (station ids, serials, hardware ids, names, reasons, SKUs) is HTML-escaped after
// control bytes are made printable; links and file names are built only from file_safe()
// names (manifest_files.h) and ISO weeks, never from raw evidence. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signer/evidence/audit_report.h"

namespace hallmark::evidence {

// One entry of a unit's history, as `hallmark-signer query --serial` shows it.
struct HistoryRow {
  std::uint64_t log_index = 0;
  std::int64_t event_unix = 0;
  std::string station_id;
  std::uint64_t sequence = 0;
  std::string event;          // PROGRAM, REWORK, ...
  std::string result;         // PASS, FAIL, ... or "-"
  std::string hardware_id;
  std::string who;            // who_text (event_answer.h)
  std::string findings;       // kinds_text, or "none"
  std::string why;
  std::string manifest_file;  // manifest_file_name(serial, log_index)
};

struct SerialHistory {
  std::string serial;
  std::vector<HistoryRow> rows;  // log order
};

// Text safe in an HTML text node or a double- or single-quoted attribute: control bytes
// as \xNN (printable.h), then & < > " ' as character references.
[[nodiscard]] std::string html_escape(std::string_view text);

// The pages, as (path relative to the site's root, content): index.html, weeks/W.html,
// stations/index.html, stations/ID.html, releases.html, serials/index.html and
// serials/SERIAL.html for each history given. `generated` is shown on the front page.
using SitePages = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] SitePages render_report_site(const AuditReport& report,
                                           const std::vector<SerialHistory>& serials,
                                           std::int64_t generated_unix);

}  // namespace hallmark::evidence
