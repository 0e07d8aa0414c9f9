// libhallmark-devsim-clock.so: a simulated NTP-disciplined clock, for the demo only.
//
// The demo's stations run wherever `make demo` runs, often a container or CI machine whose
// kernel clock nobody disciplines (adjtimex reports STA_UNSYNC). A factory's stations run
// NTP or PTP; to show what an honest factory's evidence looks like, scripts/demo/common.sh
// starts the stations with this library in LD_PRELOAD: it answers the station's read-only
// adjtimex(2) (modes = 0) as a kernel disciplined to within 12 ms would, and refuses every
// call that would change the clock. The time itself is the machine's, untouched.
//
// Like hallmark-devsim (a simulated chip), it simulates hardware the demo does not have;
// no product target links it and nothing installs it.
#include <sys/timex.h>

#include <cerrno>
#include <cstring>

extern "C" __attribute__((visibility("default"))) int adjtimex(struct timex* tx) {
  if (tx->modes != 0) {
    errno = EPERM;
    return -1;
  }
  std::memset(tx, 0, sizeof *tx);
  tx->status = STA_PLL;
  tx->maxerror = 12000;  // microseconds
  tx->esterror = 500;
  tx->constant = 7;
  tx->precision = 1;
  tx->tolerance = 32768000;
  return TIME_OK;
}
