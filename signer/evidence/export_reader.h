// Reading a station export file (v1::StationExport, binary protobuf) one record at a time,
// so countersigning a million units takes the memory of one record, not of the batch.
//
// The file must be laid out as hallmark-station writes it (protobuf's field order): the
// header fields (station_id, first_sequence, last_sequence), then the records, then the
// checkpoint envelope, every tag, size and varint in its shortest encoding
// (verifier/core/protobuf_wire.h); anything else is refused as "not a station export
// written by hallmark-station", naming the file. next() returns each record's exact bytes; after the
// last record, checkpoint_envelope() holds the checkpoint. Every field is bounded while it
// is read, before a buffer grows: the station id to verifier::kMaxStationIdBytes, a record
// to kMaxJournalRecordBytes, the checkpoint to kMaxCheckpointBytes (record_chain.h); a
// larger one is refused naming the field and the limit. Files over 2 GiB are refused
// (protobuf's stream limit; the station exports per shift). One object per thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/journal/export_chain.h"

namespace hallmark::evidence {

class ExportReader {
 public:
  // Opens `path` and reads the header; kIo when it cannot be read, kVerificationFailed when
  // it is not a station export.
  [[nodiscard]] static Result<ExportReader> open(const std::filesystem::path& path);
  ~ExportReader();
  ExportReader(ExportReader&&) noexcept;
  ExportReader& operator=(ExportReader&&) noexcept;

  [[nodiscard]] const verifier::ExportHeader& header() const noexcept { return header_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // The next record's bytes (valid until the next call), or nullopt after the last one.
  [[nodiscard]] Result<std::optional<ByteView>> next();
  // The checkpoint envelope JSON: valid once next() returned nullopt.
  [[nodiscard]] const std::string& checkpoint_envelope() const noexcept { return checkpoint_; }

 private:
  struct Stream;
  ExportReader(std::filesystem::path path, std::unique_ptr<Stream> stream);
  [[nodiscard]] Result<void> read_header();
  // The next field tag (0 at the end of the file) and a varint field's value `what`, each
  // in its shortest encoding only (verifier/core/protobuf_wire.h).
  [[nodiscard]] Result<std::uint32_t> read_tag();
  [[nodiscard]] Result<std::uint64_t> read_varint(std::string_view what);
  // A length-delimited field of at most `limit` bytes into `out`; `what` names it.
  [[nodiscard]] Result<void> read_bounded(std::string& out, std::size_t limit, std::string_view what);
  [[nodiscard]] Error malformed(std::string_view what) const;

  std::filesystem::path path_;
  std::unique_ptr<Stream> stream_;
  verifier::ExportHeader header_;
  std::string record_;
  std::string checkpoint_;
  bool done_ = false;
  std::uint32_t pending_tag_ = 0;  // a tag read but not yet consumed
};

}  // namespace hallmark::evidence
