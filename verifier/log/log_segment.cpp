// LogSegment verification: both checkpoints, the left edge, every entry folded into the
// new root, the consistency proof, and the link to the segment before.
#include "verifier/log/log_segment.h"

#include <fmt/format.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "verifier/log/log_checkpoint.h"
#include "verifier/log/merkle.h"

namespace hallmark::verifier {
namespace {

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

struct TreeAt {
  std::uint64_t size = 0;
  Digest root = merkle::empty_root();
};

// The tree the segment continues: its signed checkpoint (none at index 0).
Result<std::optional<VerifiedCheckpoint>> previous_checkpoint(const v1::LogSegment& segment,
                                                              const TrustedRoot& root) {
  if (segment.first_index() == 0) {
    if (!segment.previous_checkpoint_envelope().empty()) {
      return refuse("the segment starts the log (first index 0) but carries a previous "
                    "checkpoint; the segment was not written by a Hallmark signer");
    }
    return std::optional<VerifiedCheckpoint>{};
  }
  auto previous = verify_log_checkpoint(segment.previous_checkpoint_envelope(), root);
  if (!previous) return std::unexpected(std::move(previous).error().context("previous checkpoint"));
  if (previous->checkpoint.tree_size() != segment.first_index()) {
    return refuse(fmt::format("the previous checkpoint is at tree size {}, but the segment "
                              "starts at index {}",
                              previous->checkpoint.tree_size(), segment.first_index()));
  }
  return std::optional<VerifiedCheckpoint>(std::move(*previous));
}

Result<void> check_entries(const v1::LogSegment& head, const SegmentEntries& entries,
                           const TreeAt& before, const VerifiedCheckpoint& checkpoint) {
  auto left = digests_of(head.left_hashes(), "left hashes");
  if (!left) return std::unexpected(std::move(left).error());
  auto frontier = merkle::Frontier::from_hashes(head.first_index(), std::move(*left));
  if (!frontier) return std::unexpected(std::move(frontier).error().context("left hashes"));
  if (frontier->root() != before.root) {
    return refuse(fmt::format("the left hashes do not fold to the previous checkpoint's root {} "
                              "at tree size {}",
                              before.root.hex(), before.size));
  }
  std::uint64_t index = head.first_index();
  v1::ProvisioningManifest manifest;  // reused: parsing clears it
  auto read = entries([&](std::string_view entry) -> Result<void> {
    if (!manifest.ParseFromArray(entry.data(), static_cast<int>(entry.size()))) {
      return refuse(fmt::format("log entry {} is not a ProvisioningManifest", index));
    }
    frontier->append(merkle::leaf_hash(as_bytes(entry)));
    ++index;
    return {};
  });
  if (!read) return read;
  if (frontier->root() != checkpoint.root) {
    return refuse(fmt::format(
        "the entries do not give the checkpoint's root {} at tree size {}: an entry was "
        "removed, added, reordered or changed",
        checkpoint.root.hex(), checkpoint.checkpoint.tree_size()));
  }
  return {};
}

Result<void> check_consistency(const v1::LogSegment& segment, const TreeAt& before,
                               const VerifiedCheckpoint& checkpoint) {
  const v1::ConsistencyProof& proof = segment.consistency();
  const std::uint64_t size = checkpoint.checkpoint.tree_size();
  if (proof.old_size() != before.size || proof.new_size() != size) {
    return refuse(fmt::format("the consistency proof is from tree size {} to {}, but the "
                              "segment goes from {} to {}",
                              proof.old_size(), proof.new_size(), before.size, size));
  }
  auto hashes = digests_of(proof.hashes(), "consistency proof");
  if (!hashes) return std::unexpected(std::move(hashes).error());
  if (!merkle::verify_consistency(before.size, size, before.root, checkpoint.root, *hashes)) {
    return refuse(fmt::format("the consistency proof does not show the tree of {} leaves is a "
                              "prefix of the tree of {}: the log was rewritten",
                              before.size, size));
  }
  return {};
}

}  // namespace

Result<VerifiedSegment> verify_log_segment(const v1::LogSegment& segment,
                                           const TrustedRoot& root,
                                           const std::optional<v1::LogCheckpoint>& earlier) {
  const SegmentEntries entries = [&segment](const SegmentEntryVisitor& visit) -> Result<void> {
    for (const std::string& entry : segment.entries()) {
      if (auto ok = visit(entry); !ok) return ok;
    }
    return {};
  };
  return verify_log_segment(segment, static_cast<std::uint64_t>(segment.entries_size()), entries,
                            root, earlier);
}

Result<VerifiedSegment> verify_log_segment(const v1::LogSegment& segment,
                                           std::uint64_t entry_count,
                                           const SegmentEntries& entries, const TrustedRoot& root,
                                           const std::optional<v1::LogCheckpoint>& earlier) {
  auto checkpoint = verify_log_checkpoint(segment.checkpoint_envelope(), root);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error().context("checkpoint"));
  auto previous = previous_checkpoint(segment, root);
  if (!previous) return std::unexpected(std::move(previous).error());

  const std::uint64_t first = segment.first_index();
  const std::uint64_t count = entry_count;
  if (first > UINT64_MAX - count || checkpoint->checkpoint.tree_size() != first + count) {
    return refuse(fmt::format("the checkpoint is at tree size {}, but the segment holds entries "
                              "{}..{} ({} entries)",
                              checkpoint->checkpoint.tree_size(), first, first + count, count));
  }
  TreeAt before;
  if (*previous) before = TreeAt{first, (*previous)->root};

  if (earlier) {
    if (!*previous) {
      return refuse("the segment starts the log (first index 0), so it continues no earlier "
                    "segment; check the order of the segments you gave");
    }
    if (!same_tree(*earlier, (*previous)->checkpoint)) {
      return refuse(fmt::format(
          "the earlier segment ends at tree size {} (root {}), but this segment continues the "
          "tree of size {} (root {}): segments are missing between them or the log forked",
          earlier->tree_size(), to_hex(as_bytes(earlier->root_hash())), first, before.root.hex()));
    }
  }
  if (auto ok = check_entries(segment, entries, before, *checkpoint); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  if (auto ok = check_consistency(segment, before, *checkpoint); !ok) {
    return std::unexpected(std::move(ok).error());
  }

  VerifiedSegment out;
  out.day = segment.day();
  out.first_index = first;
  out.entry_count = count;
  out.last_index = count == 0 ? first : first + count - 1;
  out.checkpoint = std::move(checkpoint->checkpoint);
  if (*previous) out.previous = std::move((*previous)->checkpoint);
  return out;
}

}  // namespace hallmark::verifier
