// Offline verification of a retention segment of the evidence log (v1::LogSegment: one
// day's entries, write-once) with the trust root alone.
//
// verify_log_segment() accepts a segment only when: its checkpoint (and, unless the segment
// starts the log, its previous checkpoint at tree size first_index) is signed by the
// EVIDENCE role; left_hashes are the complete subtrees of the first first_index leaves and
// fold to the previous root; those plus leaf_hash(entry) of every entry, in order, give the
// checkpoint's root, so no entry was removed, added, reordered or changed; the consistency
// proof shows the previous tree is a prefix of the new one; every entry is a
// ProvisioningManifest. Given the checkpoint of the segment before (`earlier`), this
// segment's previous checkpoint must name the same tree, so consecutive segments chain.
// Every refusal is kVerificationFailed. Pure: no I/O, no clock; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hallmark/evidence.pb.h"
#include "verifier/core/error.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

struct VerifiedSegment {
  std::string day;
  std::uint64_t first_index = 0;
  std::uint64_t entry_count = 0;
  std::uint64_t last_index = 0;  // first_index + entry_count - 1; first_index when empty
  v1::LogCheckpoint checkpoint;  // at first_index + entry_count
  std::optional<v1::LogCheckpoint> previous;  // at first_index; none when it starts the log
};

[[nodiscard]] Result<VerifiedSegment> verify_log_segment(
    const v1::LogSegment& segment, const TrustedRoot& root,
    const std::optional<v1::LogCheckpoint>& earlier = std::nullopt);

// The same checks on a segment too large to hold: `head` is the segment without its
// entries, `entry_count` how many it has, and `entries` calls its visitor with each entry's
// bytes in order (a visitor's error stops it and is returned). Each entry is looked at once.
using SegmentEntryVisitor = std::function<Result<void>(std::string_view entry)>;
using SegmentEntries = std::function<Result<void>(const SegmentEntryVisitor&)>;
[[nodiscard]] Result<VerifiedSegment> verify_log_segment(
    const v1::LogSegment& head, std::uint64_t entry_count, const SegmentEntries& entries,
    const TrustedRoot& root, const std::optional<v1::LogCheckpoint>& earlier = std::nullopt);

}  // namespace hallmark::verifier
