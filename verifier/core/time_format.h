// Times for people and for flags, in one place: every rendering of a time (text output,
// messages, the "...Utc" companions of JSON output) goes through format_utc, and every flag
// that takes a time (--at) goes through parse_utc_time. Both are ISO 8601 in UTC
// ("2026-11-21T14:13:20Z"); machine-readable output keeps the Unix seconds beside it.
// Thread-safe: pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallmark::verifier {

// "2025-06-15T14:13:20Z" (ISO 8601, UTC); "<n> (unix)" when the system cannot convert it.
std::string format_utc(std::int64_t unix_time);

// A time given by a person: Unix seconds ("1764000000"), an ISO 8601 UTC time
// ("2026-11-21T14:13:20Z", "+00:00" for "Z" and a missing ":SS" accepted) or a UTC day
// ("2026-11-21", its 00:00). nullopt for anything else, including local times (no zone or
// another offset: a time without its zone is ambiguous) and impossible dates.
std::optional<std::int64_t> parse_utc_time(std::string_view text);

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
