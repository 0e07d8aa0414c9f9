#include "verifier/core/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hallmark::verifier {

std::string format_utc(std::int64_t unix_time) {
  const auto t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_time) + " (unix)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace hallmark::verifier

namespace hallmark::verifier {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

std::optional<int> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::int64_t unix_of(sys_days d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d.time_since_epoch()).count();
}

}  // namespace

std::optional<std::int64_t> parse_utc_day(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return std::nullopt;
  auto y = digits(day.substr(0, 4));
  auto m = digits(day.substr(5, 2));
  auto d = digits(day.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*m)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return unix_of(sys_days{ymd});
}

std::optional<std::int64_t> parse_iso_week(std::string_view week) {
  if (week.size() != 8 || week[4] != '-' || week[5] != 'W') return std::nullopt;
  auto y = digits(week.substr(0, 4));
  auto w = digits(week.substr(6, 2));
  if (!y || !w || *w < 1 || *w > 53) return std::nullopt;
  // Week 1 is the week with January 4th; weeks start on Monday.
  const sys_days jan4{std::chrono::year{*y} / std::chrono::January / 4};
  const std::chrono::weekday wd{jan4};
  const sys_days week1 = jan4 - days{(wd.c_encoding() + 6) % 7};
  const sys_days monday = week1 + days{7 * (*w - 1)};
  // Week 53 exists only in years whose last week has Thursday in that year.
  const sys_days thursday = monday + days{3};
  if (std::chrono::year_month_day{thursday}.year() != std::chrono::year{*y}) return std::nullopt;
  return unix_of(monday);
}

std::string iso_week(std::int64_t unix_time) {
  const sys_days d = std::chrono::floor<days>(std::chrono::sys_seconds{std::chrono::seconds{unix_time}});
  // The week belongs to the year of its Thursday.
  const unsigned weekday = (std::chrono::weekday{d}.c_encoding() + 6) % 7;  // Monday = 0
  const sys_days thursday = d - days{weekday} + days{3};
  const int year = static_cast<int>(std::chrono::year_month_day{thursday}.year());
  const sys_days jan1{std::chrono::year{year} / std::chrono::January / 1};
  const int week = static_cast<int>((thursday - jan1).count() / 7) + 1;
  char out[32];
  std::snprintf(out, sizeof out, "%04d-W%02d", year, week);
  return out;
}

std::string utc_day(std::int64_t unix_time) {
  const sys_days d = std::chrono::floor<days>(std::chrono::sys_seconds{std::chrono::seconds{unix_time}});
  const std::chrono::year_month_day ymd{d};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

std::optional<std::int64_t> parse_utc_time(std::string_view text) {
  if (!text.empty() && text.size() <= 12 &&
      text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return v;
  }
  if (text.size() == 10) return parse_utc_day(text);
  if (text.size() < 17 || text[10] != 'T') return std::nullopt;
  auto day = parse_utc_day(text.substr(0, 10));
  if (!day) return std::nullopt;
  std::string_view rest = text.substr(11);  // HH:MM[:SS](Z|+00:00)
  if (rest.ends_with("Z")) {
    rest.remove_suffix(1);
  } else if (rest.ends_with("+00:00")) {
    rest.remove_suffix(6);
  } else {
    return std::nullopt;
  }
  if ((rest.size() != 5 && rest.size() != 8) || rest[2] != ':' ||
      (rest.size() == 8 && rest[5] != ':')) {
    return std::nullopt;
  }
  auto h = digits(rest.substr(0, 2));
  auto m = digits(rest.substr(3, 2));
  auto s = rest.size() == 8 ? digits(rest.substr(6, 2)) : std::optional<int>(0);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 59) return std::nullopt;
  return *day + *h * 3600 + *m * 60 + *s;
}

}  // namespace hallmark::verifier
