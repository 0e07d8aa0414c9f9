// Transcript chain: building (ceremony side) and checking (verifier side), plus signatures.
#include "verifier/trust/transcript.h"

#include "verifier/core/software_token.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "verifier/core/document.h"

namespace hallmark::verifier {

namespace {

Bytes zero_hash() { return Bytes(Digest::kSize, std::byte{0}); }

// What entry i must name as previous_hash; empty if hashing failed (the entry then never
// verifies, so a broken hasher can only produce a transcript that is refused).
Bytes previous_hash_for(const std::vector<Bytes>& entries) {
  if (entries.empty()) return zero_hash();
  auto digest = sha256(entries.back());
  if (!digest) return {};
  return Bytes(digest->bytes().begin(), digest->bytes().end());
}

std::string as_string(ByteView bytes) { return std::string(as_chars(bytes)); }

Result<VerifiedTranscript> finish_verification(const VerifiedPayload& verified,
                                               std::vector<std::string> identities) {
  auto transcript = parse_verified<v1::CeremonyTranscript>(verified);
  if (!transcript) return std::unexpected(std::move(transcript).error());
  auto entries = check_transcript_chain(*transcript);
  if (!entries) return std::unexpected(std::move(entries).error());
  return VerifiedTranscript{std::move(*transcript), std::move(*entries), verified.key_ids,
                            std::move(identities)};
}

}  // namespace

void TranscriptChain::append(v1::TranscriptEntry entry) {
  entry.set_sequence(entries_.size());
  entry.set_previous_hash(as_string(previous_hash_for(entries_)));
  entries_.push_back(deterministic_bytes(entry));
}

v1::CeremonyTranscript TranscriptChain::finish(std::string ceremony, std::string plan_digest_hex,
                                               ByteView result_digest) const {
  v1::CeremonyTranscript transcript;
  transcript.set_ceremony(std::move(ceremony));
  transcript.set_plan_digest(std::move(plan_digest_hex));
  for (const Bytes& entry : entries_) transcript.add_entries(as_string(entry));
  transcript.set_result_digest(as_string(result_digest));
  return transcript;
}

Result<std::vector<v1::TranscriptEntry>> check_transcript_chain(
    const v1::CeremonyTranscript& transcript) {
  if (transcript.entries_size() == 0) {
    return fail(ErrorCode::kVerificationFailed, "transcript has no entries");
  }
  std::vector<v1::TranscriptEntry> entries;
  Bytes expected_previous = zero_hash();
  for (int i = 0; i < transcript.entries_size(); ++i) {
    const std::string& bytes = transcript.entries(i);
    const std::string at = "transcript entry " + std::to_string(i);
    v1::TranscriptEntry entry;
    if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
        !entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return fail(ErrorCode::kVerificationFailed, at + " is not a TranscriptEntry message");
    }
    if (entry.sequence() != static_cast<uint64_t>(i)) {
      return fail(ErrorCode::kVerificationFailed,
                  at + " has sequence " + std::to_string(entry.sequence()) +
                      ": entries were removed, inserted or reordered");
    }
    const ByteView previous = as_bytes(entry.previous_hash());
    if (!std::equal(previous.begin(), previous.end(), expected_previous.begin(),
                    expected_previous.end())) {
      return fail(ErrorCode::kVerificationFailed,
                  at + " (" + entry.step() + ") does not chain to the entry before it" +
                      (i == 0 ? std::string(": the first entry must name 32 zero bytes")
                              : ": entry " + std::to_string(i - 1) +
                                    " was edited, or entries were removed, inserted or "
                                    "reordered"));
    }
    if (auto ok = check_software_token_claim(entry.token(), at); !ok) {
      return std::unexpected(ok.error());
    }
    for (const auto& key : entry.keys()) {
      if (auto ok = check_software_token_claim(key.token(), at); !ok) {
        return std::unexpected(ok.error());
      }
    }
    auto digest = sha256(as_bytes(bytes));
    if (!digest) return std::unexpected(std::move(digest).error());
    expected_previous.assign(digest->bytes().begin(), digest->bytes().end());
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<VerifiedTranscript> verify_transcript(const v1::Envelope& envelope,
                                             const TrustedRoot& root) {
  auto verified = root.verify(envelope, v1::ROOT, kTranscriptType);
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(
        "transcript: not signed by a threshold of the root role"));
  }
  return finish_verification(verified->first, std::move(verified->second.identities));
}

Result<VerifiedTranscript> verify_transcript(const v1::Envelope& envelope,
                                             std::span<const PublicKey> keys, uint32_t threshold) {
  auto verified = verify_envelope(envelope, keys, threshold, payload_type_of(kTranscriptType));
  if (!verified) return std::unexpected(std::move(verified).error().context("transcript"));
  std::vector<std::string> identities = verified->key_ids;
  return finish_verification(*verified, std::move(identities));
}

}  // namespace hallmark::verifier
