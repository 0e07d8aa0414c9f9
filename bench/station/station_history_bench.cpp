// Station command cost against journal length (a benchmark, not a test: not registered
// with CTest, never fails on timing). For a small journal (1,000 records) and a large one
// (HALLMARK_BENCH_SCALE=full: 1,000,000; default 20,000; HALLMARK_BENCH_RECORDS=N to choose),
// each a real journal of station-signed events written through StationLine::record() on
// the SoftHSM station token (every event signed, verified and appended like a unit's), it
// times what one `hallmark-station` process does on the line, in process:
//   status:  StationLine::open() (registration, policy, snapshot, journal, history)
//   program: StationLine::open() + the release loaded + program_unit() on an InstantDevice
// over 40 rounds each (a new snapshot is written by every open that replayed 32 records:
// included), and reports medians and the ratio large / small. Goal: <= 1.2. The state
// directory lives under TMPDIR (bench/station_history_bench.sh puts it on tmpfs so that a
// million fdatasyncs do not take an hour to generate; the same for both sizes).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/station/instant_device.h"
#include "bench/station/line_bench.h"
#include "station-agent/station/station_snapshot.h"

namespace hallmark::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRounds = 40;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::uint64_t large_size() {
  if (const char* n = std::getenv("HALLMARK_BENCH_RECORDS"); n != nullptr && std::atoll(n) > 0) {
    return static_cast<std::uint64_t>(std::atoll(n));
  }
  const char* scale = std::getenv("HALLMARK_BENCH_SCALE");
  return scale != nullptr && std::string(scale) == "full" ? 1'000'000 : 20'000;
}

struct Measured {
  std::uint64_t records = 0;
  double generate_s = 0;
  double journal_mib = 0;
  double full_replay_ms = -1;  // open() without a snapshot (small journals only)
  double status_ms = 0;
  double program_ms = 0;
};

Measured measure(std::uint64_t records) {
  Measured m;
  LineBench world;
  testing::StationWorld& lw = world.station;
  // The line is held by pointer so that it can be closed and opened again in place.
  auto open = [&lw] {
    return std::make_unique<station::StationLine>(must(lw.try_open_line(), "opening the line"));
  };
  auto line = open();
  must(lw.try_staff(*line), "installing the staff roster, olga logged in");
  const auto g0 = Clock::now();
  // Units as the line records them: one PROGRAM event per unit, a distinct device and
  // serial each, signed by the station key on the token and appended (fdatasync).
  for (std::uint64_t i = line->journal().head().sequence; i < records; ++i) {
    v1::Attestation unit;
    unit.set_event(v1::Attestation::PROGRAM);
    unit.set_serial(fmt::format("GEN-{:08}", i));
    unit.set_hardware_id(fmt::format("GEN-HW-{:08}", i));
    unit.set_result(v1::Attestation::PASS);
    unit.set_detail(std::string(900, 'd'));  // about the size of a unit's attestation
    must(line->record(unit, station::ClockState{true, "bench"}), "recording a unit");
    if (i % 100'000 == 0 && i > 0) std::fprintf(stderr, "  %llu records\n", static_cast<unsigned long long>(i));
  }
  // The generator's line holds the history it recorded: its snapshot, as any open would
  // write one (a first open of a journal without one replays it whole, once).
  must(line->save_snapshot(), "saving the snapshot");
  m.generate_s = ms(Clock::now() - g0) / 1000;
  m.records = line->journal().head().sequence;
  m.journal_mib = static_cast<double>(std::filesystem::file_size(line->journal().path())) / (1 << 20);
  line.reset();
  if (records <= 20'000) {  // what every command cost before snapshots: a whole replay
    std::filesystem::remove_all(station::snapshot_dir(lw.state));
    const auto t0 = Clock::now();
    line = open();
    m.full_replay_ms = ms(Clock::now() - t0);
    line.reset();
  }

  std::vector<double> status, program;
  InstantDevice device("BENCH-HW-0");
  for (int round = 0; round < kRounds; ++round) {
    const auto t0 = Clock::now();
    line = open();
    const auto counts = line->history().counts();  // what status prints
    status.push_back(ms(Clock::now() - t0));
    must(counts.passed > 0, "the history counts the units recorded");
    line.reset();

    const auto p0 = Clock::now();
    line = open();
    const auto release = must(lw.try_release(*line), "loading the release of combo-1");
    device.next_unit(fmt::format("BENCH-HW-{:06}", round));
    auto outcome = station::program_unit(
        *line, release, device, {Serial(fmt::format("BN-{:06}", round)), station::UnitMode::kProgram, ""});
    program.push_back(ms(Clock::now() - p0));
    if (!outcome) stop("program_unit", outcome.error().message);
    if (outcome->verdict != station::UnitVerdict::kPass) stop("program_unit", outcome->detail);
    line.reset();
  }
  m.status_ms = median(status);
  m.program_ms = median(program);
  return m;
}

// Station status and program at a small and a large journal.
void run() {
  const Measured small = measure(1'000);
  const Measured large = measure(large_size());
  std::printf("\nStation commands against journal length (median of %d rounds, in process, "
              "SoftHSM, state under %s)\n",
              kRounds, std::filesystem::temp_directory_path().string().c_str());
  std::printf("%-12s %10s %12s %14s %12s %12s\n", "records", "MiB", "generated s",
              "full replay ms", "status ms", "program ms");
  for (const Measured* m : {&small, &large}) {
    std::printf("%-12llu %10.1f %12.1f %14s %12.2f %12.2f\n",
                static_cast<unsigned long long>(m->records), m->journal_mib, m->generate_s,
                m->full_replay_ms < 0 ? "-" : fmt::format("{:.1f}", m->full_replay_ms).c_str(),
                m->status_ms, m->program_ms);
  }
  const double status_ratio = large.status_ms / small.status_ms;
  const double program_ratio = large.program_ms / small.program_ms;
  auto verdict = [](double r) { return r <= 1.2 ? "met" : "NOT met"; };
  std::printf("%-40s %6.2f   (goal <= 1.20: %s)\n",
              fmt::format("status  {} / {} records", large.records, small.records).c_str(),
              status_ratio, verdict(status_ratio));
  std::printf("%-40s %6.2f   (goal <= 1.20: %s)\n",
              fmt::format("program {} / {} records", large.records, small.records).c_str(),
              program_ratio, verdict(program_ratio));
  std::fflush(stdout);
}

}  // namespace
}  // namespace hallmark::bench

int main() { return hallmark::bench::run_bench("station_history_bench", hallmark::bench::run); }
