#include "verifier/core/protobuf_wire.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

namespace hallmark::verifier::wire {
namespace {

using google::protobuf::io::CodedOutputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

// protobuf's parser refuses a size of 2 GiB or more.
constexpr std::uint32_t kMaxSize = std::numeric_limits<std::int32_t>::max();

std::unexpected<Fault> refuse(Fault::Kind kind, std::int64_t at) {
  return std::unexpected(Fault{kind, at});
}

bool shortest(std::int64_t used, std::uint64_t value) {
  return used == static_cast<std::int64_t>(CodedOutputStream::VarintSize64(value));
}

void append_varint(std::string& out, std::uint64_t value) {
  std::uint8_t bytes[10];
  const auto* end = CodedOutputStream::WriteVarint64ToArray(value, bytes);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(end - bytes));
}

template <typename Int>
void append_little_endian(std::string& out, Int value) {
  for (std::size_t i = 0; i < sizeof(Int); ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

// A length-delimited field's size, checked against `limit` (and 2 GiB) before anything is read.
Read<int> read_size(CodedInputStream& in, std::uint32_t limit) {
  const std::int64_t at = in.CurrentPosition();
  auto size = read_varint(in);
  if (!size) return std::unexpected(size.error());
  limit = std::min(limit, kMaxSize);
  if (*size > limit) return std::unexpected(Fault{Fault::Kind::kTooLarge, at, *size, limit});
  return static_cast<int>(*size);
}

// Appends the next `size` bytes to `out` as they are buffered: nothing is reserved for a size
// the input has not yet shown to be real.
bool append_raw(CodedInputStream& in, int size, std::string& out) {
  while (size > 0) {
    const void* data = nullptr;
    int available = 0;
    if (!in.GetDirectBufferPointer(&data, &available)) return false;
    const int take = std::min(size, available);
    out.append(static_cast<const char*>(data), static_cast<std::size_t>(take));
    in.Skip(take);
    size -= take;
  }
  return true;
}

}  // namespace

std::string describe(const Fault& fault, std::string_view what) {
  switch (fault.kind) {
    case Fault::Kind::kCutShort:
      return fmt::format("{} at byte {} is cut short", what, fault.at);
    case Fault::Kind::kNotShortest:
      return fmt::format("{} at byte {} has a padded varint (not protobuf's shortest encoding)",
                         what, fault.at);
    case Fault::Kind::kTooLarge:
      return fmt::format("{} of {} bytes is over the {} byte limit", what, fault.size, fault.limit);
    case Fault::Kind::kZeroTag:
      return fmt::format("a 0 byte where a field starts, at byte {}", fault.at);
    case Fault::Kind::kGroup:
      return fmt::format("{} at byte {} is a group or an unknown wire type", what, fault.at);
  }
  return fmt::format("{} at byte {} is malformed", what, fault.at);
}

Read<std::uint32_t> read_tag(CodedInputStream& in) {
  const std::int64_t at = in.CurrentPosition();
  const void* next = nullptr;
  int available = 0;
  const bool zero_byte = in.GetDirectBufferPointer(&next, &available) && available > 0 &&
                         *static_cast<const std::uint8_t*>(next) == 0;
  const std::uint32_t tag = in.ReadTag();
  const std::int64_t used = in.CurrentPosition() - at;
  if (tag == 0) {
    // ReadTag() gives 0 at the end of the input, for a 0 byte and for a cut-short varint
    // (a lone 0x80 too); only the first means "no more fields".
    if (in.ConsumedEntireMessage()) return 0u;
    return refuse(zero_byte ? Fault::Kind::kZeroTag : Fault::Kind::kCutShort, at);
  }
  // ReadTag() kept the low 32 bits of up to 10 bytes; protobuf's parser takes at most 5.
  if (!shortest(used, tag)) return refuse(Fault::Kind::kNotShortest, at);
  return tag;
}

Read<std::uint64_t> read_varint(CodedInputStream& in) {
  const std::int64_t at = in.CurrentPosition();
  std::uint64_t value = 0;
  if (!in.ReadVarint64(&value)) return refuse(Fault::Kind::kCutShort, at);
  if (!shortest(in.CurrentPosition() - at, value)) return refuse(Fault::Kind::kNotShortest, at);
  return value;
}

Read<void> read_length_delimited(CodedInputStream& in, std::uint32_t limit, std::string* out) {
  const std::int64_t at = in.CurrentPosition();
  auto size = read_size(in, limit);
  if (!size) return std::unexpected(size.error());
  if (out != nullptr) out->clear();
  const bool read = out == nullptr ? in.Skip(*size) : append_raw(in, *size, *out);
  if (!read) return refuse(Fault::Kind::kCutShort, at);
  return {};
}

Read<void> skip_field(CodedInputStream& in, std::uint32_t tag, std::uint32_t limit, std::string* copy) {
  const std::int64_t at = in.CurrentPosition();
  if (copy != nullptr) append_varint(*copy, tag);
  switch (WireFormat::GetTagWireType(tag)) {
    case WireFormat::WIRETYPE_VARINT: {
      auto value = read_varint(in);
      if (!value) return std::unexpected(value.error());
      if (copy != nullptr) append_varint(*copy, *value);
      return {};
    }
    case WireFormat::WIRETYPE_FIXED64: {
      std::uint64_t value = 0;
      if (!in.ReadLittleEndian64(&value)) return refuse(Fault::Kind::kCutShort, at);
      if (copy != nullptr) append_little_endian(*copy, value);
      return {};
    }
    case WireFormat::WIRETYPE_FIXED32: {
      std::uint32_t value = 0;
      if (!in.ReadLittleEndian32(&value)) return refuse(Fault::Kind::kCutShort, at);
      if (copy != nullptr) append_little_endian(*copy, value);
      return {};
    }
    case WireFormat::WIRETYPE_LENGTH_DELIMITED: {
      if (copy == nullptr) return read_length_delimited(in, limit, nullptr);
      const std::int64_t size_at = in.CurrentPosition();
      auto size = read_size(in, limit);
      if (!size) return std::unexpected(size.error());
      append_varint(*copy, static_cast<std::uint64_t>(*size));
      if (!append_raw(in, *size, *copy)) return refuse(Fault::Kind::kCutShort, size_at);
      return {};
    }
    default:
      return refuse(Fault::Kind::kGroup, at);
  }
}

}  // namespace hallmark::verifier::wire
