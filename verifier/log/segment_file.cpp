#include "verifier/log/segment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "verifier/core/protobuf_wire.h"

namespace hallmark::verifier {
namespace {

using google::protobuf::io::CodedInputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

constexpr int kEntriesField = 3;  // LogSegment.entries

// The file, open for one pass; closed with it.
class Pass {
 public:
  explicit Pass(const std::filesystem::path& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), raw_(fd_) {
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = static_cast<std::int64_t>(st.st_size);
  }
  ~Pass() {
    if (fd_ >= 0) ::close(fd_);
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  [[nodiscard]] Result<void> opened() const {
    if (fd_ >= 0) return {};
    return fail(ErrorCode::kIo, fmt::format("{}: cannot open: {}", path_.string(), std::strerror(errno)));
  }

  // Calls `field(tag, in)` for each field, on a reader made afresh for each (so no reader's
  // 2 GiB limit applies to the file), until it returns false; `field` reads or skips exactly
  // that field, or returns what it refused. Skipping seeks, and a seek past the end
  // succeeds: the position is checked against the size.
  template <typename Field>
  Result<void> each_field(Field&& field) {
    for (;;) {
      const std::int64_t start = raw_.ByteCount();
      if (start > size_) return not_a_segment("the last field runs past the end of the file");
      CodedInputStream in(&raw_);
      auto tag = wire::read_tag(in);
      if (raw_.GetErrno() != 0) {
        return fail(ErrorCode::kIo, fmt::format("{}: read failed: {}", path_.string(),
                                                std::strerror(raw_.GetErrno())));
      }
      if (!tag) return not_a_segment(at(tag.error(), start), "a field tag");
      if (*tag == 0) return {};
      auto more = field(*tag, in);
      if (!more) return not_a_segment(at(more.error(), start), "a field");
      if (!*more) return {};
    }
  }

  [[nodiscard]] std::unexpected<Error> not_a_segment(std::string_view why) const {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: not a log segment (LogSegment protobuf): {}", path_.string(), why));
  }
  [[nodiscard]] std::unexpected<Error> not_a_segment(const wire::Fault& fault, std::string_view what) const {
    return not_a_segment(wire::describe(fault, what));
  }

 private:
  // `fault` was found by a reader that started at byte `start` of the file.
  static wire::Fault at(wire::Fault fault, std::int64_t start) {
    fault.at += start;
    return fault;
  }

  std::filesystem::path path_;
  int fd_;
  std::int64_t size_ = 0;
  google::protobuf::io::FileInputStream raw_;
};

bool is_entry(std::uint32_t tag) {
  return WireFormat::GetTagFieldNumber(tag) == kEntriesField &&
         WireFormat::GetTagWireType(tag) == WireFormat::WIRETYPE_LENGTH_DELIMITED;
}

}  // namespace

Result<SegmentFile> read_segment_head(const std::filesystem::path& path) {
  Pass pass(path);
  if (auto ok = pass.opened(); !ok) return std::unexpected(std::move(ok).error());
  SegmentFile file{path, {}, 0};
  std::string head;  // every other field, byte for byte
  auto ok = pass.each_field([&](std::uint32_t tag, CodedInputStream& in) -> wire::Read<bool> {
    if (is_entry(tag)) {
      if (auto skip = wire::read_length_delimited(in, kMaxSegmentEntryBytes, nullptr); !skip) {
        return std::unexpected(skip.error());
      }
      ++file.entry_count;
      return true;
    }
    // The head fields together are held to one entry's limit. `room` bounds this field's
    // value; its tag and size bytes, or a varint field, can still take the total over, so
    // the total is checked after each field (which also keeps `room` from wrapping).
    const auto room = kMaxSegmentEntryBytes - static_cast<std::uint32_t>(head.size());
    if (auto copy = wire::skip_field(in, tag, room, &head); !copy) return std::unexpected(copy.error());
    if (head.size() > kMaxSegmentEntryBytes) {
      return std::unexpected(wire::Fault{wire::Fault::Kind::kTooLarge, 0, head.size(), kMaxSegmentEntryBytes});
    }
    return true;
  });
  if (!ok) return std::unexpected(std::move(ok).error());
  if (!file.head.ParseFromString(head)) return pass.not_a_segment("protobuf refuses its fields");
  return file;
}

SegmentEntries segment_entries(const SegmentFile& file) {
  return [path = file.path](const SegmentEntryVisitor& visit) -> Result<void> {
    Pass pass(path);
    if (auto ok = pass.opened(); !ok) return ok;
    std::string entry;  // reused: one entry in memory at a time
    Result<void> visited;
    auto ok = pass.each_field([&](std::uint32_t tag, CodedInputStream& in) -> wire::Read<bool> {
      if (!is_entry(tag)) {
        if (auto skip = wire::skip_field(in, tag, kMaxSegmentEntryBytes); !skip) return std::unexpected(skip.error());
        return true;
      }
      if (auto read = wire::read_length_delimited(in, kMaxSegmentEntryBytes, &entry); !read) {
        return std::unexpected(read.error());
      }
      visited = visit(entry);
      return visited.has_value();
    });
    if (!ok) return ok;
    return visited;
  };
}

}  // namespace hallmark::verifier
