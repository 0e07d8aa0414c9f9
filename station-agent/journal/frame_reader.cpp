#include "station-agent/journal/frame_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "station-agent/journal/journal_format.h"
#include "verifier/journal/record_chain.h"

namespace hallmark::station::detail {
namespace {

Frame fault(FrameStatus status, std::string reason) {
  Frame frame;
  frame.status = status;
  frame.reason = std::move(reason);
  return frame;
}

// True if every byte from `offset` to `end` is zero (a file extended but never written).
Result<bool> zeros_to_end(int fd, std::uint64_t offset, std::uint64_t end) {
  constexpr std::size_t kChunk = 64 * 1024;
  while (offset < end) {
    auto chunk = pread_all(fd, offset, static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end - offset)));
    if (!chunk) return std::unexpected(std::move(chunk).error());
    if (chunk->empty()) return true;
    if (std::any_of(chunk->begin(), chunk->end(), [](std::byte b) { return b != std::byte{0}; })) {
      return false;
    }
    offset += chunk->size();
  }
  return true;
}

}  // namespace

Result<Bytes> pread_all(int fd, std::uint64_t offset, std::size_t size) {
  Bytes out(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out.data() + done, size - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(ErrorCode::kIo, fmt::format("read at offset {}: {}", offset + done,
                                              std::strerror(errno)));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

Result<Frame> read_frame(int fd, std::uint64_t offset, std::uint64_t end) {
  const std::uint64_t remaining = end - offset;
  if (remaining < 4) {
    return fault(FrameStatus::kTorn, fmt::format("incomplete length prefix ({} of 4 bytes)",
                                                 remaining));
  }
  auto prefix = pread_all(fd, offset, 4);
  if (!prefix) return std::unexpected(std::move(prefix).error());
  if (prefix->size() < 4) return fault(FrameStatus::kTorn, "file shrank while reading");
  const std::uint32_t length = get_u32_be(*prefix);
  if (length == 0) {
    // Zeros are what a file extended by an interrupted write holds, and one write is at
    // most one frame: more zeros than that were not left by a write of ours.
    if (remaining > kMaxFrameBytes) {
      return fault(FrameStatus::kCorrupt,
                   fmt::format("zero record length, with {} bytes after it (more than the {} "
                               "bytes of the largest frame)", remaining, kMaxFrameBytes));
    }
    auto zeros = zeros_to_end(fd, offset, end);
    if (!zeros) return std::unexpected(std::move(zeros).error());
    return *zeros ? fault(FrameStatus::kTorn, fmt::format("zero-filled tail of {} bytes", remaining))
                  : fault(FrameStatus::kCorrupt, "zero record length");
  }
  // Checked before the frame's end: append() never writes such a prefix, so no torn write
  // leaves one, even at the end of the file.
  if (length > kMaxJournalRecordBytes) {
    return fault(FrameStatus::kCorrupt,
                 fmt::format("record length {} is above the {} byte limit", length,
                             kMaxJournalRecordBytes));
  }
  const std::uint64_t size = std::uint64_t{length} + kFrameOverhead;
  if (size > remaining) {
    return fault(FrameStatus::kTorn,
                 fmt::format("incomplete frame ({} of {} bytes)", remaining, size));
  }
  auto body = pread_all(fd, offset + 4, std::size_t{length} + 4);
  if (!body) return std::unexpected(std::move(body).error());
  if (body->size() != std::size_t{length} + 4) {
    return fault(FrameStatus::kTorn, "file shrank while reading");
  }
  Frame frame;
  frame.size = size;
  const std::uint32_t check = get_u32_be(ByteView(*body).subspan(length));
  body->resize(length);
  frame.record_bytes = std::move(*body);
  auto digest = verifier::sha256(frame.record_bytes);
  if (!digest) return std::unexpected(std::move(digest).error());
  frame.digest = *digest;
  if (check != frame_check(frame.digest)) {
    const bool last = offset + size == end;
    return fault(last ? FrameStatus::kTorn : FrameStatus::kCorrupt,
                 last ? "checksum mismatch in the last frame" : "checksum mismatch");
  }
  if (!frame.record.ParseFromArray(frame.record_bytes.data(), static_cast<int>(length))) {
    return fault(FrameStatus::kCorrupt, "checksum matches but the bytes are not a JournalRecord");
  }
  return frame;
}

Result<std::string> torn_write_problem(int fd, std::uint64_t offset, std::uint64_t end,
                                       std::uint64_t sequence, const verifier::Digest& previous) {
  const std::uint64_t tail = end - offset;
  if (tail > kMaxFrameBytes) {
    return fmt::format("{} bytes follow the last whole record, more than the {} bytes one "
                       "interrupted write can leave", tail, kMaxFrameBytes);
  }
  constexpr std::size_t kLongestPrefix = 64;  // length, sequence, hash, envelope tag and size
  auto bytes = pread_all(fd, offset, static_cast<std::size_t>(std::min<std::uint64_t>(tail, kLongestPrefix)));
  if (!bytes) return std::unexpected(std::move(bytes).error());
  if (bytes->size() < 4) return std::string();  // part of a length prefix
  const std::uint32_t length = get_u32_be(*bytes);
  if (length == 0) return std::string();  // read_frame(): zeros to the end, within one frame
  const auto expected = frame_prefix(sequence, previous, length);
  if (!expected) {
    return fmt::format("its length prefix ({} bytes) fits no record {}", length, sequence);
  }
  // A block the interrupted write never reached reads as zeros; every other byte must be
  // the one append() wrote for the next record (a frame of another record, or a length
  // prefix that disagrees with its record, is damage: later records would be cut with it).
  const std::size_t n = std::min(bytes->size(), expected->size());
  for (std::size_t i = 4; i < n; ++i) {
    if ((*bytes)[i] != (*expected)[i] && (*bytes)[i] != std::byte{0}) {
      return fmt::format("the bytes at offset {} are not the start of record {} (linked to "
                         "record {}) with the length its prefix gives", offset + i, sequence,
                         sequence - 1);
    }
  }
  return std::string();
}

std::string check_link(const Frame& frame, std::uint64_t sequence,
                       const verifier::Digest& previous) {
  return verifier::check_record_link(frame.record, verifier::ChainPoint{sequence - 1, previous});
}

}  // namespace hallmark::station::detail
