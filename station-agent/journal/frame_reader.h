// Reading one journal frame from a file, and classifying what is wrong with it.
//
// Internal to the journal: shared by Journal::open() (which may recover a torn last
// write, after torn_write_problem() confirms it) and JournalCursor (for which any fault is
// damage). Only I/O failures are
// returned as errors; a bad frame is a value the caller decides about. Thread-safe
// (pread only).
#pragma once

#include <cstdint>
#include <string>

#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::station::detail {

enum class FrameStatus {
  kOk,
  kTorn,     // may be what an interrupted last write leaves: see torn_write_problem()
  kCorrupt,  // not explainable by an interrupted write
};

struct Frame {
  FrameStatus status = FrameStatus::kOk;
  std::string reason;  // for kTorn and kCorrupt
  std::uint64_t size = 0;
  Bytes record_bytes;
  verifier::Digest digest;  // SHA-256 of record_bytes
  v1::JournalRecord record;
};

// Reads exactly `size` bytes at `offset` (fewer only at end of file).
[[nodiscard]] Result<Bytes> pread_all(int fd, std::uint64_t offset, std::size_t size);

// The frame at `offset` of a file whose data ends at `end`.
[[nodiscard]] Result<Frame> read_frame(int fd, std::uint64_t offset, std::uint64_t end);

// "" if the bytes from `offset` to `end`, which read_frame() called kTorn, are what one
// interrupted append() of record `sequence` (linked to `previous`) can leave: at most one
// frame, either zeros or a prefix of that record's frame in which unwritten blocks may read
// as zeros. Otherwise what is wrong: damage, never to be cut.
[[nodiscard]] Result<std::string> torn_write_problem(int fd, std::uint64_t offset,
                                                     std::uint64_t end, std::uint64_t sequence,
                                                     const verifier::Digest& previous);

// "" if `frame` is record `sequence` and links to `previous`; else what is wrong. The
// rule itself is verifier::check_record_link, shared with export verification.
[[nodiscard]] std::string check_link(const Frame& frame, std::uint64_t sequence,
                                     const verifier::Digest& previous);

}  // namespace hallmark::station::detail
