// Journal: the station's append-only, hash-chained, crash-safe record of every attestation.
//
// Format: journal_format.h and docs/journal-format.md. Guarantees:
//  - append() returns a sequence number only after the whole frame went out in one
//    O_APPEND write and fdatasync() succeeded, so a crash at any byte loses no record whose
//    append() returned. Any write or sync failure is an error that names the file and says
//    the line must stop; the in-memory head does not advance and every later append() on
//    this object is refused (the file may hold a partial frame: reopen to recover it).
//  - open() verifies the whole file: header, every frame's length and checksum, every
//    record's sequence and chain link. Only what one interrupted append() can leave is a
//    torn write: at most one frame's worth of bytes after the last whole record, either
//    zeros or the start of the next record's frame (its length within the record limit, its
//    sequence and link the next ones; blocks never written may read as zeros), incomplete
//    or complete with a failing checksum. It is reported (recovered_tail(): offset, bytes,
//    why) and cut by the first append(), never by open() alone, so the caller records the
//    repair (the station's JOURNAL_REPAIRED event) as the record that replaces it: a torn
//    tail is never cut without a record of the cut. Any other damage — anywhere, the last
//    frame included — is refused (kVerificationFailed naming the record and byte offset)
//    and the file is left as it is.
//  - open() given a JournalResume (the head a verified state snapshot was taken at) checks
//    only that frame — whole, checksum right, its record hash the one given — and verifies
//    the file from there on as above. The records before it are fixed by that hash (the
//    chain) and verified whenever they are read (records_since()), not at open(). A resume
//    point that does not match is not an error: open() verifies the whole file as without
//    one and resumed() is false.
//  - A sealed journal (HMJRNL2 header, journal_seal.h) starts after the record its header
//    names: its first record links to that record's hash, and records_since() refuses to
//    read before it (those records are in segments, off the station).
//  - records_read() counts the frames open() and every cursor of this journal read, so a
//    caller can show (and a test check) that a command read only what it needed.
//  - One writer: open() takes an exclusive flock() and refuses a journal already open.
// Signs only checkpoints, and only with the station key as a hsm::ProductionSigner opened
// for the station role (hsm-profiles/profile/production_signer.h): a key whose provenance
// failed the check never becomes one, and one opened for another role is refused
// (kPolicyRefused naming the key and the journal), so no front end can sign a checkpoint
// with whatever key or callback it holds. Not thread-safe: one Journal per thread; a
// JournalCursor is independent of its Journal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/sha256.h"
#include "verifier/io/unique_fd.h"
#include "verifier/journal/record_chain.h"

namespace hallmark::station {

// The last committed record: sequence 0 and an all-zero hash for an empty journal.
// (The chain rules live in verifier/journal, shared with export verification.)
using JournalHead = verifier::ChainPoint;

// The torn final write open() found (and the first append() cuts).
struct TornTail {
  std::uint64_t offset = 0;  // where the torn frame started (the file size after the cut)
  std::uint64_t bytes = 0;   // how many bytes were removed
  std::string reason;        // "incomplete frame", "checksum mismatch", ...
};

struct JournalEntry {
  std::uint64_t sequence = 0;
  Bytes record_bytes;          // the exact v1::JournalRecord bytes (chained and exported)
  Bytes attestation_envelope;  // DSSE JSON bytes
};

// Reads committed records in order, checking checksum, sequence and chain again as it
// goes (the file is re-read, not trusted from memory). Sees the journal as it was when
// records_since() was called.
class JournalCursor {
 public:
  // The next record, std::nullopt at the end, or an error naming the record.
  [[nodiscard]] Result<std::optional<JournalEntry>> next();
  // The byte offset of the next record's frame (the end of the journal after the last).
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  friend class Journal;
  [[nodiscard]] Result<std::optional<JournalEntry>> next_checked();
  JournalCursor(std::filesystem::path path, fileio::UniqueFd fd, std::uint64_t offset,
                std::uint64_t end, std::uint64_t sequence, verifier::Digest previous,
                std::uint64_t* records_read, std::uint64_t skip_through = 0) noexcept;
  std::filesystem::path path_;
  fileio::UniqueFd fd_;
  std::uint64_t offset_;
  std::uint64_t end_;
  std::uint64_t sequence_;  // of the next record
  verifier::Digest previous_;
  std::uint64_t skip_through_;  // records up to this one are checked but not returned
  std::uint64_t* records_read_;  // the Journal's counter (outlives its cursors)
};

// Where a state snapshot says the journal's head was: record `sequence`, whose chain hash
// is `hash` and whose frame starts at byte `offset`.
struct JournalResume {
  std::uint64_t sequence = 0;
  verifier::Digest hash;
  std::uint64_t offset = 0;
};

class Journal {
 public:
  // Creates the journal (header only, atomically) if `path` does not exist, else verifies
  // it and finds a torn final write (see above); open() itself never changes the file.
  // kVerificationFailed for damage or another station's journal, kIo for file system
  // errors or a journal open elsewhere.
  // With `resume`, see the header comment: only the records after it are verified here.
  [[nodiscard]] static Result<Journal> open(const std::filesystem::path& path,
                                            const StationId& station_id,
                                            const std::optional<JournalResume>& resume = {});

