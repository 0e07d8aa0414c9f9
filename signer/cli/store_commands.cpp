// hallmark-signer query, report and retention export (store_commands.h), moved out of
// signer/cli/evidence_commands.cpp unchanged.
#include "signer/cli/store_commands.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "verifier/io/clock.h"
#include "signer/cli/query_hint.h"
#include "signer/cli/query_output.h"
#include "signer/evidence/audit_report.h"
#include "signer/evidence/report_site.h"
#include "signer/evidence/retention.h"
#include "signer/evidence/weekly_report.h"
#include "verifier/core/time_format.h"
#include "verifier/tool/display_json.h"

namespace hallmark::signer {
namespace {

namespace fs = std::filesystem;

// --- query, report, retention ---

struct QueryOptions {
  StoreFlag store;
  std::optional<std::string> serial, hardware_id, station, firmware, from, to, week, result,
      finding;
  std::vector<std::string> events;
  bool exceptions = false;
  bool csv = false;
};

// An enum value by its name as the outputs print it (case-insensitive), or a usage error
// listing the names.
Result<int> enum_value(const std::string& flag, const std::string& text,
                       const google::protobuf::EnumDescriptor* names) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::replace(upper.begin(), upper.end(), '-', '_');
  if (const auto* value = names->FindValueByName(upper); value != nullptr && value->number() != 0) {
    return value->number();
  }
  std::string known;
  for (int i = 1; i < names->value_count(); ++i) {
    known += (known.empty() ? "" : ", ") + names->value(i)->name();
  }
  return fail(ErrorCode::kUsage, fmt::format("{} \"{}\" is not one of {}", flag, text, known));
}

Result<void> run_query(const QueryOptions& o, bool json) {
  evidence::EntryQuery q;
  // The flags' text becomes typed ids here, where it enters (verifier/core/ids.h).
  q.serial = optional_id<Serial>(o.serial);
  q.hardware_id = optional_id<HardwareId>(o.hardware_id);
  if (o.station) q.station_id = StationId(*o.station);
  if (o.firmware) {
    auto digest = verifier::Digest::from_hex(*o.firmware);
    if (!digest) return fail(ErrorCode::kUsage, fmt::format("--firmware \"{}\" is not a SHA-256 in hex", *o.firmware));
    q.firmware = *digest;
  }
  for (auto [text, slot, flag] : {std::tuple{&o.from, &q.from_unix, "--from"},
                                  std::tuple{&o.to, &q.to_unix, "--to"}}) {
    if (!*text) continue;
    auto day = verifier::parse_utc_day(**text);
    if (!day) return fail(ErrorCode::kUsage, fmt::format("{} \"{}\" is not a date like 2026-11-21", flag, **text));
    *slot = *day + (slot == &q.to_unix ? 24 * 3600 : 0);  // --to is inclusive of that day
  }
  if (o.week) {
    auto monday = verifier::parse_iso_week(*o.week);
    if (!monday) return fail(ErrorCode::kUsage, fmt::format("--week \"{}\" is not an ISO week like 2026-W47", *o.week));
    q.from_unix = std::max(q.from_unix.value_or(*monday), *monday);
    q.to_unix = std::min(q.to_unix.value_or(*monday + 7 * 24 * 3600), *monday + 7 * 24 * 3600);
  }
  for (const std::string& name : o.events) {
    auto event = enum_value("--event", name, v1::Attestation::Event_descriptor());
    if (!event) return std::unexpected(event.error());
    q.events.push_back(*event);
  }
  if (o.result) {
    auto result = enum_value("--result", *o.result, v1::Attestation::Result_descriptor());
    if (!result) return std::unexpected(result.error());
    q.result = *result;
  }
  if (o.finding) {
    auto kind = enum_value("--finding", *o.finding, v1::Finding::Kind_descriptor());
    if (!kind) return std::unexpected(kind.error());
    q.finding_kind = *kind;
  }
  q.exceptions = o.exceptions;
  auto store = o.store.open();
  if (!store) return std::unexpected(store.error());
  const QueryFormat format = json ? QueryFormat::kJson : o.csv ? QueryFormat::kCsv : QueryFormat::kText;
  if (auto ok = print_query(**store, q, format, std::cout); !ok) return ok;
  // Nothing for that unit: name the nearest serials (or hardware ids), on stderr so that
  // CSV and JSON stay data.
  auto hint = no_match_hint(**store, q);
  if (!hint) return std::unexpected(hint.error());
  if (!hint->empty()) std::cerr << *hint << '\n';
  return {};
}

struct ReportOptions {
  StoreFlag store;
  std::optional<std::string> week;
  std::optional<unsigned> weeks;
  std::optional<fs::path> html;
  std::vector<std::string> serials;
  std::size_t serial_pages = 500;
};

// The text table, the JSON and the site all print one evidence::AuditReport.
Result<void> run_report(const ReportOptions& o, bool json) {
  if (!o.html && (!o.serials.empty())) {
    return fail(ErrorCode::kUsage, "--serial is for --html (a unit's page); for its history as "
                                   "text: hallmark-signer query --serial SERIAL");
  }
  auto store = o.store.open();
  if (!store) return std::unexpected(store.error());
  evidence::AuditRange range;
  range.last_week = o.week.value_or(verifier::iso_week(unix_now()));
  range.weeks = o.weeks.value_or(o.html ? 12 : 1);
  range.max_serials = o.html ? o.serial_pages : 0;
  auto report = evidence::audit_report(**store, range);
  if (!report) return std::unexpected(report.error());
  if (o.html) {
    auto written = evidence::write_report_site(**store, *report, o.serials, *o.html, unix_now());
    if (!written) return std::unexpected(written.error());
    std::cout << fmt::format("Wrote the report for {} to {}: {} pages, {} units with their {} "
                             "manifests. Open {}\n",
                             range.weeks == 1 ? range.last_week
                                              : fmt::format("{} weeks to {}", range.weeks, range.last_week),
                             o.html->string(), written->pages, written->units, written->manifests,
                             (*o.html / "index.html").string());
    if (report->serials_truncated) {
      std::cerr << fmt::format("More than {} units had exceptions: the first {} have a page "
                               "(--serial-pages); list them all with hallmark-signer query "
                               "--exceptions\n", o.serial_pages, o.serial_pages);
    }
    return {};
  }
  if (json) {
    const auto layout = report->weeks.size() == 1 ? tool::JsonLayout::kIndented : tool::JsonLayout::kOneLine;
    for (const auto& week : report->weeks) std::cout << tool::to_display_json(week, layout) + "\n";
    return {};
  }
  std::cout << evidence::render_text_report(*report);
  return {};
}

struct RetentionOptions {
  StoreFlag store;
  std::string day;
  fs::path out;
};

Result<void> run_retention(const RetentionOptions& o) {
  auto store = o.store.open();
  if (!store) return std::unexpected(store.error());
  auto written = evidence::export_segment(**store, o.day, o.out);
  if (!written) return std::unexpected(written.error());
  std::cout << fmt::format("Wrote {} (read-only): log entries {}..{} of {}, {} entries\n"
                           "Check it with: hallmark-verify log {} --trust-root ...\n",
                           written->file.string(), written->first_index,
                           written->first_index + written->entries - 1, written->tree_size,
                           written->entries, written->file.string());
  return {};
}

}  // namespace

