// The station journal's record chain rules, in one place for the station and the verifier.
//
// Record i has sequence i and previous_hash = SHA-256 of record i-1's exact bytes (32 zero
// bytes for record 1); a chain point names a record by its sequence and that hash (sequence
// 0 with the zero hash is the head of an empty journal). Station-agent/journal applies these
// rules to its file and verifier/journal to an export. Pure: no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::verifier {

// Sizes a station never exceeds, so anything larger is refused while it is read (before a
// buffer grows to it) by the station's journal, the signer's export reader and
// `hallmark-verify journal`.
inline constexpr std::size_t kMaxJournalRecordBytes = 16u * 1024u * 1024u;  // one record
inline constexpr std::size_t kMaxStationIdBytes = 255;  // the journal header's u8 limit
inline constexpr std::size_t kMaxCheckpointBytes = 64u * 1024u;  // a checkpoint's DSSE JSON

// A record of a journal: its sequence and the SHA-256 of its bytes.
struct ChainPoint {
  std::uint64_t sequence = 0;
  Digest hash;  // all zero for sequence 0
};

// The record parsed from its exact bytes; kVerificationFailed if they are not one.
[[nodiscard]] Result<v1::JournalRecord> parse_journal_record(ByteView record_bytes);

// "" if `record` is the record right after `previous` (sequence previous.sequence + 1 and
// previous_hash == previous.hash); else what is wrong, for a message naming the record.
[[nodiscard]] std::string check_record_link(const v1::JournalRecord& record,
                                            const ChainPoint& previous);

}  // namespace hallmark::verifier
