// countersign_bench run, scale and segment (modes.h): countersign end to end on real
// station-signed exports, into a fresh store or one grown to a size.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "bench/countersign/bench_signer.h"
#include "bench/countersign/modes.h"
#include "bench/countersign/station_exports.h"
#include "signer/evidence/retention.h"
#include "verifier/core/document.h"
#include "verifier/core/time_format.h"
#include "verifier/log/merkle.h"

namespace hallmark::bench {
namespace {

// Milliseconds of `fn` over `samples` calls: median and slowest.
template <typename Fn>
std::pair<double, double> latency_ms(int samples, Fn&& fn) {
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn(i);
    ms.push_back(seconds_since(start) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

// Grows the signer's store by `units` units, `batch` per export (each a real, station-signed
// continuation of one journal); returns the units and the first and last batch rates.
struct Growth {
  std::uint64_t size = 0;
  double first_rate = 0;
  double last_rate = 0;
};
Growth grow(BenchSigner& signer, std::uint64_t units, std::uint64_t batch) {
  Growth g;
  std::string previous(32, '\0');
  const std::uint64_t batches = std::max<std::uint64_t>(1, units / batch);
  const auto all = std::chrono::steady_clock::now();
  for (std::uint64_t b = 0; b < batches; ++b) {
    if (!write_export(b * batch + 1, batch, previous, signer.export_path())) {
      throw std::runtime_error("cannot make the station export");
    }
    const auto start = std::chrono::steady_clock::now();
    const auto result = signer.countersign(signer.export_path());
    const double rate = static_cast<double>(batch) / seconds_since(start);
    if (result.exports[0].findings != 0) throw std::runtime_error("a bench unit raised a finding");
    (b == 0 ? g.first_rate : g.last_rate) = rate;
    if (b == 0) g.last_rate = rate;
    if ((b + 1) % 10 == 0 || b + 1 == batches) {
      std::fprintf(stderr, "  %llu of %llu units countersigned (%.0f s; last batch %.0f/s)\n",
                   static_cast<unsigned long long>((b + 1) * batch),
                   static_cast<unsigned long long>(batches * batch), seconds_since(all), rate);
    }
  }
  g.size = batches * batch;
  return g;
}

// What people ask of a store that size: a unit's history, an inclusion proof.
void report_latency(evidence::EvidenceStore& store, std::uint64_t size) {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto random_unit = [&] {  // xorshift: a different unit each time, spread over the whole log
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return 1 + state % size;
  };
  const auto history = latency_ms(200, [&](int) {
    evidence::EntryQuery q;
    q.serial = Serial(fmt::format("SN-{:08}", random_unit()));
    int found = 0;
    auto ok = store.query(q, [&](const evidence::LogEntry&) -> Result<void> {
      ++found;
      return {};
    });
    if (!ok || found != 1) throw std::runtime_error("a unit's history was not found");
  });
  std::printf("serial_history_ms_median %.3f\nserial_history_ms_max %.3f\n", history.first, history.second);
  const auto proof = latency_ms(200, [&](int) {
    auto hashes = verifier::merkle::inclusion_proof(random_unit() - 1, size, evidence::store_nodes(store));
    if (!hashes) throw std::runtime_error(hashes.error().message);
  });
  std::printf("inclusion_proof_ms_median %.3f\ninclusion_proof_ms_max %.3f\n", proof.first, proof.second);
}

// The bench's trust root as `hallmark-verify` reads it (a signed envelope in JSON); prints
// the digest to pin.
std::string trust_root_json(const verifier::PublicKey& evidence_key) {
  const v1::Envelope envelope = root_envelope(evidence_key);
  std::printf("trust_root_digest %s\n", to_hex(as_bytes(root_digest(envelope))).c_str());
  return verifier::envelope_to_json(envelope);
}

}  // namespace

int run(std::uint64_t units, unsigned threads, const std::string& location) {
  BenchSigner signer(threads, location);
  if (!write_export(units, signer.export_path())) return 1;
  const long rss_before = peak_rss_kib();
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  const auto result = signer.countersign(signer.export_path());
  const double s = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  std::printf("countersigned %llu\n", static_cast<unsigned long long>(result.new_size));
  std::printf("countersign_per_second %.0f\n", static_cast<double>(result.new_size) / s);
  std::printf("cpu_us_per_attestation %.1f\n", cpu * 1e6 / static_cast<double>(result.new_size));
  std::printf("cpu_busy %.2f\n", cpu / s / static_cast<double>(threads));
  std::printf("peak_rss_kib %ld\n", peak_rss_kib());
  std::printf("rss_before_kib %ld\n", rss_before);
  std::printf("evidence_signatures %llu\n", static_cast<unsigned long long>(signer.signatures()));
  std::printf("findings %llu\n", static_cast<unsigned long long>(result.exports[0].findings));
  report_store(signer, location, result.new_size);
  return 0;
}

// A store grown to `units` through the real path, `batch` units per export: the countersign
// rate of the first and the last batch, then what people ask of a store that size.
int scale(std::uint64_t units, std::uint64_t batch, unsigned threads, const std::string& location) {
  BenchSigner signer(threads, location);
  const Growth g = grow(signer, units, batch);
  std::printf("units %llu\n", static_cast<unsigned long long>(g.size));
  std::printf("firmware_hex %s\n", to_hex(as_bytes(digest_bytes(1, 0))).c_str());  // every unit's
  std::printf("first_batch_per_second %.0f\n", g.first_rate);
  std::printf("last_batch_per_second %.0f\n", g.last_rate);
  report_latency(signer.store(), g.size);
  report_store(signer, location, g.size);
  return 0;
}

// A store of `units` units countersigned on one day, written as that day's retention segment.
int segment(std::uint64_t units, std::uint64_t batch, unsigned threads, const std::filesystem::path& out) {
  BenchSigner signer(threads, "");
  const Growth g = grow(signer, units, batch);
  std::filesystem::create_directories(out);
  auto written = evidence::export_segment(signer.store(), verifier::utc_day(bench_now()), out);
  if (!written) throw std::runtime_error(written.error().message);
  std::ofstream(out / "trust-root.json") << trust_root_json(signer.evidence_key());
  std::printf("units %llu\nsegment %s\nsegment_bytes %llu\nat_unix %lld\n",
              static_cast<unsigned long long>(g.size), written->file.string().c_str(),
              static_cast<unsigned long long>(std::filesystem::file_size(written->file)),
              static_cast<long long>(bench_now()));
  return 0;
}

}  // namespace hallmark::bench
