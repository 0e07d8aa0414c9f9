// Retention segments (hallmark-signer retention export --day D --out DIR): the log entries
// countersigned on one UTC day, with the checkpoint that closed the day, the checkpoint
// before it, the left edge of the earlier tree and a consistency proof between the two —
// everything `hallmark-verify log` needs offline. Written once: created exclusively under
// its final name only when complete and fsynced, then made read-only. Entries are streamed
// from the store into the file.
#pragma once

#include <filesystem>
#include <string>

#include "signer/store/evidence_store.h"

namespace hallmark::evidence {

struct SegmentWritten {
  std::filesystem::path file;   // DIR/hallmark-log-<day>.segment
  std::uint64_t first_index = 0;
  std::uint64_t entries = 0;
  std::uint64_t tree_size = 0;
};

// kUsage for a malformed day; kPolicyRefused when nothing was countersigned that day;
// kIo when the segment exists already (write-once) or cannot be written.
[[nodiscard]] Result<SegmentWritten> export_segment(EvidenceStore& store, std::string_view day,
                                                    const std::filesystem::path& out_dir);

}  // namespace hallmark::evidence
