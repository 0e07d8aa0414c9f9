#include "station-agent/journal/journal_format.h"

#include <fmt/format.h>

#include "verifier/core/document.h"

namespace hallmark::station {

std::uint32_t frame_check(const verifier::Digest& digest) noexcept {
  return get_u32_be(digest.bytes());
}

void put_u32_be(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::byte>((value >> shift) & 0xFFu));
  }
}

std::uint32_t get_u32_be(ByteView in) noexcept {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | std::to_integer<std::uint32_t>(in[i]);
  return value;
}

Result<Bytes> encode_header(std::string_view station_id, const verifier::ChainPoint& sealed) {
  if (station_id.empty() || station_id.size() > kMaxStationIdBytes) {
    return fail(ErrorCode::kUsage,
                fmt::format("station id must be 1 to {} bytes, got {}", kMaxStationIdBytes,
                            station_id.size()));
  }
  Bytes out = to_bytes(sealed.sequence > 0 ? kSealedJournalMagic : kJournalMagic);
  out.push_back(static_cast<std::byte>(station_id.size() >> 8));
  out.push_back(static_cast<std::byte>(station_id.size() & 0xFFu));
  const ByteView id = as_bytes(station_id);
  out.insert(out.end(), id.begin(), id.end());
  if (sealed.sequence > 0) {
    put_u32_be(out, static_cast<std::uint32_t>(sealed.sequence >> 32));
    put_u32_be(out, static_cast<std::uint32_t>(sealed.sequence & 0xFFFFFFFFu));
    const ByteView hash = sealed.hash.bytes();
    out.insert(out.end(), hash.begin(), hash.end());
  }
  auto digest = verifier::sha256(out);
  if (!digest) return std::unexpected(std::move(digest).error());
  put_u32_be(out, frame_check(*digest));
  return out;
}

Result<ParsedHeader> parse_header(ByteView data) {
  const std::size_t magic = kJournalMagic.size();
  const bool sealed = data.size() >= magic && as_chars(data.first(magic)) == kSealedJournalMagic;
  if (data.size() < magic + 2 || (!sealed && as_chars(data.first(magic)) != kJournalMagic)) {
    return fail(ErrorCode::kVerificationFailed,
                "not a Hallmark station journal (bad or missing \"HMJRNL1\" header)");
  }
  const std::size_t id_size = (std::to_integer<std::size_t>(data[magic]) << 8) |
                              std::to_integer<std::size_t>(data[magic + 1]);
  const std::size_t seal_size = sealed ? 8 + verifier::Digest::kSize : 0;
  const std::size_t size = magic + 2 + id_size + seal_size + 4;
  if (id_size == 0 || id_size > kMaxStationIdBytes || data.size() < size) {
    return fail(ErrorCode::kVerificationFailed, "journal header is truncated or malformed");
  }
  auto digest = verifier::sha256(data.first(size - 4));
  if (!digest) return std::unexpected(std::move(digest).error());
  if (get_u32_be(data.subspan(size - 4)) != frame_check(*digest)) {
    return fail(ErrorCode::kVerificationFailed, "journal header checksum does not match");
  }
  ParsedHeader parsed{std::string(as_chars(data.subspan(magic + 2, id_size))), size, {}};
  if (sealed) {
    const ByteView seal = data.subspan(magic + 2 + id_size, seal_size);
    parsed.sealed.sequence =
        (std::uint64_t{get_u32_be(seal)} << 32) | get_u32_be(seal.subspan(4));
    auto hash = verifier::Digest::from_bytes(seal.subspan(8, verifier::Digest::kSize));
    if (!hash) return std::unexpected(std::move(hash).error());
    parsed.sealed.hash = *hash;
    // 0 would be an unsealed journal; past 2^63 the next sequence numbers could wrap.
    if (parsed.sealed.sequence == 0 || parsed.sealed.sequence >= (std::uint64_t{1} << 63)) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal header says records up to {} were sealed (malformed)",
                              parsed.sealed.sequence));
    }
  }
  return parsed;
}

Bytes encode_frame(ByteView record_bytes, const verifier::Digest& digest) {
  Bytes out;
  out.reserve(record_bytes.size() + kFrameOverhead);
  put_u32_be(out, static_cast<std::uint32_t>(record_bytes.size()));
  out.insert(out.end(), record_bytes.begin(), record_bytes.end());
  put_u32_be(out, frame_check(digest));
  return out;
}

Bytes encode_record(std::uint64_t sequence, const verifier::Digest& previous,
                    ByteView attestation_envelope) {
  v1::JournalRecord record;
  record.set_sequence(sequence);
  record.set_previous_hash(std::string(as_chars(previous.bytes())));
  record.set_attestation_envelope(std::string(as_chars(attestation_envelope)));
  return verifier::deterministic_bytes(record);
}

namespace {

std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void put_varint(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::byte>((value & 0x7Fu) | 0x80u));
    value >>= 7;
  }
  out.push_back(static_cast<std::byte>(value));
}

// JournalRecord.attestation_envelope: field 3, length-delimited.
constexpr std::byte kEnvelopeTag{0x1a};

}  // namespace

std::optional<Bytes> frame_prefix(std::uint64_t sequence, const verifier::Digest& previous,
                                  std::uint32_t record_length) {
  // Fields 1 and 2 exactly as encode_record() writes them (an empty envelope is omitted).
  const Bytes head = encode_record(sequence, previous, {});
  for (std::size_t size_bytes = 1; size_bytes <= 5; ++size_bytes) {
    const std::size_t fixed = head.size() + 1 + size_bytes;
    if (record_length <= fixed) break;
    const std::uint64_t envelope = record_length - fixed;
    if (varint_size(envelope) != size_bytes) continue;
    Bytes out;
    out.reserve(4 + fixed);
    put_u32_be(out, record_length);
    out.insert(out.end(), head.begin(), head.end());
    out.push_back(kEnvelopeTag);
    put_varint(out, envelope);
    return out;
  }
  return std::nullopt;
}

}  // namespace hallmark::station
