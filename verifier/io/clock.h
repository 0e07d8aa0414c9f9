// The wall clock, read in one place: every command that needs "now" (to judge validity
// windows and revocations, to date what it signs) asks unix_now(). Libraries never read
// the clock themselves: they take the time as an argument, so tests and verifiers can
// pass a fixed reference time. Thread-safe.
#pragma once

#include <cstdint>

namespace hallmark {

// Seconds since the Unix epoch (UTC), from the system clock.
[[nodiscard]] std::int64_t unix_now();

}  // namespace hallmark
