// The one JSON strictness of every JSON reader in the product (docs/formats.md, "JSON").
//
// A signed or verified document has one reading only, and a newer writer may add fields
// without breaking older readers. So every reader of JSON — parse_envelope_json (dsse.h,
// a fast hand-written reader of DSSE JSON) and parse_json_message below (every protobuf
// JSON document, e.g. a ManifestFile) — applies exactly these rules:
//   1. the text is RFC 8259 JSON: one value, UTF-8 throughout, no trailing commas, no
//      comments, single quotes, unquoted names or unknown escapes;
//   2. a member name given twice in one object is refused, at every depth (inside unknown
//      members too), and so are two spellings of one protobuf field in the same object
//      ("payloadType" and "payload_type");
//   3. a member the reader does not know is ignored, whatever its type;
//   4. null for a known field means absent;
//   5. objects and arrays nest at most kMaxJsonDepth deep.
// Pure, no I/O; thread-safe.
#pragma once

#include <string_view>

#include <google/protobuf/message.h>

#include "verifier/core/error.h"

namespace hallmark::verifier {

inline constexpr int kMaxJsonDepth = 64;

// Rules 1, 2 and 5 over `json`; with `type`, member names of objects that hold a message of
// that type (and of its message fields, recursively) are compared as the protobuf fields
// they name. kUsage naming the rule broken and the byte offset.
[[nodiscard]] Result<void> check_json_rules(std::string_view json,
                                            const google::protobuf::Descriptor* type);

// Reads protobuf JSON into `out` (cleared first) under all five rules. `what` names the
// document in the error ("manifest file SN-1.3.manifest.json"). kUsage on refusal.
[[nodiscard]] Result<void> parse_json_message(std::string_view json,
                                              google::protobuf::Message& out,
                                              std::string_view what);

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF) starting at p (p < end), or 0: the one UTF-8 rule of every JSON reader.
[[nodiscard]] std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end);

// True when all of `text` is well-formed UTF-8 (ASCII included), by the rule above: what
// protobuf's parser asks of a string field.
[[nodiscard]] bool is_utf8(std::string_view text);

}  // namespace hallmark::verifier
