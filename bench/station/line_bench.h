// What the station benchmarks stand on: a signing host and station-1 on throwaway SoftHSM
// tokens (testkit/line/station_world.h: trust root, enrollment, a promoted bundle with the
// whole provisioning plan taken in), and the benchmark's way of stopping when a setup step
// or a measured call fails: a message naming the step on stderr and exit status 1 (a
// benchmark is a program, not a test). Timing never fails a benchmark.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>

#include "testkit/line/signer_world.h"
#include "testkit/line/station_world.h"
#include "verifier/core/error.h"

namespace hallmark::bench {

[[noreturn]] inline void stop(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "benchmark stopped: %s: %s\n", what.c_str(), why.c_str());
  std::exit(1);
}

inline void must(bool ok, const std::string& what) {
  if (!ok) stop(what, "failed");
}

inline void must(const Result<void>& result, const std::string& what) {
  if (!result) stop(what, result.error().message);
}

template <class T>
T must(Result<T> result, const std::string& what) {
  if (!result) stop(what, result.error().message);
  return std::move(*result);
}

// The signing host and the station, made at the real time (as the station's CLI would
// accept them). Construction throws std::runtime_error naming the step (run_bench stops).
struct LineBench {
  testing::SignerWorld signer{std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count()};
  testing::StationWorld station{signer};
};

// Runs `body` and turns an exception from a setup step into stop().
template <class Body>
int run_bench(const char* name, Body body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    stop(name, e.what());
  }
}

}  // namespace hallmark::bench
