#include "station-agent/station/clock_state.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hallmark::station {
namespace {

constexpr long kMicrosPerMilli = 1000;

}  // namespace

ClockState clock_state_from(int adjtimex_return, const timex& tx) {
  if (adjtimex_return < 0) {
    return {false, fmt::format("adjtimex: failed (return {}); clock state unknown",
                               adjtimex_return)};
  }
  // The kernel sets STA_UNSYNC until a discipline daemon clears it, and again on its own
  // when the estimated error grows past its limit (about 16 s) without updates.
  if ((tx.status & STA_UNSYNC) != 0) {
    return {false, "adjtimex: STA_UNSYNC set (no NTP/PTP discipline)"};
  }
  if (adjtimex_return == TIME_ERROR) {
    return {false, fmt::format("adjtimex: clock state TIME_ERROR (status {:#x}): the kernel "
                               "does not consider the clock synchronised",
                               static_cast<unsigned>(tx.status))};
  }
  return {true, fmt::format("adjtimex: clock synchronised (maxerror {} ms)",
                            static_cast<long>(tx.maxerror) / kMicrosPerMilli)};
}

Result<ClockState> read_clock_state() {
  timex tx{};
  tx.modes = 0;  // read only: never adjusts the clock
  const int rc = ::adjtimex(&tx);
  if (rc < 0) {
    const int error = errno;
    return fail(ErrorCode::kInternal,
                fmt::format("cannot read the clock state with adjtimex(2): {}; check that "
                            "the station runs on Linux without a seccomp filter blocking it",
                            std::strerror(error)));
  }
  return clock_state_from(rc, tx);
}

}  // namespace hallmark::station
