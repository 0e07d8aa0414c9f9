// countersign_bench baseline and parts (modes.h): the station's signatures verified by
// OpenSSL alone, the rate countersign is compared with.
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench/countersign/modes.h"
#include "bench/countersign/station_exports.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::bench {

int baseline(std::uint64_t units, unsigned threads) {
  const AttestationMaker maker;
  struct Signed {
    Bytes pae;
    Bytes sig;
  };
  std::vector<Signed> sample;
  for (std::uint64_t i = 0; i < units; ++i) {
    auto envelope = verifier::parse_envelope_json(maker.envelope(i));
    sample.push_back({verifier::pae(envelope->payload_type(), as_bytes(envelope->payload())),
                      to_bytes(envelope->signatures(0).sig())});
  }
  const auto& key = AttestationMaker::station_key();
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = t; i < sample.size(); i += threads) {
        if (!key.verify(sample[i].pae, sample[i].sig)) std::abort();
      }
    });
  }
  for (auto& w : workers) w.join();
  const double s = seconds_since(start);
  std::printf("baseline_verifies_per_second %.0f\n", static_cast<double>(units) / s);
  std::printf("cpu_us_per_verify %.1f\n", (cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(units));
  return 0;
}

// Where one attestation's verification goes, one thread: JSON, signature, payload parse.
int parts(std::uint64_t units) {
  const AttestationMaker maker;
  std::vector<std::string> json;
  for (std::uint64_t i = 0; i < units; ++i) json.push_back(maker.envelope(i));
  auto start = std::chrono::steady_clock::now();
  std::vector<v1::Envelope> envelopes;
  for (const auto& j : json) envelopes.push_back(*verifier::parse_envelope_json(j));
  const double parse = seconds_since(start);
  const auto& key = AttestationMaker::station_key();
  start = std::chrono::steady_clock::now();
  std::vector<verifier::VerifiedPayload> verified;
  for (const auto& e : envelopes) {
    verified.push_back(*verifier::verify_envelope(e, {&key, 1}, 1, verifier::payload_type_of("attestation")));
  }
  const double verify = seconds_since(start);
  start = std::chrono::steady_clock::now();
  for (const auto& v : verified) (void)*verifier::parse_verified<v1::Attestation>(v);
  const double payload = seconds_since(start);
  const double n = static_cast<double>(units) / 1e6;
  std::printf("parts_us json %.1f verify %.1f payload %.1f (envelope %zu bytes)\n", parse / n,
              verify / n, payload / n, json.front().size());
  return 0;
}

}  // namespace hallmark::bench
