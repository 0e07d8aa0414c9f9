// TranscriptRecorder: the ceremony's side of the transcript — one hash-chained entry per
// step (verifier::TranscriptChain keeps the chain rule), with the time from the injected
// clock, the actor, the token and keys involved (public keys and provenance, never
// secrets) and the outcome, failures included.
//
// Not thread-safe; one per ceremony.
#pragma once

#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "hallmark/keys.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/trust/transcript.h"

namespace hallmark::ceremony {

inline constexpr std::string_view kCeremonyActor = "ceremony";

class TranscriptRecorder {
 public:
  TranscriptRecorder(std::string ceremony, std::string plan_digest_hex, Clock clock);

  void ok(std::string step, std::string actor, std::string detail,
          const v1::TokenInfo* token = nullptr, std::vector<v1::TokenKey> keys = {});
  void failed(std::string step, std::string actor, std::string detail,
              const v1::TokenInfo* token = nullptr, std::vector<v1::TokenKey> keys = {});

  const std::string& ceremony() const noexcept { return ceremony_; }
  std::size_t size() const noexcept { return chain_.entries().size(); }
  v1::CeremonyTranscript finish(ByteView result_digest) const;

 private:
  void record(bool ok, std::string step, std::string actor, std::string detail,
              const v1::TokenInfo* token, std::vector<v1::TokenKey> keys);

  std::string ceremony_;
  std::string plan_digest_hex_;
  Clock clock_;
  verifier::TranscriptChain chain_;
};

}  // namespace hallmark::ceremony