  // open() verified only the records after the resume point it was given.
  [[nodiscard]] bool resumed() const noexcept { return resumed_; }
  // The last record sealed into a segment (sequence 0: none); the first record links to it.
  [[nodiscard]] const verifier::ChainPoint& sealed() const noexcept { return sealed_; }
  // Frames read so far by open() and by cursors (see the header comment).
  [[nodiscard]] std::uint64_t records_read() const noexcept { return *records_read_; }
  // The header's size: where the first frame starts.
  [[nodiscard]] std::uint64_t header_size() const noexcept { return header_size_; }
  // Why open() did not resume where it was asked to ("" when it did or was not asked).
  [[nodiscard]] const std::string& resume_refused() const noexcept { return resume_refused_; }
  // The byte offset of the head record's frame (0 for an empty journal).
  [[nodiscard]] std::uint64_t head_offset() const noexcept { return head_offset_; }

  [[nodiscard]] JournalHead head() const noexcept { return head_; }
  [[nodiscard]] const std::optional<TornTail>& recovered_tail() const noexcept {
    return recovered_;
  }
  // A torn tail was found and not cut yet (no append since open()).
  [[nodiscard]] bool torn_tail_pending() const noexcept { return recovered_ && !tail_cut_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] const StationId& station_id() const noexcept { return station_id_; }

  // Appends one record and returns its sequence number once it is durable. The first
  // append() after open() found a torn tail cuts the tail (ftruncate, fsync) first.
  [[nodiscard]] Result<std::uint64_t> append(ByteView attestation_envelope);

  // The records with a sequence greater than `after` (0: all), in order. kPolicyRefused
  // when `after` is before the sealed record (those records are in segments).
  [[nodiscard]] Result<JournalCursor> records_since(std::uint64_t after) const;

  // Replaces the file, atomically (a temporary file, fsync, rename, directory fsync), by a
  // sealed journal that starts after `through` (its header names it) and holds the bytes
  // from `keep_from` (the frame of record through.sequence + 1, or the end) on, as they are.
  // The caller has read and checked those records (journal_seal.h). This object then refuses
  // appends: the file it holds is no longer the journal; reopen.
  [[nodiscard]] Result<void> replace_sealed(const verifier::ChainPoint& through,
                                            std::uint64_t keep_from);

  // The deterministic v1::JournalCheckpoint bytes of the current head at `time_unix`.
  [[nodiscard]] Bytes checkpoint_payload(std::int64_t time_unix) const;
  // The same of another record `point` of this journal (a segment's last record).
  [[nodiscard]] Bytes checkpoint_payload(const verifier::ChainPoint& point,
                                         std::int64_t time_unix) const;
  // A DSSE envelope (payload type payload_type_of("journal-checkpoint")) over
  // checkpoint_payload(time_unix), signed by `station_key` (its key id is the signature
  // hint). kPolicyRefused naming the key when it was not opened for the station role.
  [[nodiscard]] Result<v1::Envelope> make_checkpoint(
      std::int64_t time_unix, const hsm::ProductionSigner& station_key) const;
  // The same of record `point` (a segment's last record).
  [[nodiscard]] Result<v1::Envelope> make_checkpoint(
      const verifier::ChainPoint& point, std::int64_t time_unix,
      const hsm::ProductionSigner& station_key) const;

 private:
  Journal(std::filesystem::path path, StationId station_id, fileio::UniqueFd fd) noexcept;
  [[nodiscard]] Result<void> scan(std::uint64_t from, std::uint64_t file_size);
  // "" when `resume` is a whole record of this file with that hash; else why not.
  [[nodiscard]] Result<std::string> check_resume(const JournalResume& resume,
                                                 std::uint64_t file_size);
  [[nodiscard]] Result<void> cut_torn_tail();

  std::filesystem::path path_;
  StationId station_id_;
  fileio::UniqueFd fd_;
  std::uint64_t header_size_ = 0;
  std::uint64_t size_ = 0;              // committed bytes (header + whole frames)
  verifier::ChainPoint sealed_;         // the header's sealed record (0: none)
  std::uint64_t base_ = 0;              // records up to base_ were not scanned (resumed
                                        // or sealed)
  verifier::Digest base_hash_;          // the chain hash of record base_
  bool resumed_ = false;
  // Behind a pointer so that a moved Journal's cursors keep counting into it.
  std::unique_ptr<std::uint64_t> records_read_ = std::make_unique<std::uint64_t>(0);
  std::vector<std::uint64_t> offsets_;  // offsets_[i]: frame of record base_ + i + 1
  std::uint64_t head_offset_ = 0;
  std::string resume_refused_;
  JournalHead head_;
  std::optional<TornTail> recovered_;
  bool tail_cut_ = false;               // recovered_ has been cut off the file
  bool failed_ = false;                 // a write or sync failed: appends refused
};

}  // namespace hallmark::station
