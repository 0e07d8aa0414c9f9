#include "verifier/cli/segment_file.h"

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

namespace hallmark::verifier::cli {
namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;
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
  // 2 GiB limit applies to the file); `field` reads or skips exactly that field. Skipping
  // seeks, and a seek past the end succeeds: the position is checked against the size.
  template <typename Field>
  Result<void> each_field(Field&& field) {
    for (;;) {
      if (raw_.ByteCount() > size_) return not_a_segment();  // the last field ran past the end
      CodedInputStream in(&raw_);
      const std::uint32_t tag = in.ReadTag();
      if (tag == 0) {
        if (raw_.GetErrno() != 0) {
          return fail(ErrorCode::kIo, fmt::format("{}: read failed: {}", path_.string(),
                                                  std::strerror(raw_.GetErrno())));
        }
        // ReadTag() gives 0 at the end of the file and for a zero tag: only the end is valid.
        if (!in.ConsumedEntireMessage()) return not_a_segment();
        return {};
      }
      if (auto ok = field(tag, in); !ok) return ok;
    }
  }

  [[nodiscard]] std::unexpected<Error> not_a_segment() const {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: not a log segment (LogSegment protobuf)", path_.string()));
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
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
  std::string head;  // every other field, copied as it was
  auto ok = pass.each_field([&](std::uint32_t tag, CodedInputStream& in) -> Result<void> {
    if (is_entry(tag)) {
      std::uint32_t size = 0;
      if (!in.ReadVarint32(&size) || size > kMaxSegmentEntryBytes || !in.Skip(static_cast<int>(size))) {
        return pass.not_a_segment();
      }
      ++file.entry_count;
      return {};
    }
    StringOutputStream sink(&head);
    CodedOutputStream out(&sink);
    if (!WireFormat::SkipField(&in, tag, &out)) return pass.not_a_segment();
    out.Trim();
    if (head.size() > kMaxSegmentEntryBytes) return pass.not_a_segment();
    return {};
  });
  if (!ok) return std::unexpected(std::move(ok).error());
  if (!file.head.ParseFromString(head)) return pass.not_a_segment();
  return file;
}

SegmentEntries segment_entries(const SegmentFile& file) {
  return [path = file.path](const SegmentEntryVisitor& visit) -> Result<void> {
    Pass pass(path);
    if (auto ok = pass.opened(); !ok) return ok;
    std::string entry;  // reused: one entry in memory at a time
    return pass.each_field([&](std::uint32_t tag, CodedInputStream& in) -> Result<void> {
      if (!is_entry(tag)) {
        if (!WireFormat::SkipField(&in, tag)) return pass.not_a_segment();
        return {};
      }
      std::uint32_t size = 0;
      if (!in.ReadVarint32(&size) || size > kMaxSegmentEntryBytes ||
          !in.ReadString(&entry, static_cast<int>(size))) {
        return pass.not_a_segment();
      }
      return visit(entry);
    });
  };
}

}  // namespace hallmark::verifier::cli
