// Times shown to people: unix seconds as UTC text. The one formatter every human-readable
// rendering uses (JSON output keeps the numbers). Thread-safe: pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallmark::verifier {

// "2025-06-15 14:13:20 UTC"; "<n> (unix)" when the system cannot convert it.
std::string format_utc(std::int64_t unix_time);

}  // namespace hallmark::verifier

namespace hallmark::verifier {

// "2026-11-21" → unix time of that day's 00:00 UTC; nullopt unless exactly YYYY-MM-DD and a
// real date.
std::optional<std::int64_t> parse_utc_day(std::string_view day);
// "2026-W47" (ISO 8601 week) → unix time of its Monday 00:00 UTC; nullopt unless valid.
std::optional<std::int64_t> parse_iso_week(std::string_view week);
// The ISO 8601 week of a unix time (UTC), "YYYY-Www".
std::string iso_week(std::int64_t unix_time);
// The UTC day of a unix time, "YYYY-MM-DD".
std::string utc_day(std::int64_t unix_time);

}  // namespace hallmark::verifier
