#include "signer/evidence/report_html.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "signer/evidence/manifest_files.h"
#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence {
namespace {

using SI = v1::StationIndicators;

std::string e(std::string_view text) { return html_escape(text); }

// Page names from evidence: file_safe (one to one, no '.' or '/') behind a prefix, so no
// station or serial can name a page of the site's own ("index").
std::string station_page(const std::string& id) { return "stations/s-" + file_safe(id) + ".html"; }
std::string serial_page(const std::string& serial) { return "serials/u-" + file_safe(serial) + ".html"; }

// Loads nothing: no script, no connection, no frame; inline styles and data: images only.
constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:sans-serif;margin:1.5em;color:#222;max-width:72em}}
nav a{{margin-right:1em}} h1{{font-size:1.4em}} h2{{font-size:1.15em;margin-top:1.6em}}
table{{border-collapse:collapse;margin:.5em 0}} th,td{{border:1px solid #ccc;padding:.2em .5em}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}} tr.total td{{font-weight:bold}}
td.hot{{background:#fde2e1}} .ok{{color:#1a7f37}} .warn{{color:#b42318;font-weight:bold}}
.charts{{display:flex;flex-wrap:wrap;gap:1em}} figure{{margin:0}} figcaption{{font-size:.85em}}
code,pre{{background:#f4f4f4;padding:.1em .3em}} .small{{font-size:.85em;color:#555}}
</style></head><body>
<nav><a href="{root}index.html">Overview</a><a href="{root}stations/index.html">Stations</a><a href="{root}releases.html">Releases</a><a href="{root}serials/index.html">Units</a></nav>
<h1>{title}</h1>
)";

std::string page(std::string_view title, std::string_view root, const std::string& body) {
  return fmt::format(fmt::runtime(kHead), fmt::arg("title", e(title)), fmt::arg("root", root)) +
         body + "</body></html>\n";
}

std::string week_link(std::string_view root, const std::string& week) {
  return fmt::format(R"(<a href="{}weeks/{}.html">{}</a>)", root, week, week);
}

std::string station_link(std::string_view root, const std::string& id) {
  return fmt::format(R"(<a href="{}{}">{}</a>)", root, station_page(id), e(id));
}

std::string serial_link(std::string_view root, const std::string& serial) {
  return fmt::format(R"(<a href="{}{}">{}</a>)", root, serial_page(serial), e(serial));
}

// One chart: a bar per week, the week and value in each bar's tooltip.
std::string bar_chart(std::string_view title, const std::vector<std::string>& weeks,
                      const std::vector<std::uint64_t>& values) {
  constexpr int kWidth = 300, kHeight = 80, kTop = 14, kBottom = 14;
  const std::uint64_t max = *std::max_element(values.begin(), values.end());
  const std::uint64_t top = std::max<std::uint64_t>(1, max);
  const double step = static_cast<double>(kWidth) / static_cast<double>(values.size());
  std::string bars;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double h = static_cast<double>(kHeight - kTop - kBottom) *
                     static_cast<double>(values[i]) / static_cast<double>(top);
    bars += fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {}</title></rect>)",
        static_cast<double>(i) * step + 1, kHeight - kBottom - h, std::max(1.0, step - 2), h,
        values[i] == 0 ? "#ccc" : "#3060a0", weeks[i], values[i]);
  }
  return fmt::format(
      R"(<figure><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}">)"
      R"(<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="#888"/>{bars})"
      R"(<text x="0" y="10" font-size="10">max {top}</text>)"
      R"(<text x="0" y="{h}" font-size="10">{first}</text><text x="{w}" y="{h}" font-size="10" text-anchor="end">{last}</text>)"
      "</svg><figcaption>{t}</figcaption></figure>\n",
      fmt::arg("w", kWidth), fmt::arg("h", kHeight), fmt::arg("base", kHeight - kBottom),
      fmt::arg("bars", bars), fmt::arg("top", max), fmt::arg("first", weeks.front()),
      fmt::arg("last", weeks.back()), fmt::arg("t", e(title)));
}

// A chart for each indicator over `rows` (one per week).
std::string trend_charts(const std::vector<std::string>& weeks, const std::vector<SI>& rows) {
  std::string out = "<div class=\"charts\">\n";
  for (const Indicator& i : indicators()) {
    std::vector<std::uint64_t> values;
    for (const SI& s : rows) values.push_back(i.get(s));
    out += bar_chart(i.title, weeks, values);
  }
  return out + "</div>\n";
}

std::string indicator_headings(std::string_view first) {
  std::string out = fmt::format("<tr><th>{}</th>", first);
  for (const Indicator& i : indicators()) {
    out += fmt::format(R"(<th class="n" title="{}">{}</th>)", e(i.title), i.heading);
  }
  return out + "</tr>\n";
}

std::string indicator_cells(const SI& s) {
  std::string out;
  for (const Indicator& i : indicators()) {
    const std::uint64_t n = i.get(s);
    out += fmt::format(R"(<td class="n{}">{}</td>)", i.attention && n > 0 ? " hot" : "", n);
  }
  return out;
}

SI week_total(const v1::WeeklyReport& week) {
  SI total;
  for (const SI& s : week.stations()) add_indicators(total, s);
  return total;
}

std::uint64_t attention_sum(const SI& s) {
  std::uint64_t n = 0;
  for (const Indicator& i : indicators()) {
    if (i.attention) n += i.get(s);
  }
  return n;
}

// Each station's weeks, oldest first (a week without it: zeros).
std::map<std::string, std::vector<SI>> station_weeks(const AuditReport& report) {
  std::map<std::string, std::vector<SI>> out;
  for (std::size_t w = 0; w < report.weeks.size(); ++w) {
    for (const SI& s : report.weeks[w].stations()) {
      auto& rows = out[s.station_id()];
      rows.resize(report.weeks.size());
      rows[w] = s;
    }
  }
  return out;
}

std::string render_index(const AuditReport& report, const std::vector<std::string>& weeks,
                         const std::map<std::string, std::vector<SI>>& stations,
                         std::size_t serial_pages, std::int64_t generated_unix) {
  std::string b = fmt::format(
      "<p>Weeks {} to {} ({} to {}), from the signer's evidence store; generated {}. The "
      "same numbers as <code>hallmark-signer report --week W</code>. The store is the "
      "signer's index, not a proof: verify the manifests of any unit that matters.</p>\n",
      weeks.front(), weeks.back(), verifier::format_utc(report.from_unix),
      verifier::format_utc(report.to_unix), verifier::format_utc(generated_unix));

  b += "<h2 id=\"attention\">What needs attention</h2>\n";
  std::vector<std::pair<std::string, SI>> flagged;
  for (const auto& [id, rows] : stations) {
    SI total;
    for (const SI& s : rows) add_indicators(total, s);
    if (attention_sum(total) > 0) flagged.emplace_back(id, total);
  }
  std::stable_sort(flagged.begin(), flagged.end(), [](const auto& x, const auto& y) {
    return attention_sum(x.second) > attention_sum(y.second);
  });
  if (flagged.empty()) {
    b += "<p class=\"ok\">No findings, break-glass, drift or log gaps in these weeks.</p>\n";
  } else {
    b += "<p class=\"warn\">Stations with findings, break-glass, drift or log gaps in these weeks:</p>\n"
         "<table class=\"attention\">" + indicator_headings("station");
    for (const auto& [id, total] : flagged) {
      b += "<tr class=\"row\"><td>" + station_link("", id) + "</td>" + indicator_cells(total) + "</tr>\n";
    }
    b += "</table>\n";
  }
  auto list = [&](std::string_view heading, auto&& pick) {
    std::string items;
    for (std::size_t w = 0; w < report.weeks.size(); ++w) {
      for (const SI& s : report.weeks[w].stations()) {
        const std::uint64_t n = pick(s);
        if (n > 0) {
          items += fmt::format("<li>{} in {}: {}</li>\n", station_link("", s.station_id()),
                               week_link("", weeks[w]), n);
        }
      }
    }
    b += fmt::format("<h3>{}</h3>\n", heading);
    b += items.empty() ? std::string("<p class=\"ok\">None.</p>\n") : "<ul>\n" + items + "</ul>\n";
  };
  list("Time-sync failures", [](const SI& s) { return s.time_sync_failures(); });
  list("Drift incidents", [](const SI& s) { return s.drift_incidents(); });
  list("Log gaps (refused exports)", [](const SI& s) { return s.log_gaps(); });
  b += fmt::format("<h3>Units with exceptions</h3>\n<p>{} units with a failure, rework, scrap, "
                   "break-glass, take-over or finding have a page: <a href=\"serials/index.html\">"
                   "units</a>.{}</p>\n",
                   serial_pages,
                   report.serials_truncated
                       ? " <span class=\"warn\">More units had exceptions than pages were "
                         "written (--serial-pages); ask with <code>hallmark-signer query "
                         "--exceptions</code>.</span>"
                       : "");

  b += "<h2>Trend over the weeks (all stations)</h2>\n";
  std::vector<SI> totals;
  for (const auto& week : report.weeks) totals.push_back(week_total(week));
  b += trend_charts(weeks, totals);
  b += "<h2>Weeks</h2>\n<table class=\"weeks\">" + indicator_headings("week");
  for (std::size_t w = report.weeks.size(); w-- > 0;) {
    b += "<tr class=\"row\"><td>" + week_link("", weeks[w]) + "</td>" + indicator_cells(totals[w]) + "</tr>\n";
  }
  b += "</table>\n";
  return page("Hallmark evidence report", "", b);
}

std::string render_week(const v1::WeeklyReport& week) {
  std::string b = fmt::format("<p>{} to {} (station event time; refused exports by countersign "
                              "time). As <code>hallmark-signer report --week {}</code>.</p>\n",
                              verifier::format_utc(week.from_unix()),
                              verifier::format_utc(week.to_unix()), week.week());
  if (week.stations().empty()) {
    b += "<p>No station events or findings this week.</p>\n";
  } else {
    b += "<table class=\"indicators\">" + indicator_headings("station");
    for (const SI& s : week.stations()) {
      b += "<tr class=\"row\"><td>" + station_link("../", s.station_id()) + "</td>" + indicator_cells(s) + "</tr>\n";
    }
    b += "<tr class=\"total\"><td>all stations</td>" + indicator_cells(week_total(week)) + "</tr>\n</table>\n";
  }
  return page("Week " + week.week(), "../", b);
}

std::string render_station(const std::string& id, const std::vector<std::string>& weeks,
                           const std::vector<SI>& rows) {
  std::string b = "<h2>Trend</h2>\n" + trend_charts(weeks, rows);
  b += "<h2>Weeks</h2>\n<table class=\"indicators\">" + indicator_headings("week");
  for (std::size_t w = rows.size(); w-- > 0;) {
    b += "<tr class=\"row\"><td>" + week_link("../", weeks[w]) + "</td>" + indicator_cells(rows[w]) + "</tr>\n";
  }
  b += "</table>\n";
  return page("Station " + verifier::printable(id), "../", b);
}

std::string render_stations(const std::map<std::string, std::vector<SI>>& stations) {
  std::string b = "<table class=\"indicators\">" + indicator_headings("station");
  for (const auto& [id, rows] : stations) {
    SI total;
    for (const SI& s : rows) add_indicators(total, s);
    b += "<tr class=\"row\"><td>" + station_link("../", id) + "</td>" + indicator_cells(total) + "</tr>\n";
  }
  return page("Stations (all weeks)", "../", b + "</table>\n");
}

std::string render_releases(const AuditReport& report) {
  std::string b = "<p>Units that passed programming (PROGRAM, REWORK, TAKE_OVER) with each "
                  "release in these weeks, and where. Every unit: <code>hallmark-signer query "
                  "--firmware DIGEST --csv</code>.</p>\n";
  if (report.releases.empty()) return page("Releases", "", b + "<p>None.</p>\n");
  b += "<table class=\"releases\"><tr><th>sku</th><th>version</th><th class=\"n\">units</th>"
       "<th>bundle digest</th><th>stations</th></tr>\n";
  for (const ReleaseUse& r : report.releases) {
    std::string where;
    for (const auto& [id, units] : r.stations) {
      where += fmt::format("{}{}: {}", where.empty() ? "" : ", ", station_link("", id), units);
    }
    b += fmt::format("<tr class=\"row\"><td>{}</td><td>{}</td><td class=\"n\">{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                     r.sku.empty() ? "<span class=\"warn\">not promoted</span>" : e(r.sku),
                     r.version.empty() ? "-" : e(r.version), r.units, r.bundle_digest.hex(), where);
  }
  return page("Releases", "", b + "</table>\n");
}

std::string render_serial(const SerialHistory& h) {
  std::string b =
      "<p>Every entry of the log for this unit, as <code>hallmark-signer query --serial</code> "
      "lists them. Check each manifest with the trust root alone, from the report's "
      "directory (pin the root's anchor with <code>--pin-digest</code> or "
      "<code>HALLMARK_ANCHOR</code>):</p>\n<table class=\"history\"><tr><th>entry</th><th>event "
      "time</th><th>station</th><th>seq</th><th>event</th><th>result</th><th>hardware id</th>"
      "<th>who</th><th>findings</th><th>why</th><th>manifest</th></tr>\n";
  std::string commands;
  for (const HistoryRow& r : h.rows) {
    b += fmt::format(
        "<tr class=\"row\"><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td><a href=\"../manifests/{}\">{}</a></td></tr>\n",
        r.log_index, verifier::format_utc(r.event_unix), station_link("../", r.station_id),
        r.sequence, e(r.event), e(r.result), e(r.hardware_id.empty() ? "-" : r.hardware_id),
        e(r.who), e(r.findings), e(r.why.empty() ? "-" : r.why), r.manifest_file,
        r.manifest_file);
    commands += fmt::format("hallmark-verify manifest manifests/{} --trust-root trust-root-v1.json\n",
                            r.manifest_file);
  }
  b += "</table>\n<h2>Verify</h2>\n<pre class=\"verify\">" + commands + "</pre>\n";
  return page("Unit " + verifier::printable(h.serial), "../", b);
}

std::string render_serials(const AuditReport& report, const std::vector<SerialHistory>& serials) {
  std::string b = fmt::format(
      "<p>Units with an exception in these weeks (a failure, rework, scrap, break-glass, "
      "take-over or finding){}, and any asked for with <code>--serial</code>. Any other "
      "unit: <code>hallmark-signer query --serial SERIAL</code>.</p>\n",
      report.serials_truncated ? ": <span class=\"warn\">only the first ones (--serial-pages)</span>" : "");
  if (serials.empty()) return page("Units", "../", b + "<p>None.</p>\n");
  b += "<ul>\n";
  for (const SerialHistory& h : serials) {
    b += fmt::format("<li>{} ({} entries)</li>\n", serial_link("../", h.serial), h.rows.size());
  }
  return page("Units", "../", b + "</ul>\n");
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : verifier::printable(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

SitePages render_report_site(const AuditReport& report, const std::vector<SerialHistory>& serials,
                             std::int64_t generated_unix) {
  std::vector<std::string> weeks;
  for (const auto& week : report.weeks) weeks.push_back(week.week());
  const auto stations = station_weeks(report);
  SitePages pages;
  pages.emplace_back("index.html", render_index(report, weeks, stations, serials.size(), generated_unix));
  for (const auto& week : report.weeks) pages.emplace_back("weeks/" + week.week() + ".html", render_week(week));
  pages.emplace_back("stations/index.html", render_stations(stations));
  for (const auto& [id, rows] : stations) {
    pages.emplace_back(station_page(id), render_station(id, weeks, rows));
  }
  pages.emplace_back("releases.html", render_releases(report));
  pages.emplace_back("serials/index.html", render_serials(report, serials));
  for (const SerialHistory& h : serials) {
    pages.emplace_back(serial_page(h.serial), render_serial(h));
  }
  return pages;
}

}  // namespace hallmark::evidence
