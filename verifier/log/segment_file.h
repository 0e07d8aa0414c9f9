// A retention segment read from its file without holding it: a day of a busy factory is
// hundreds of MiB of manifests, and `hallmark-verify log` must run in memory that does not
// grow with it. Two passes over the file: the first reads everything but the entries (and
// counts them), the second hands the entries over one at a time. Tags and sizes are read
// in their shortest encoding only (verifier/core/protobuf_wire.h), so a file this reader
// takes is one protobuf's parser takes as the same LogSegment.
#pragma once

#include <cstdint>
#include <filesystem>

#include "hallmark/evidence.pb.h"
#include "verifier/core/error.h"
#include "verifier/log/log_segment.h"

namespace hallmark::verifier {

struct SegmentFile {
  std::filesystem::path path;
  v1::LogSegment head;            // every field but the entries
  std::uint64_t entry_count = 0;
};

// An entry larger than this, or everything but the entries together larger than this, is
// not a segment Hallmark wrote (a manifest is a few KiB).
inline constexpr std::uint32_t kMaxSegmentEntryBytes = 64u * 1024u * 1024u;

// kIo when the file cannot be read; kVerificationFailed when it is not a LogSegment.
[[nodiscard]] Result<SegmentFile> read_segment_head(const std::filesystem::path& path);

// The entries of `file`, in order (its second pass); errors name the file.
[[nodiscard]] SegmentEntries segment_entries(const SegmentFile& file);

}  // namespace hallmark::verifier
