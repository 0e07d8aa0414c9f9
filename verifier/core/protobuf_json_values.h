// How protobuf's JSON parser reads two kinds of value, so that parse_envelope_json
// (verifier/core/dsse_json.cpp) accepts and refuses exactly what protobuf does: a bytes field
// (base64) and a number too large for a double. tests/verifier/dsse_json_test.cpp compares
// both parsers input by input. Pure, no allocation beyond `out`; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hallmark::verifier {

// Decodes into `out` (replacing it); false when protobuf's decoder would refuse the text:
// standard or URL-safe alphabet but not both, padding optional but exact when present, no
// whitespace, unused trailing bits zero.
[[nodiscard]] bool decode_base64(std::string_view in, std::string& out);

// For an RFC 8259 number from_chars found out of range: too large (true) rather than too
// small? protobuf refuses the first and reads the second as zero.
[[nodiscard]] bool number_overflows_double(std::string_view n);

}  // namespace hallmark::verifier
