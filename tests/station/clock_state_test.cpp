// The clock-discipline decision from crafted adjtimex(2) results, and one real read.
#include <doctest/doctest.h>

#include <sys/timex.h>

#include "station-agent/station/clock_state.h"

using namespace hallmark;

namespace {

timex crafted(int status, long maxerror_us) {
  timex tx{};
  tx.status = status;
  tx.maxerror = maxerror_us;
  return tx;
}

}  // namespace

TEST_CASE("a disciplined clock (TIME_OK, STA_UNSYNC clear) is synchronised") {
  const auto state = station::clock_state_from(TIME_OK, crafted(STA_PLL, 12'000));
  CHECK(state.synchronised);
  CHECK(state.detail == "adjtimex: clock synchronised (maxerror 12 ms)");
}

TEST_CASE("a free-running clock (STA_UNSYNC) is not synchronised, whatever the return") {
  for (const int rc : {TIME_OK, TIME_ERROR}) {
    const auto state = station::clock_state_from(rc, crafted(STA_UNSYNC, 16'000'000));
    CHECK_FALSE(state.synchronised);
    CHECK(state.detail == "adjtimex: STA_UNSYNC set (no NTP/PTP discipline)");
  }
}

TEST_CASE("TIME_ERROR without STA_UNSYNC is not synchronised") {
  const auto state = station::clock_state_from(TIME_ERROR, crafted(STA_PLL, 1'000));
  CHECK_FALSE(state.synchronised);
  CHECK(state.detail.find("TIME_ERROR") != std::string::npos);
}

TEST_CASE("a failed adjtimex call never reads as synchronised") {
  CHECK_FALSE(station::clock_state_from(-1, crafted(0, 0)).synchronised);
}

TEST_CASE("reading this machine's clock state succeeds and explains itself") {
  auto state = station::read_clock_state();
  REQUIRE_MESSAGE(state.has_value(), (state ? "" : state.error().message));
  CHECK(state->detail.starts_with("adjtimex: "));
  MESSAGE(state->detail);
}
