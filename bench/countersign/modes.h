// The modes of countersign_bench (main in countersign_bench.cpp), each printing
// "name value" lines that the scripts in bench/ read:
//   baseline, parts     verify_modes.cpp: the OpenSSL verify rate of the station's
//                       signatures (the ratio's denominator) and where one attestation's
//                       verification goes
//   run, scale, segment store_modes.cpp: countersign end to end into a fresh store; a store
//                       grown to N units (batch rates, history and proof latency); that
//                       store's day as a retention segment with its trust root
// Each returns the process exit code and throws std::runtime_error when a step fails.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace hallmark::bench {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds (user + system) of every thread of this process so far: with the wall time it
// tells how much of a run was work and how much was waiting, on a machine others share.
inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

inline long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int baseline(std::uint64_t units, unsigned threads);
int parts(std::uint64_t units);
// `location`: empty for a fresh SQLite file, or postgres:CONNINFO of an empty database.
int run(std::uint64_t units, unsigned threads, const std::string& location);
int scale(std::uint64_t units, std::uint64_t batch, unsigned threads, const std::string& location);
int segment(std::uint64_t units, std::uint64_t batch, unsigned threads,
            const std::filesystem::path& out);

}  // namespace hallmark::bench
