// Countersign throughput: a benchmark, not a test (bench/countersign_bench.sh,
// bench/store_scale_bench.sh and bench/log_segment_bench.sh run it; modes.h says what each
// mode measures).
//
//   countersign_bench baseline --units N --threads T   OpenSSL ECDSA verify rate, T threads
//   countersign_bench parts --units N                  one verification's parts, one thread
//   countersign_bench run --units N --threads T        a station export of N attestations
//                                                      (made first, not timed), then
//                                                      countersign end to end, fresh store
//   countersign_bench scale --units N --batch B        a store grown to N units through
//                                                      the real path, B per export: first
//                                                      and last batch rates, a serial's
//                                                      history, inclusion proofs
//   countersign_bench segment --units N --out DIR      a store grown to N units as for
//                                                      scale, then its day written as a
//                                                      retention segment into DIR, with
//                                                      a trust root naming the evidence
//                                                      key (DIR/trust-root.json), for
//                                                      `hallmark-verify log` to check
//   (run and scale: --store postgres:CONNINFO, an empty database, instead of SQLite)
//
// The station side is made in-process (station_exports.h: this measures the signer, not the
// station); the evidence key is a P-256 key on a throwaway SoftHSM token (bench_signer.h),
// so the one signature per batch is a real PKCS#11 one. `run` prints units/s, peak RSS and
// the number of evidence-key signatures; the script compares runs of different sizes for
// flat memory.
#include <cstdio>
#include <exception>
#include <string>

#include "bench/countersign/modes.h"

int main(int argc, char** argv) {
  namespace hb = hallmark::bench;
  std::string mode = argc > 1 ? argv[1] : "";
  std::uint64_t units = 10000;
  unsigned threads = 2;
  std::uint64_t batch = 20000;
  std::string store;  // a fresh SQLite file unless given (postgres:CONNINFO of an empty database)
  std::string out;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--units") units = std::stoull(argv[i + 1]);
    if (flag == "--threads") threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
    if (flag == "--batch") batch = std::stoull(argv[i + 1]);
    if (flag == "--store") store = argv[i + 1];
    if (flag == "--out") out = argv[i + 1];
  }
  try {
    if (mode == "baseline") return hb::baseline(units, threads);
    if (mode == "parts") return hb::parts(units);
    if (mode == "run") return hb::run(units, threads, store);
    if (mode == "scale") return hb::scale(units, batch, threads, store);
    if (mode == "segment" && !out.empty()) return hb::segment(units, batch, threads, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "countersign_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: countersign_bench baseline|parts|run|scale|segment --units N "
                       "--threads T [--batch N] [--store LOCATION] [--out DIR]\n");
  return 2;
}
