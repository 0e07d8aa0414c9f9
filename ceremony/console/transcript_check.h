// Checking a ceremony transcript for display, entry by entry, with the trust library's own
// rules: the envelope's signatures against the root role of a trust root chain
// (TrustedRoot::verify, as verify_transcript does) and the hash chain with
// check_transcript_chain, applied to each prefix so the first entry whose link fails is
// named. The verdict is verify_transcript's. Nothing here decides what counts: it only
// reports where the library says the transcript breaks. Pure but for reading the files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/trust.pb.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony::console {

struct TranscriptRow {
  enum class Link { kChained, kBroken, kAfterBreak, kUnreadable };
  int index = 0;
  std::optional<v1::TranscriptEntry> entry;  // parsed for display (unverified)
  Link link = Link::kChained;
  std::string problem;  // why the row is red
};

struct TranscriptReport {
  std::string ceremony;
  std::string plan_digest;
  std::string result_digest_hex;
  std::vector<TranscriptRow> rows;
  bool signatures_checked = false;  // a trust root was given
  bool signatures_ok = false;
  std::string signature_problem;
  std::vector<std::string> signers;  // custodians whose signatures counted
  std::uint64_t trust_root_version = 0;
  bool chain_ok = false;
  std::string chain_problem;
  bool verified = false;  // verify_transcript's verdict
  std::string verdict;    // one line for a person
};

struct TranscriptFiles {
  std::filesystem::path transcript;
  std::vector<std::string> trust_roots;  // anchor first; empty: signatures not checked
  std::vector<std::string> revocations;
};

// Errors: files that cannot be read or parsed (the transcript itself, or the trust root
// chain, which must verify at `now_unix`).
Result<TranscriptReport> check_transcript_files(const TranscriptFiles& files, int64_t now_unix);

}  // namespace hallmark::ceremony::console
