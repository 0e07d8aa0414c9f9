#include "signer/evidence/attestation_batch.h"

#include <algorithm>
#include <climits>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::evidence {
namespace {

// Small enough that both cores stay busy to the end of a chunk, large enough that the
// queue's lock is taken rarely next to the signature checks.
constexpr std::size_t kSlice = 16;

void verify_one(PendingEvent& event, const verifier::PublicKey& key, const std::string& type) {
  auto envelope = verifier::parse_envelope_json(event.envelope);
  if (!envelope) {
    event.error = std::move(envelope).error();
    return;
  }
  event.signed_envelope.Swap(&*envelope);
  const verifier::PublicKey* trusted = &key;
  auto verified = verifier::verify_envelope(event.signed_envelope, {trusted, 1}, 1, type);
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

const std::string& attestation_type() {
  static const std::string type = verifier::payload_type_of("attestation");
  return type;
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
    slot.error.reset();  // the attestation is left as it was: parsing it clears it first
  }
  return slots_[size_++];
}

VerifyPool::VerifyPool(unsigned threads) {
  attestation_type();  // made once, before any worker reads it
  for (unsigned t = 0; t < std::max(1u, threads); ++t) workers_.emplace_back([this] { work(); });
}

VerifyPool::~VerifyPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& w : workers_) w.join();
}

void VerifyPool::submit(Chunk& chunk, const verifier::PublicKey& station_key) {
  {
    std::lock_guard lock(mutex_);
    chunk.unverified_ = chunk.size();
    for (std::size_t at = 0; at < chunk.size(); at += kSlice) {
      slices_.push_back(Slice{&chunk, &station_key, at, std::min(chunk.size(), at + kSlice)});
    }
  }
  queued_.notify_all();
}

void VerifyPool::wait(Chunk& chunk) {
  std::unique_lock lock(mutex_);
  while (chunk.unverified_ != 0) {
    if (slices_.empty()) {
      done_.wait(lock);
      continue;
    }
    const Slice slice = slices_.front();
    slices_.pop_front();
    run(slice, lock);
  }
}

void VerifyPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !slices_.empty(); });
    if (stopping_) return;  // what is still queued is dropped: nobody waits for it
    const Slice slice = slices_.front();
    slices_.pop_front();
    run(slice, lock);
  }
}

void VerifyPool::run(Slice slice, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  for (std::size_t i = slice.begin; i < slice.end; ++i) {
    verify_one((*slice.chunk)[i], *slice.key, attestation_type());
  }
  lock.lock();
  slice.chunk->unverified_ -= slice.end - slice.begin;
  if (slice.chunk->unverified_ == 0) done_.notify_all();
}

}  // namespace hallmark::evidence
