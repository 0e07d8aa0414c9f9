// Times shown to people: unix seconds as UTC text. The one formatter every human-readable
// rendering uses (JSON output keeps the numbers). Thread-safe: pure.
#pragma once

#include <cstdint>
#include <string>

namespace hallmark::verifier {

// "2025-06-15 14:13:20 UTC"; "<n> (unix)" when the system cannot convert it.
std::string format_utc(std::int64_t unix_time);

}  // namespace hallmark::verifier
