#include "ceremony/src/transcript_recorder.h"

#include <utility>

#include "verifier/io/clock.h"

namespace hallmark::ceremony {

Clock system_clock() {
  return [] { return static_cast<int64_t>(unix_now()); };
}

TranscriptRecorder::TranscriptRecorder(std::string ceremony, std::string plan_digest_hex,
                                       Clock clock)
    : ceremony_(std::move(ceremony)),
      plan_digest_hex_(std::move(plan_digest_hex)),
      clock_(std::move(clock)) {}

void TranscriptRecorder::ok(std::string step, std::string actor, std::string detail,
                            const v1::TokenInfo* token, std::vector<v1::TokenKey> keys) {
  record(true, std::move(step), std::move(actor), std::move(detail), token, std::move(keys));
}

void TranscriptRecorder::failed(std::string step, std::string actor, std::string detail,
                                const v1::TokenInfo* token, std::vector<v1::TokenKey> keys) {
  record(false, std::move(step), std::move(actor), std::move(detail), token, std::move(keys));
}

void TranscriptRecorder::record(bool ok, std::string step, std::string actor,
                                std::string detail, const v1::TokenInfo* token,
                                std::vector<v1::TokenKey> keys) {
  v1::TranscriptEntry entry;
  entry.set_step(std::move(step));
  entry.set_actor(std::move(actor));
  if (token != nullptr) *entry.mutable_token() = *token;
  for (auto& key : keys) *entry.add_keys() = std::move(key);
  entry.set_time_unix(clock_());
  entry.set_ok(ok);
  entry.set_detail(std::move(detail));
  chain_.append(std::move(entry));
}

v1::CeremonyTranscript TranscriptRecorder::finish(ByteView result_digest) const {
  return chain_.finish(ceremony_, plan_digest_hex_, result_digest);
}

}  // namespace hallmark::ceremony
