// The auditor's report as a site (hallmark-signer report --html): evidence strings cannot
// become markup, evidence names cannot overwrite the site's own pages, a failure leaves no
// half site, a directory that is not a report is never replaced, and a store of many
// exception units writes a bounded number of pages. On a throwaway SQLite store filled
// through the store's API (no tokens: the report reads what countersign stored).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/audit_report.h"
#include "signer/evidence/report_html.h"
#include "signer/evidence/report_site.h"
#include "signer/evidence/weekly_report.h"
#include "tests/store/store_test_support.h"
#include "verifier/core/time_format.h"

namespace fs = std::filesystem;
using namespace hallmark;
using namespace hallmark::evidence;

namespace {

constexpr std::string_view kHostileStation = "<script>alert(\"st\")</script>'\"&";
constexpr std::string_view kHostileSerial = "SN-<script>alert('sn')</script>";
constexpr std::string_view kHostileWhy = "reason \"quoted\" <script src=\"https://evil.example/x.js\"></script>";
const std::int64_t kMonday = *verifier::parse_iso_week("2026-W47");

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// What no page may hold: a script (inline or loaded), a load from the network.
void check_inert(const std::string& name, const std::string& html) {
  INFO(name);
  CHECK(lower(html).find("<script") == std::string::npos);
  static const std::regex network(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase);
  CHECK_FALSE(std::regex_search(html, network));
  CHECK(html.find("default-src 'none'") != std::string::npos);
}

v1::WeeklyReport week_with(std::string_view station, std::uint64_t passed, std::uint64_t gaps) {
  v1::WeeklyReport w;
  w.set_week("2026-W47");
  w.set_from_unix(kMonday);
  w.set_to_unix(kMonday + 7 * 86400);
  auto* s = w.add_stations();
  s->set_station_id(std::string(station));
  s->set_units_passed(passed);
  s->set_log_gaps(gaps);
  s->set_time_sync_failures(1);
  return w;
}

// An entry whose manifest carries `event`, `result` and `findings` finding kinds.
LogEntry entry(std::uint64_t index, std::string station, std::string serial, int event, int result,
               std::vector<int> findings = {}) {
  v1::ProvisioningManifest m;
  m.set_event(static_cast<v1::Attestation::Event>(event));
  m.set_result(static_cast<v1::Attestation::Result>(result));
  for (int kind : findings) m.add_findings()->set_kind(static_cast<v1::Finding::Kind>(kind));
  LogEntry e;
  e.index = index;
  e.leaf_hash = test::digest_of(static_cast<unsigned>(index));
  const std::string bytes = m.SerializeAsString();
  e.manifest.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                    reinterpret_cast<const std::byte*>(bytes.data() + bytes.size()));
  e.station_id = StationId(std::move(station));
  e.station_sequence = index + 1;
  e.record_hash = test::digest_of(0x40 + static_cast<unsigned>(index));
  e.hardware_id = HardwareId(serial.empty() ? "" : "HW-" + serial);
  e.serial = Serial(std::move(serial));
  e.event = event;
  e.result = result;
  e.event_unix = kMonday + 3600 + static_cast<std::int64_t>(index);
  e.finding_count = static_cast<std::uint32_t>(findings.size());
  e.finding_kinds = findings;  // as countersign writes them beside the manifest
  return e;
}

void fill(EvidenceStore& store, const std::vector<LogEntry>& entries) {
  REQUIRE(store.begin());
  for (const auto& e : entries) REQUIRE(store.append_entry(e));
  REQUIRE(store.commit());
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every name in `dir` (not recursive), for "nothing left behind".
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

constexpr int PROGRAM = v1::Attestation::PROGRAM, PASS = v1::Attestation::PASS,
              FAIL = v1::Attestation::FAIL;

}  // namespace

