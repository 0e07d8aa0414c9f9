#include "signer/evidence/retention.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/countersign.h"
#include "verifier/core/time_format.h"
#include "verifier/io/atomic_file.h"
#include "verifier/log/merkle.h"

namespace hallmark::evidence {
namespace {

namespace merkle = verifier::merkle;
using WireFormat = google::protobuf::internal::WireFormatLite;
constexpr std::int64_t kDaySeconds = 24 * 3600;
constexpr std::size_t kFlushBytes = 1 << 20;

// Writes LogSegment fields in field order straight into the file, so a day of any size
// takes the memory of one entry.
class SegmentWriter {
 public:
  explicit SegmentWriter(fileio::AtomicFile& file) : file_(file) {}

  void bytes_field(int field, std::string_view value) {
    google::protobuf::io::StringOutputStream stream(&buffer_);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(WireFormat::MakeTag(field, WireFormat::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<std::uint32_t>(value.size()));
    out.WriteRaw(value.data(), static_cast<int>(value.size()));
  }
  void varint_field(int field, std::uint64_t value) {
    google::protobuf::io::StringOutputStream stream(&buffer_);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(WireFormat::MakeTag(field, WireFormat::WIRETYPE_VARINT));
    out.WriteVarint64(value);
  }
  Result<void> maybe_flush() { return buffer_.size() >= kFlushBytes ? flush() : Result<void>{}; }
  Result<void> flush() {
    auto ok = file_.write(as_bytes(buffer_));
    buffer_.clear();
    return ok;
  }

 private:
  fileio::AtomicFile& file_;
  std::string buffer_;
};

}  // namespace

Result<SegmentWritten> export_segment(EvidenceStore& store, std::string_view day,
                                      const std::filesystem::path& out_dir) {
  auto start = verifier::parse_utc_day(day);
  if (!start) return fail(ErrorCode::kUsage, fmt::format("--day \"{}\" is not a date like 2026-11-21", day));
  auto that_day = store.checkpoints_between(*start, *start + kDaySeconds);
  if (!that_day) return std::unexpected(std::move(that_day).error());
  if (that_day->empty()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("nothing was countersigned on {} (no checkpoint that day)", day));
  }
  const CheckpointRow& closing = that_day->back();
  auto before = store.checkpoints_between(0, *start);
  if (!before) return std::unexpected(std::move(before).error());
  std::optional<CheckpointRow> previous;
  if (!before->empty()) previous = before->back();
  const std::uint64_t first = previous ? previous->tree_size : 0;

  const merkle::NodeSource nodes = store_nodes(store);
  auto edge = merkle::Frontier::load(first, nodes);
  if (!edge) return std::unexpected(std::move(edge).error());
  auto consistency = merkle::consistency_proof(first, closing.tree_size, nodes);
  if (!consistency) return std::unexpected(std::move(consistency).error());

  SegmentWritten written;
  written.file = out_dir / fmt::format("hallmark-log-{}.segment", day);
  written.first_index = first;
  written.entries = closing.tree_size - first;
  written.tree_size = closing.tree_size;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot create: {}", out_dir.string(), ec.message()));
  if (std::filesystem::exists(written.file)) {
    return fail(ErrorCode::kIo, fmt::format("{}: exists already; retention segments are "
                                            "write-once (verify it with hallmark-verify log)",
                                            written.file.string()));
  }
  auto file = fileio::AtomicFile::create(written.file, 0444);
  if (!file) return std::unexpected(std::move(file).error());
  SegmentWriter out(*file);
  out.bytes_field(1, day);
  out.varint_field(2, first);
  auto streamed = store.for_each_entry(first, closing.tree_size, [&out](const LogEntry& e) {
    out.bytes_field(3, as_chars(e.manifest));
    return out.maybe_flush();
  });
  if (!streamed) return std::unexpected(std::move(streamed).error());
  for (const auto& h : edge->hashes()) out.bytes_field(4, as_chars(h.bytes()));
  if (previous) out.bytes_field(5, as_chars(previous->envelope));
  out.bytes_field(6, as_chars(closing.envelope));
  v1::ConsistencyProof proof;
  proof.set_old_size(first);
  proof.set_new_size(closing.tree_size);
  for (const auto& h : *consistency) proof.add_hashes(std::string(as_chars(h.bytes())));
  out.bytes_field(7, proof.SerializeAsString());
  if (auto ok = out.flush(); !ok) return std::unexpected(std::move(ok).error());
  if (auto ok = file->commit_new(); !ok) return std::unexpected(std::move(ok).error());
  ::chmod(written.file.c_str(), 0444);
  return written;
}

}  // namespace hallmark::evidence
