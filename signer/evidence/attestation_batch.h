// Verifying the station's attestation signatures of a chunk of journal records on every
// core: the signature check is the cost that grows with the number of units, so it runs in
// parallel while the caller writes the previous chunk to the store.
//
// verify_chunk() checks each envelope (DSSE JSON, payload type attestation) under the
// station key and parses the signed Attestation; results keep the records' order. Thread-
// safe: PublicKey is shareable, each worker has its own state.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"

namespace hallmark::evidence {

struct PendingEvent {
  std::uint64_t sequence = 0;
  verifier::Digest record_hash;
  std::string envelope;            // DSSE JSON as journaled
  v1::Attestation attestation;     // filled by verification
  std::optional<Error> error;      // why it did not verify
};

// Events read from an export, in order. Slots are reused from one chunk to the next (their
// strings and messages keep their memory), so a long export allocates almost nothing per
// record once warm.
class Chunk {
 public:
  // The next slot, emptied.
  PendingEvent& add();
  void clear() noexcept { size_ = 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  PendingEvent& operator[](std::size_t i) noexcept { return slots_[i]; }
  PendingEvent* begin() noexcept { return slots_.data(); }
  PendingEvent* end() noexcept { return slots_.data() + size_; }

 private:
  std::vector<PendingEvent> slots_;
  std::size_t size_ = 0;
};

// Verifies every event of `chunk` in place, split over `threads` workers (>= 1).
void verify_chunk(Chunk& chunk, const verifier::PublicKey& station_key, unsigned threads);

// verify_chunk() on another thread; the future is ready when the chunk is verified.
[[nodiscard]] std::future<void> verify_chunk_async(Chunk& chunk,
                                                   const verifier::PublicKey& station_key,
                                                   unsigned threads);

}  // namespace hallmark::evidence