TEST_CASE("a station id, serial and reason holding <script> and quotes are text on every page, never markup") {
  AuditReport report;
  report.from_unix = kMonday;
  report.to_unix = kMonday + 7 * 86400;
  report.weeks.push_back(week_with(kHostileStation, 5, 1));
  ReleaseUse use;
  use.bundle_digest = test::digest_of(0xB1);
  use.sku = "<b>sku</b>";
  use.version = "1.0\"";
  use.units = 5;
  use.stations[std::string(kHostileStation)] = 5;
  report.releases.push_back(use);
  SerialHistory h;
  h.serial = kHostileSerial;
  h.rows.push_back({.log_index = 7, .event_unix = kMonday, .station_id = std::string(kHostileStation),
                    .sequence = 8, .event = "PROGRAM", .result = "FAIL", .hardware_id = "HW\"<i>",
                    .who = "operator <olga>", .findings = "none", .why = std::string(kHostileWhy),
                    .manifest_file = "SN-_3cscript_3e.7.manifest.json"});
  const SitePages pages = render_report_site(report, {h}, kMonday);
  REQUIRE(pages.size() >= 6);
  std::string all;
  for (const auto& [name, html] : pages) {
    check_inert(name, html);
    all += html;
  }
  CHECK(all.find("&lt;script&gt;alert(&quot;st&quot;)&lt;/script&gt;&#39;&quot;&amp;") != std::string::npos);
  CHECK(all.find("reason &quot;quoted&quot; &lt;script src=&quot;https://evil.example/x.js&quot;&gt;") != std::string::npos);
  CHECK(all.find("&lt;b&gt;sku&lt;/b&gt;") != std::string::npos);
  CHECK(all.find("operator &lt;olga&gt;") != std::string::npos);
  CHECK(all.find("<b>sku") == std::string::npos);
  CHECK(all.find("<i>") == std::string::npos);
}

TEST_CASE("a control byte in evidence is shown as \\xNN, not passed to the page raw") {
  CHECK(html_escape("a\nb\x1b[31m") == "a\\x0ab\\x1b[31m");
  CHECK(html_escape("<>&\"'") == "&lt;&gt;&amp;&quot;&#39;");
}

TEST_CASE("a station or serial named like a page of the site (index, ../index.html, empty) cannot replace it") {
  AuditReport report;
  report.from_unix = kMonday;
  report.to_unix = kMonday + 7 * 86400;
  v1::WeeklyReport w = week_with("index", 1, 0);
  for (const char* id : {"../index.html", "", "index.html", "/etc/passwd", "s-index"}) {
    w.add_stations()->set_station_id(id);
  }
  report.weeks.push_back(w);
  std::vector<SerialHistory> serials;
  for (const char* serial : {"index", "../releases.html", "u-index"}) {
    HistoryRow row;
    row.manifest_file = "x.manifest.json";
    serials.push_back({serial, {row}});
  }
  const SitePages pages = render_report_site(report, serials, kMonday);
  std::set<std::string> names;
  for (const auto& [name, html] : pages) {
    INFO(name);
    CHECK(names.insert(name).second);  // no page written twice
    CHECK(name.find("..") == std::string::npos);
    CHECK(std::count(name.begin(), name.end(), '/') <= 1);
  }
  CHECK(names.contains("index.html"));
  CHECK(names.contains("stations/index.html"));
  CHECK(names.contains("serials/index.html"));
  CHECK(names.contains("releases.html"));
  CHECK(names.size() == 1 + 1 + 1 + 6 + 1 + 1 + 3);  // index, week, stations, each, releases, units, each
}

TEST_CASE("the site and the text report print the same AuditReport (a hostile station id included)") {
  test::SqliteBackend backend;
  auto store = backend.open();
  fill(*store, {entry(0, std::string(kHostileStation), "SN-1", PROGRAM, PASS),
                entry(1, std::string(kHostileStation), "SN-2", PROGRAM, FAIL),
                entry(2, "station-2", "SN-3", PROGRAM, PASS, {v1::Finding::CLOCK_UNSYNCED})});
  auto report = audit_report(*store, {.last_week = "2026-W47", .weeks = 2, .max_serials = 0});
  REQUIRE(report);
  REQUIRE(report->weeks.size() == 2);
  CHECK(report->weeks[0].week() == "2026-W46");
  REQUIRE(report->weeks[1].stations_size() == 2);
  const std::string text = render_text_report(*report);
  CHECK(text.find("<script>") != std::string::npos);  // the terminal shows it as it is
  const fs::path dir = backend.dir() / "site";
  auto written = write_report_site(*store, *report, {}, dir, kMonday);
  REQUIRE(written);
  const std::string week = read(dir / "weeks/2026-W47.html");
  check_inert("week", week);
  // station-2: 1 passed, 1 time finding; the hostile station: 1 passed, 1 failed.
  CHECK(week.find("station-2</a></td><td class=\"n\">1</td><td class=\"n\">0</td>") != std::string::npos);
  CHECK(week.find("&lt;script&gt;alert(&quot;st&quot;)&lt;/script&gt;&#39;&quot;&amp;</a></td><td class=\"n\">1</td><td class=\"n\">1</td>") != std::string::npos);
  CHECK(read(dir / "index.html").find("Time-sync failures") != std::string::npos);
}

