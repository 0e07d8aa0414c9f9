// Ceremony transcripts: hash-chained entries closed by the participating custodians'
// signatures. The chain rule lives here once and serves the writer (ceremony) and the
// verifier. Pure: no files, no tokens. Thread-safe: pure functions.
//
// Chain: entry i has sequence i and previous_hash = SHA-256 of entry i-1's exact bytes;
// entry 0 has 32 zero bytes. Any edited, removed, inserted or reordered entry breaks it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/core/time_format.h"  // format_utc, for renderings
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

inline constexpr std::string_view kTranscriptType = "ceremony-transcript";

// Builds a transcript entry by entry (used by the ceremony); the chain fields are set here.
class TranscriptChain {
 public:
  // Sets sequence and previous_hash on `entry`, appends its deterministic bytes.
  void append(v1::TranscriptEntry entry);
  const std::vector<Bytes>& entries() const noexcept { return entries_; }
  v1::CeremonyTranscript finish(std::string ceremony, std::string plan_digest_hex,
                                ByteView result_digest) const;

 private:
  std::vector<Bytes> entries_;
};

// Parses every entry and checks the chain; errors name the first broken entry.
Result<std::vector<v1::TranscriptEntry>> check_transcript_chain(
    const v1::CeremonyTranscript& transcript);

struct VerifiedTranscript {
  v1::CeremonyTranscript transcript;
  std::vector<v1::TranscriptEntry> entries;
  std::vector<std::string> signer_key_ids;
  std::vector<std::string> signer_identities;  // custodian names where known
};

// Signatures by a threshold of the root role of `root`, then the chain.
Result<VerifiedTranscript> verify_transcript(const v1::Envelope& envelope,
                                             const TrustedRoot& root);
// Signatures by `threshold` distinct keys of `keys` (for a ceremony that produced no trust
// root, e.g. a refused init), then the chain.
Result<VerifiedTranscript> verify_transcript(const v1::Envelope& envelope,
                                             std::span<const PublicKey> keys,
                                             uint32_t threshold);

// A readable rendering for auditors: one block per entry (time UTC, step, actor, token,
// keys with ids and provenance, outcome, detail), then the signers.
std::string render_transcript(const VerifiedTranscript& transcript);

}  // namespace hallmark::verifier
