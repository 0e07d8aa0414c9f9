// Reading protobuf's wire format by hand, for the streaming readers of files too large to
// hand to protobuf's parser whole: a station export (signer/evidence/export_reader.h) and a
// retention segment (verifier/log/segment_file.h).
//
// protobuf's CodedInputStream reads a tag or a size as a varint of up to 10 bytes and keeps
// its low 32 bits, where protobuf's parser refuses a tag or size over 5 bytes, and a size of
// 2 GiB or more. A reader built on CodedInputStream alone would accept files every other
// reader refuses, so that two readers disagree about one file (fuzz/export_reader_fuzz.cpp
// found a record size padded to 9 bytes). These functions take each tag, size and varint in
// its one shortest encoding only, which is what every protobuf writer emits; what they accept,
// protobuf's parser accepts and reads the same way. Pure, no I/O of their own.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace google::protobuf::io {
class CodedInputStream;
}

namespace hallmark::verifier::wire {

using google::protobuf::io::CodedInputStream;

// Why a read was refused, and the byte of the stream where the refused value starts.
struct Fault {
  enum class Kind {
    kCutShort,     // the input ends inside the value, or a varint runs over 10 bytes
    kNotShortest,  // padded: more bytes than the value needs
    kTooLarge,     // a size of 2 GiB or more, or over the caller's limit
    kZeroTag,      // a 0 byte where a field starts
    kGroup,        // a group or an unknown wire type: no Hallmark message has one
  };
  Kind kind;
  std::int64_t at;
  std::uint64_t size = 0;   // kTooLarge: the size given
  std::uint64_t limit = 0;  // kTooLarge: the limit it is over
};

// "{what} at byte {at} is cut short", "{what} of {size} bytes is over the {limit} byte
// limit", "a 0 byte where a field starts, at byte {at}", ...
[[nodiscard]] std::string describe(const Fault& fault, std::string_view what);

template <typename T>
using Read = std::expected<T, Fault>;

// The next field's tag; 0 only at the end of the input.
[[nodiscard]] Read<std::uint32_t> read_tag(CodedInputStream& in);
// A varint field's value.
[[nodiscard]] Read<std::uint64_t> read_varint(CodedInputStream& in);
// A length-delimited field's value of at most `limit` bytes (and under 2 GiB), into `out`;
// skipped when `out` is null. The size is checked before anything is read or reserved:
// protobuf would reserve what a hostile length prefix claims.
[[nodiscard]] Read<void> read_length_delimited(CodedInputStream& in, std::uint32_t limit,
                                               std::string* out);

// Reads the value of the field whose `tag` was just read; a length-delimited one of at most
// `limit` bytes. With `copy`, appends the whole field (tag included) to it, byte for byte as
// it was in the input: every part of it is in its shortest encoding, so encoding it again
// gives the same bytes.
[[nodiscard]] Read<void> skip_field(CodedInputStream& in, std::uint32_t tag, std::uint32_t limit,
                                    std::string* copy = nullptr);

}  // namespace hallmark::verifier::wire
