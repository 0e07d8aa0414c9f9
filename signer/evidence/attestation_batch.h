// Verifying the station's attestation signatures of journal records on every core: the
// signature check is the cost that grows with the number of units, so it runs on a pool of
// workers while the caller reads the next records and writes verified ones to the store.
//
// Each event's envelope (DSSE JSON, payload type attestation) is checked under the station
// key and its signed Attestation parsed; results keep the records' order. Work is handed
// out in small slices, so a core never idles while another has a backlog, and a caller
// waiting for a chunk verifies queued events itself instead of sleeping.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"

namespace hallmark::evidence {

struct PendingEvent {
  std::uint64_t sequence = 0;
  verifier::Digest record_hash;
  std::string envelope;            // DSSE JSON as journaled
  v1::Envelope signed_envelope;    // the same, parsed by verification (the manifest keeps it)
  v1::Attestation attestation;     // filled by verification; meaningless when error is set
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
  friend class VerifyPool;
  std::vector<PendingEvent> slots_;
  std::size_t size_ = 0;
  std::size_t unverified_ = 0;  // guarded by the pool's mutex while submitted
};

class VerifyPool {
 public:
  // `threads` workers (at least 1).
  explicit VerifyPool(unsigned threads);
  // Drops what is still queued and joins the workers: declare the pool after the chunks
  // it verifies, so it goes first.
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  // Queues every event of `chunk` for verification under `station_key`. The chunk and the
  // key must stay put until wait(chunk) returns.
  void submit(Chunk& chunk, const verifier::PublicKey& station_key);
  // Returns once every event of `chunk` is verified, verifying queued events meanwhile.
  void wait(Chunk& chunk);

 private:
  struct Slice {
    Chunk* chunk;
    const verifier::PublicKey* key;
    std::size_t begin;
    std::size_t end;
  };
  void work();
  // Verifies `slice` with the lock released; re-locks and counts it done.
  void run(Slice slice, std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable queued_;  // a slice was queued, or the pool stops
  std::condition_variable done_;    // a chunk's last slice was verified
  std::deque<Slice> slices_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace hallmark::evidence
