// The station journal's on-disk format: file header, record frames and their checksums.
//
// A journal file is
//   header:  "HMJRNL1\n" | u16 BE n | n bytes station id (UTF-8, 1..255) | u32 check
//       or:  "HMJRNL2\n" | u16 BE n | station id | u64 BE sealed sequence | 32 bytes its hash
//            | u32 check   (a journal whose records up to the sealed one are in segments)
//   frames:  u32 BE n | n bytes deterministic v1::JournalRecord | u32 check
// where `check` is the first 4 bytes (big-endian) of the SHA-256 of the bytes it follows
// (for a frame: of the record bytes only). Records are numbered from 1: record i has
// sequence i and previous_hash = SHA-256 of record i-1's bytes (32 zero bytes for record 1);
// a sealed journal's first record is the sealed one's successor and links to its hash.
// The checksum is truncated SHA-256 rather than CRC32C because every record's SHA-256 is
// computed anyway for the hash chain, so it costs nothing and needs no second primitive.
// It only tells a torn write from a complete one; tamper evidence comes from the chain and
// the signed checkpoints (docs/journal-format.md). Pure functions, no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/journal/record_chain.h"

namespace hallmark::station {

inline constexpr std::string_view kJournalMagic = "HMJRNL1\n";
// A journal whose first records were sealed into segments (journal_seal.h): its header also
// names the last sealed record (u64 BE sequence, its 32-byte chain hash), to which the
// journal's first record links.
inline constexpr std::string_view kSealedJournalMagic = "HMJRNL2\n";
inline constexpr std::size_t kMaxStationIdBytes = verifier::kMaxStationIdBytes;
inline constexpr std::size_t kFrameOverhead = 8;  // length prefix + checksum
// A record larger than this is refused on append and treated as damage on open.
inline constexpr std::size_t kMaxJournalRecordBytes = verifier::kMaxJournalRecordBytes;
// The largest frame append() writes: the most one interrupted write can leave behind.
inline constexpr std::size_t kMaxFrameBytes = kMaxJournalRecordBytes + kFrameOverhead;

// The 4-byte check of bytes whose SHA-256 is `digest`.
[[nodiscard]] std::uint32_t frame_check(const verifier::Digest& digest) noexcept;

void put_u32_be(Bytes& out, std::uint32_t value);
[[nodiscard]] std::uint32_t get_u32_be(ByteView in) noexcept;  // in.size() >= 4

// The file header for `station_id`; kUsage if the id is empty or longer than 255 bytes.
// With `sealed` (sequence > 0): the HMJRNL2 header of a journal that continues after it.
[[nodiscard]] Result<Bytes> encode_header(std::string_view station_id,
                                          const verifier::ChainPoint& sealed = {});

// Parses a header from the start of `data` (which may run on into the first frame).
// Returns the station id and the header's size; kVerificationFailed if it is malformed.
struct ParsedHeader {
  std::string station_id;
  std::size_t size = 0;
  verifier::ChainPoint sealed;  // sequence 0 and the zero hash for an HMJRNL1 header
};
[[nodiscard]] Result<ParsedHeader> parse_header(ByteView data);
// Header bytes to read to be sure the whole header is in `data`.
inline constexpr std::size_t kMaxHeaderBytes =
    kJournalMagic.size() + 2 + kMaxStationIdBytes + 8 + verifier::Digest::kSize + 4;

// length | record bytes | check(record bytes), where digest = SHA-256(record bytes).
[[nodiscard]] Bytes encode_frame(ByteView record_bytes, const verifier::Digest& digest);

// The deterministic bytes of the record with this sequence, link and envelope.
[[nodiscard]] Bytes encode_record(std::uint64_t sequence, const verifier::Digest& previous,
                                  ByteView attestation_envelope);

// The first bytes of the frame append() writes for record `sequence` linked to `previous`
// whose length prefix is `record_length`: the prefix itself, then the record's bytes up to
// where its envelope begins (sequence, previous hash, the envelope's tag and size). Every
// byte before the envelope is fixed by these three values, which is how open() tells a torn
// final write from other damage. std::nullopt when no record of that sequence has that
// length. (encode_record() writes the envelope last; tests/journal/journal_test.cpp checks
// that every encoded record starts with this prefix.)
[[nodiscard]] std::optional<Bytes> frame_prefix(std::uint64_t sequence,
                                                const verifier::Digest& previous,
                                                std::uint32_t record_length);

}  // namespace hallmark::station
