// Whether this station's system clock is disciplined (NTP, PTP), as the kernel sees it.
//
// Attestations and device certificates carry wall-clock times; a station whose clock runs
// free can stamp them wrongly without anyone noticing. read_clock_state() asks the kernel
// with adjtimex(2) in read-only mode (modes = 0: it never sets or slews the clock and needs
// no privilege) and reports "not synchronised" when the call returns TIME_ERROR or the
// status has STA_UNSYNC set. clock_state_from() is the decision alone, for crafted values.
// It reports; deciding whether an unsynchronised clock stops the line is the caller's job.
// Thread-safe: adjtimex with modes = 0 reads kernel state only; no shared state here.
#pragma once

#include <string>

#include <sys/timex.h>

#include "verifier/core/error.h"

namespace hallmark::station {

struct ClockState {
  bool synchronised = false;
  // For people, e.g. "adjtimex: clock synchronised (maxerror 12 ms)" or
  // "adjtimex: STA_UNSYNC set (no NTP/PTP discipline)".
  std::string detail;
};

// The decision from adjtimex's return value (TIME_OK, TIME_INS, ..., TIME_ERROR) and the
// `timex` it filled in: synchronised unless the return is TIME_ERROR (or negative) or
// `status` has STA_UNSYNC.
[[nodiscard]] ClockState clock_state_from(int adjtimex_return, const timex& tx);

// adjtimex(2) with modes = 0. kInternal (with errno's text) only if the call itself fails.
[[nodiscard]] Result<ClockState> read_clock_state();

}  // namespace hallmark::station
