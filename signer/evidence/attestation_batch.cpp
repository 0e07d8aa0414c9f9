#include "signer/evidence/attestation_batch.h"

#include <algorithm>
#include <climits>
#include <thread>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::evidence {
namespace {

void verify_one(PendingEvent& event, const verifier::PublicKey& key, const std::string& type) {
  auto envelope = verifier::parse_envelope_json(event.envelope);
  if (!envelope) {
    event.error = std::move(envelope).error();
    return;
  }
  const verifier::PublicKey* trusted = &key;
  auto verified = verifier::verify_envelope(*envelope, {trusted, 1}, 1, type);
  if (!verified) {
    event.error = std::move(verified).error();
    return;
  }
  const ByteView payload = verified->payload;
  if (payload.size() > static_cast<std::size_t>(INT32_MAX) ||
      !event.attestation.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    event.error = Error{ErrorCode::kVerificationFailed,
                        "the verified payload is not an Attestation message", 0, {}};
  }
}

void verify_range(Chunk& chunk, std::size_t begin, std::size_t end,
                  const verifier::PublicKey& key) {
  const std::string type = verifier::payload_type_of("attestation");
  for (std::size_t i = begin; i < end; ++i) verify_one(chunk[i], key, type);
}

}  // namespace

PendingEvent& Chunk::add() {
  if (size_ == slots_.size()) {
    slots_.emplace_back();
  } else {
    PendingEvent& slot = slots_[size_];
    slot.sequence = 0;
    slot.record_hash = {};
    slot.envelope.clear();
    slot.attestation.Clear();
    slot.error.reset();
  }
  return slots_[size_++];
}

void verify_chunk(Chunk& chunk, const verifier::PublicKey& station_key, unsigned threads) {
  threads = std::max(1u, threads);
  const std::size_t n = chunk.size();
  const std::size_t per = (n + threads - 1) / threads;
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads && t * per < n; ++t) {
    workers.emplace_back(verify_range, std::ref(chunk), t * per, std::min(n, (t + 1) * per),
                         std::cref(station_key));
  }
  verify_range(chunk, 0, std::min(n, per), station_key);
  for (auto& w : workers) w.join();
}

std::future<void> verify_chunk_async(Chunk& chunk, const verifier::PublicKey& station_key,
                                     unsigned threads) {
  return std::async(std::launch::async, [&chunk, &station_key, threads] {
    verify_chunk(chunk, station_key, threads);
  });
}

}  // namespace hallmark::evidence