void add_store_flag(CLI::App& cmd, StoreFlag& store) {
  cmd.add_option("--store", store.location,
                 "Evidence store: a SQLite file (or sqlite:PATH), or postgresql://... / "
                 "postgres:CONNINFO")
      ->required();
}

void add_store_commands(tool::CommandLine& cli) {
  auto q = std::make_shared<QueryOptions>();
  auto* qc = cli.add(cli.app(), "query",
                     "Traceability: which units, stations and firmware, from the evidence store",
                     [q, &cli] { return run_query(*q, cli.json()); });
  add_store_flag(*qc, q->store);
  qc->add_option("--serial", q->serial, "A unit's serial: its whole history");
  qc->add_option("--hardware-id", q->hardware_id, "A device's hardware id");
  qc->add_option("--firmware", q->firmware,
                 "SHA-256 of an image or bundle: every unit that received it");
  qc->add_option("--station", q->station, "A station's id");
  qc->add_option("--from", q->from, "First day (YYYY-MM-DD, UTC, event time)");
  qc->add_option("--to", q->to, "Last day (YYYY-MM-DD, inclusive)");
  qc->add_option("--week", q->week, "ISO week of the event time, e.g. 2026-W47 (UTC)");
  qc->add_option("--event", q->events,
                 "Only these events (PROGRAM, REWORK, SCRAP, LINE_STOP, BREAK_GLASS, ...; "
                 "repeatable)");
  qc->add_option("--result", q->result, "Only this result (PASS, FAIL, SCRAPPED)");
  qc->add_option("--finding", q->finding,
                 "Only entries carrying a finding of this kind (CLOCK_UNSYNCED, CLAIM_MISMATCH, "
                 "...)");
  qc->add_flag("--exceptions", q->exceptions,
               "Only exceptions: failures, reworks, scraps, line stops, break-glass, take-overs, "
               "returned units and entries with findings, with who and why");
  qc->add_flag("--csv", q->csv, "CSV instead of a table");

  auto r = std::make_shared<ReportOptions>();
  auto* rc = cli.add(cli.app(), "report",
                     "Weekly indicators per station: exceptions, drift, log gaps, time-sync "
                     "failures, break-glass",
                     [r, &cli] { return run_report(*r, cli.json()); });
  add_store_flag(*rc, r->store);
  rc->add_option("--week", r->week, "ISO week, e.g. 2026-W47: the (last) week reported "
                                    "(default: this week, UTC)");
  rc->add_option("--weeks", r->weeks, "Weeks ending with --week (default 1; 12 with --html)");
  rc->add_option("--html", r->html,
                 "Write the report as a static site into this directory (self-contained: "
                 "opens offline); replaces a report written there before");
  rc->add_option("--serial-pages", r->serial_pages,
                 "With --html: the most units with exceptions that get a page with their "
                 "history and manifests (default 500)");
  rc->add_option("--serial", r->serials, "With --html: also this unit's page (repeatable)");

  auto t = std::make_shared<RetentionOptions>();
  auto* retention = cli.app().add_subcommand("retention", "Retention of the evidence log");
  retention->require_subcommand(1);
  auto* rx = cli.add(*retention, "export",
                     "Write one day's log entries as a write-once segment with checkpoints and "
                     "a consistency proof",
                     [t] { return run_retention(*t); });
  add_store_flag(*rx, t->store);
  rx->add_option("--day", t->day, "UTC day, YYYY-MM-DD")->required();
  rx->add_option("--out", t->out, "Directory for the segment")->required();
}

}  // namespace hallmark::signer
