// What `--json` prints: the one renderer of every protobuf message a Hallmark command shows
// as JSON (docs/formats.md, "Command-line `--json`").
//
// The protobuf JSON mapping (lowerCamelCase names, enums by name, 64-bit integers as
// strings, fields at their default left out, fields in declaration order), with two rules
// so it reads like the text output: bytes are lowercase hex, the same rendering as
// every digest in text (not the mapping's base64); and every 64-bit field whose name ends
// in `_unix` is followed by a companion ending in `Utc` holding the same time as ISO 8601
// UTC (`"timeUnix": "1764000000", "timeUtc": "2025-11-24T16:00:00Z"`).
//
// Output only: files Hallmark reads back (manifest files, envelopes) keep the plain
// protobuf JSON mapping (tool::to_json). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace hallmark::tool {

enum class JsonLayout { kIndented, kOneLine };

[[nodiscard]] std::string to_display_json(const google::protobuf::Message& message,
                                          JsonLayout layout = JsonLayout::kIndented);

// The reverse, for programs that read what `--json` printed: `json` into `message`, bytes
// from hex, the `...Utc` companions checked against their Unix field and dropped. False on
// anything else the protobuf JSON parser would refuse.
[[nodiscard]] bool parse_display_json(std::string_view json, google::protobuf::Message& message);

}  // namespace hallmark::tool
