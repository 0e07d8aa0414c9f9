// The station export's rules, applied one record at a time (docs/design.md flow 7), so the
// signer can check an export of any size while streaming it, and verify_station_export()
// (station_export.h) applies the very same rules to an export in memory.
//
// ExportChain::start() takes the export's header and where its chain must start; add()
// takes each record's exact bytes in order and checks it parses and links to the one
// before; finish() checks the signed checkpoint (payload type journal-checkpoint) under the
// station key: same station, the last sequence, and the SHA-256 of the last record. Nothing
// an export says is trusted before finish() succeeds. Pure: no I/O, no clock; one object
// per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/public_key.h"
#include "verifier/journal/record_chain.h"

namespace hallmark::verifier {

// The first lines of a StationExport: who and which records. The station id becomes a
// StationId where it is read (verify_station_export, the signer's ExportReader).
struct ExportHeader {
  StationId station_id;
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
};

// One record that linked: its sequence, the SHA-256 of its bytes and its attestation
// envelope (a view into the record bytes given to add()).
struct LinkedRecord {
  std::uint64_t sequence = 0;
  Digest hash;
  std::string_view envelope;
};

// The verified checkpoint.
struct ExportCheckpoint {
  ChainPoint head;
  std::int64_t time_unix = 0;
};

class ExportChain {
 public:
  // `start` is the record the export continues from: the previous export's head, the
  // journal's beginning (sequence 0, zero hash) or, when neither is known, the first
  // record's own link (anchored = false; see record_link_start()). Refuses a header whose
  // record count cannot match or that does not continue from `start`.
  [[nodiscard]] static Result<ExportChain> begin(const ExportHeader& header, ChainPoint start,
                                                 bool anchored);
  // The chain start read from an export's first record when nothing else anchors it.
  [[nodiscard]] static Result<ChainPoint> record_link_start(const ExportHeader& header,
                                                            ByteView first_record);

  // The next record; refuses one that does not parse, link, or that is past the header's
  // last sequence. `record_bytes` must outlive the returned view.
  [[nodiscard]] Result<LinkedRecord> add(ByteView record_bytes);

  // The checkpoint (DSSE JSON) verifies and names this export's station, last record and
  // its hash; every record the header declared was added.
  [[nodiscard]] Result<ExportCheckpoint> finish(std::string_view checkpoint_json,
                                                const PublicKey& station_key) const;

  [[nodiscard]] const ExportHeader& header() const noexcept { return header_; }
  [[nodiscard]] const ChainPoint& start() const noexcept { return start_; }
  [[nodiscard]] const ChainPoint& head() const noexcept { return head_; }
  [[nodiscard]] bool anchored() const noexcept { return anchored_; }

 private:
  ExportChain(ExportHeader header, ChainPoint start, bool anchored)
      : header_(std::move(header)), start_(start), head_(start), anchored_(anchored) {}

  ExportHeader header_;
  ChainPoint start_;
  ChainPoint head_;
  bool anchored_ = false;
  v1::JournalRecord scratch_;
};

// "station export: <message>", kVerificationFailed: how every export refusal reads.
[[nodiscard]] Error export_refused(std::string message);

}  // namespace hallmark::verifier
