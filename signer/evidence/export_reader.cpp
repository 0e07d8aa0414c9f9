#include "signer/evidence/export_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>

#include "verifier/core/json_rules.h"
#include "verifier/core/protobuf_wire.h"

namespace hallmark::evidence {
namespace {

namespace pbio = google::protobuf::io;
using WireFormat = google::protobuf::internal::WireFormatLite;

// StationExport's field numbers (proto/hallmark/station.proto).
constexpr int kStationId = 1;
constexpr int kFirstSequence = 2;
constexpr int kLastSequence = 3;
constexpr int kRecords = 4;
constexpr int kCheckpoint = 5;

std::uint32_t tag_of(int field, WireFormat::WireType type) {
  return WireFormat::MakeTag(field, type);
}

}  // namespace

struct ExportReader::Stream {
  int fd = -1;
  std::unique_ptr<pbio::FileInputStream> file;
  std::unique_ptr<pbio::CodedInputStream> coded;
  ~Stream() {
    coded.reset();
    file.reset();
    if (fd >= 0) ::close(fd);
  }
};

ExportReader::ExportReader(std::filesystem::path path, std::unique_ptr<Stream> stream)
    : path_(std::move(path)), stream_(std::move(stream)) {}
ExportReader::~ExportReader() = default;
ExportReader::ExportReader(ExportReader&&) noexcept = default;
ExportReader& ExportReader::operator=(ExportReader&&) noexcept = default;

Error ExportReader::malformed(std::string_view what) const {
  Error error;
  error.code = ErrorCode::kVerificationFailed;
  error.message = fmt::format("{}: not a station export written by hallmark-station ({})",
                              path_.string(), what);
  return error;
}

Result<void> ExportReader::read_bounded(std::string& out, std::size_t limit,
                                       std::string_view what) {
  auto read = verifier::wire::read_length_delimited(*stream_->coded, static_cast<std::uint32_t>(limit), &out);
  if (!read) return std::unexpected(malformed(verifier::wire::describe(read.error(), what)));
  return {};
}

Result<ExportReader> ExportReader::open(const std::filesystem::path& path) {
  auto stream = std::make_unique<Stream>();
  stream->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (stream->fd < 0) {
    return fail(ErrorCode::kIo, fmt::format("{}: cannot open the station export: {}",
                                            path.string(), std::strerror(errno)));
  }
  stream->file = std::make_unique<pbio::FileInputStream>(stream->fd, 1 << 16);
  stream->coded = std::make_unique<pbio::CodedInputStream>(stream->file.get());
  stream->coded->SetTotalBytesLimit(INT_MAX);
  ExportReader reader(path, std::move(stream));
  if (auto ok = reader.read_header(); !ok) return std::unexpected(std::move(ok).error());
  return reader;
}

Result<std::uint64_t> ExportReader::read_varint(std::string_view what) {
  auto value = verifier::wire::read_varint(*stream_->coded);
  if (!value) return std::unexpected(malformed(verifier::wire::describe(value.error(), what)));
  return *value;
}

Result<std::uint32_t> ExportReader::read_tag() {
  auto tag = verifier::wire::read_tag(*stream_->coded);
  if (!tag) return std::unexpected(malformed(verifier::wire::describe(tag.error(), "the field tag")));
  return *tag;
}

Result<void> ExportReader::read_header() {
  for (;;) {
    auto read_one = read_tag();
    if (!read_one) return std::unexpected(std::move(read_one).error());
    const std::uint32_t tag = *read_one;
    if (tag == tag_of(kStationId, WireFormat::WIRETYPE_LENGTH_DELIMITED)) {
      std::string station_id;
      auto read = read_bounded(station_id, verifier::kMaxStationIdBytes, "the station id");
      if (!read) return std::unexpected(std::move(read).error());
      // A protobuf string: protobuf's own parser refuses one that is not UTF-8.
      if (!verifier::is_utf8(station_id)) return std::unexpected(malformed("the station id is not UTF-8"));
      header_.station_id = StationId(std::move(station_id));
    } else if (tag == tag_of(kFirstSequence, WireFormat::WIRETYPE_VARINT)) {
      auto read = read_varint("the first sequence");
      if (!read) return std::unexpected(std::move(read).error());
      header_.first_sequence = *read;
    } else if (tag == tag_of(kLastSequence, WireFormat::WIRETYPE_VARINT)) {
      auto read = read_varint("the last sequence");
      if (!read) return std::unexpected(std::move(read).error());
      header_.last_sequence = *read;
    } else {
      pending_tag_ = tag;
      return {};
    }
  }
}

Result<std::optional<ByteView>> ExportReader::next() {
  if (done_) return std::optional<ByteView>{};
  std::uint32_t tag = pending_tag_;
  if (tag == 0) {
    auto read_one = read_tag();
    if (!read_one) return std::unexpected(std::move(read_one).error());
    tag = *read_one;
  }
  pending_tag_ = 0;
  if (tag == tag_of(kRecords, WireFormat::WIRETYPE_LENGTH_DELIMITED)) {
    auto read = read_bounded(record_, verifier::kMaxJournalRecordBytes, "a record");
    if (!read) return std::unexpected(std::move(read).error());
    return std::optional<ByteView>{as_bytes(record_)};
  }
  if (tag == tag_of(kCheckpoint, WireFormat::WIRETYPE_LENGTH_DELIMITED)) {
    auto read = read_bounded(checkpoint_, verifier::kMaxCheckpointBytes, "the checkpoint");
    if (!read) return std::unexpected(std::move(read).error());
    if (auto after = read_tag(); !after || *after != 0) {
      return std::unexpected(malformed("bytes after the checkpoint"));
    }
    done_ = true;
    return std::optional<ByteView>{};
  }
  if (tag == 0) return std::unexpected(malformed("no checkpoint: the file ends early"));
  return std::unexpected(malformed(fmt::format("unexpected field {}", tag >> 3)));
}

}  // namespace hallmark::evidence
