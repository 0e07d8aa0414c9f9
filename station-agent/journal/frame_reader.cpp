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
    auto zeros = zeros_to_end(fd, offset, end);
    if (!zeros) return std::unexpected(std::move(zeros).error());
    return *zeros ? fault(FrameStatus::kTorn, "zero-filled tail")
                  : fault(FrameStatus::kCorrupt, "zero record length");
  }
  const std::uint64_t size = std::uint64_t{length} + kFrameOverhead;
  if (size > remaining) {
    return fault(FrameStatus::kTorn,
                 fmt::format("incomplete frame ({} of {} bytes)", remaining, size));
  }
  if (length > kMaxJournalRecordBytes) {
    return fault(FrameStatus::kCorrupt, fmt::format("implausible record length {}", length));
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

std::string check_link(const Frame& frame, std::uint64_t sequence,
                       const verifier::Digest& previous) {
  return verifier::check_record_link(frame.record, verifier::ChainPoint{sequence - 1, previous});
}

}  // namespace hallmark::station::detail