TEST_CASE("units with exceptions beyond --serial-pages get no page: at the limit all, at limit+1 the report says it dropped some") {
  test::SqliteBackend backend;
  auto store = backend.open();
  std::vector<LogEntry> entries;
  for (std::uint64_t i = 0; i < 5; ++i) entries.push_back(entry(i, "station-1", "SN-" + std::to_string(i), PROGRAM, FAIL));
  entries.push_back(entry(5, "station-1", "SN-ok", PROGRAM, PASS));
  fill(*store, entries);
  auto at_limit = audit_report(*store, {.last_week = "2026-W47", .weeks = 1, .max_serials = 5});
  REQUIRE(at_limit);
  CHECK(at_limit->exception_serials.size() == 5);
  CHECK_FALSE(at_limit->serials_truncated);
  auto below = audit_report(*store, {.last_week = "2026-W47", .weeks = 1, .max_serials = 4});
  REQUIRE(below);
  CHECK(below->exception_serials.size() == 4);
  CHECK(below->serials_truncated);
  CHECK(std::find(below->exception_serials.begin(), below->exception_serials.end(), "SN-ok") ==
        below->exception_serials.end());
}

TEST_CASE("a report of more than kMaxReportWeeks weeks, or of a week that is not an ISO week, is refused") {
  test::SqliteBackend backend;
  auto store = backend.open();
  CHECK(audit_report(*store, {.last_week = "2026-W47", .weeks = kMaxReportWeeks, .max_serials = 0}));
  auto over = audit_report(*store, {.last_week = "2026-W47", .weeks = kMaxReportWeeks + 1, .max_serials = 0});
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kUsage);
  CHECK_FALSE(audit_report(*store, {.last_week = "2026-47", .weeks = 1, .max_serials = 0}));
  CHECK_FALSE(audit_report(*store, {.last_week = "2026-W47", .weeks = 0, .max_serials = 0}));
}

TEST_CASE("a failure halfway (a unit's manifest cannot be written) leaves the previous site and no temporary directory") {
  test::SqliteBackend backend;
  auto store = backend.open();
  // No checkpoint covers the entries: the unit's manifest file cannot be made.
  fill(*store, {entry(0, "station-1", "SN-1", PROGRAM, FAIL)});
  const fs::path dir = backend.dir() / "site";
  auto first = audit_report(*store, {.last_week = "2026-W47", .weeks = 1, .max_serials = 0});
  REQUIRE(first);
  REQUIRE(write_report_site(*store, *first, {}, dir, kMonday));
  const std::string before = read(dir / "index.html");
  const auto names_before = names_in(backend.dir());

  auto second = audit_report(*store, {.last_week = "2026-W47", .weeks = 3, .max_serials = 10});
  REQUIRE(second);
  auto failed = write_report_site(*store, *second, {}, dir, kMonday + 1);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("checkpoint") != std::string::npos);
  CHECK(read(dir / "index.html") == before);
  CHECK(names_in(backend.dir()) == names_before);
  CHECK_FALSE(fs::exists(dir / "serials/u-SN-1.html"));

  // And with no site before: none after.
  const fs::path fresh = backend.dir() / "fresh";
  REQUIRE_FALSE(write_report_site(*store, *second, {}, fresh, kMonday));
  CHECK_FALSE(fs::exists(fresh));
  CHECK(names_in(backend.dir()) == names_before);
}

TEST_CASE("a directory that is not a report (a home, a typo) is refused and left as it was; a report is replaced") {
  test::SqliteBackend backend;
  auto store = backend.open();
  fill(*store, {entry(0, "station-1", "SN-1", PROGRAM, PASS)});
  auto report = audit_report(*store, {.last_week = "2026-W47", .weeks = 1, .max_serials = 0});
  REQUIRE(report);
  const fs::path home = backend.dir() / "home";
  fs::create_directories(home);
  { std::ofstream(home / "thesis.tex") << "years of work"; }
  auto refused = write_report_site(*store, *report, {}, home, kMonday);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUsage);
  CHECK(names_in(home) == std::set<std::string>{"thesis.tex"});

  const fs::path dir = backend.dir() / "site";
  REQUIRE(write_report_site(*store, *report, {}, dir, kMonday));
  auto wider = audit_report(*store, {.last_week = "2026-W47", .weeks = 2, .max_serials = 0});
  REQUIRE(wider);
  REQUIRE(write_report_site(*store, *wider, {}, dir, kMonday));
  CHECK(fs::exists(dir / "weeks/2026-W46.html"));
  for (const auto& name : names_in(backend.dir())) {
    CHECK_MESSAGE(name.find(".tmp-") == std::string::npos, name);  // the old site is gone too
  }
}
