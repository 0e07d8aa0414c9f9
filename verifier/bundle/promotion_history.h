// PromotionHistory: the signer's record of what it promoted, per SKU — the reference for
// anti-rollback (docs/design.md flow 3; docs/release.md "Promotion history").
//
// Layout: one append-only text file per SKU, `<dir>/<sku>.history`, one line per
// promotion: `promoted_unix<TAB>sku<TAB>version<TAB>security_counter<TAB>bundle_digest_hex
// <TAB>channel\n`. A line is appended with one write(2) on an O_APPEND descriptor, then
// fsynced (and the directory too when the file is new). A history whose last line is
// torn or any line is malformed is refused, never repaired silently: an operator looks
// at it. open() takes an exclusive flock on the directory for the object's lifetime, so
// two promotions of one history never interleave. Rules (check()): the security counter
// must be >= the last promoted one, the version strictly greater (dot-separated numeric
// components, "1.10" > "1.9", missing components count as 0), and a bundle digest
// promoted before is refused whatever its version.
//
// Beside each line the promoted manifest is kept: the exact `hallmark/bundle.pb` bytes, as
// `<dir>/<sku>/<bundle_digest_hex>.bundle.pb` (created exclusively, read-only, fsynced
// before the line is appended), so `bundle show --history` and `approve --history` can
// diff a new bundle against the last one promoted. last_promoted() reads without the lock
// (the history is append-only and a line is only written once its manifest is durable) and
// refuses a stored manifest whose bytes do not hash to the recorded digest. Never holds
// key material. Move-only; one thread.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::promote {

struct HistoryRecord {
  std::int64_t promoted_unix = 0;
  std::string sku;
  std::string version;
  std::uint64_t security_counter = 0;
  verifier::Digest bundle_digest;
  std::string channel;
};

// The last promotion of a SKU and the manifest it promoted.
struct LastPromoted {
  HistoryRecord record;
  std::filesystem::path manifest_file;  // <dir>/<sku>/<digest>.bundle.pb
  Bytes bundle_bytes;                   // exactly hallmark/bundle.pb, hashes to the digest
  v1::Bundle bundle;
};

// `<dir>/<sku>/<digest_hex>.bundle.pb`.
[[nodiscard]] std::filesystem::path stored_manifest_path(const std::filesystem::path& dir,
                                                         std::string_view sku,
                                                         const verifier::Digest& digest);

// The last line of `<dir>/<sku>.history` and its stored manifest; nullopt when the SKU has
// never been promoted. kIo when `dir` does not exist or a file cannot be read;
// kPolicyRefused for a malformed history or a missing stored manifest;
// kVerificationFailed when the stored manifest does not hash to the recorded digest.
[[nodiscard]] Result<std::optional<LastPromoted>> last_promoted(const std::filesystem::path& dir,
                                                                std::string_view sku);

// "the last promoted for SKU x (version v, channel c, promoted at <unix>, <manifest file>)".
[[nodiscard]] std::string describe(const LastPromoted& last);

class PromotionHistory {
 public:
  // Creates `dir` if needed, locks it, reads `<dir>/<sku>.history` (absent: empty).
  [[nodiscard]] static Result<PromotionHistory> open(const std::filesystem::path& dir,
                                                     std::string_view sku);

  const std::vector<HistoryRecord>& records() const noexcept { return records_; }
  const HistoryRecord* last() const noexcept {
    return records_.empty() ? nullptr : &records_.back();
  }
  const std::filesystem::path& file() const noexcept { return file_; }

  // kPolicyRefused (rollback, replay) or kUsage (a version that is not numeric).
  [[nodiscard]] Result<void> check(const HistoryRecord& candidate) const;
  // Stores `bundle_bytes` (the promoted hallmark/bundle.pb; they must hash to
  // record.bundle_digest) durably, then appends the line durably; on error the history
  // file is as it was (a partial line is cut off again). A stored manifest left by an
  // interrupted promotion is kept when its bytes are identical, refused otherwise.
  [[nodiscard]] Result<void> append(const HistoryRecord& record, ByteView bundle_bytes);

 private:
  PromotionHistory(std::filesystem::path file, fileio::UniqueFd lock,
                   std::vector<HistoryRecord> records);

  std::filesystem::path file_;
  fileio::UniqueFd lock_;  // the directory, flock'ed
  std::vector<HistoryRecord> records_;
};

}  // namespace hallmark::promote
