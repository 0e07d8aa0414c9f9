#include "verifier/journal/record_chain.h"

#include <cstdint>

#include <fmt/format.h>

namespace hallmark::verifier {

Result<v1::JournalRecord> parse_journal_record(ByteView record_bytes) {
  v1::JournalRecord record;
  if (record_bytes.size() > static_cast<std::size_t>(INT32_MAX) ||
      !record.ParseFromArray(record_bytes.data(), static_cast<int>(record_bytes.size()))) {
    return fail(ErrorCode::kVerificationFailed, "the bytes are not a JournalRecord");
  }
  return record;
}

std::string check_record_link(const v1::JournalRecord& record, const ChainPoint& previous) {
  const std::uint64_t sequence = previous.sequence + 1;
  if (record.sequence() != sequence) {
    return fmt::format("has sequence {}, expected {} (a record was removed, reordered or "
                       "inserted)", record.sequence(), sequence);
  }
  if (as_chars(previous.hash.bytes()) != record.previous_hash()) {
    return fmt::format("previous_hash does not match the SHA-256 of record {} (chain broken)",
                       previous.sequence);
  }
  return {};
}

}  // namespace hallmark::verifier
