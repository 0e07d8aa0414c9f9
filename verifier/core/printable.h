// Text from documents shown on a terminal, in one place: a document's strings are data, so
// control characters never reach the terminal raw (they are shown as \xNN), while a
// multi-line text a tool wrote on purpose (a transcript's detail) keeps its lines. And the
// one file-name form of a document's id (file_safe), and the one form of a raw digest field
// in a message (digest_hex). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hallmark::verifier {

// Every control character (newline included) and DEL as \xNN: for one-line fields.
[[nodiscard]] std::string printable(std::string_view text);

// As printable(), but each line break starts a new line beginning with `indent`; a final
// line break is dropped.
[[nodiscard]] std::string printable_lines(std::string_view text, std::string_view indent);

// The file-name form of a serial or station id, one to one and without '.' or '/': letters,
// digits and '-' stay, every other byte is "_XX" (lowercase hex); an empty name (an event
// with no unit) is "_". Two ids never share a file name, and a name never leaves its
// folder. The signer's manifest files and report pages and `hallmark-verify device
// --pem-out` name their files by it.
[[nodiscard]] std::string file_safe(std::string_view name);

// A SHA-256 carried as raw bytes (a protobuf bytes field), for messages: its 64 lowercase
// hex digits, or "(N bytes, not a SHA-256)" when it is not 32 bytes long, so a message never
// shows a malformed value as if it were a digest.
[[nodiscard]] std::string digest_hex(std::string_view raw);

}  // namespace hallmark::verifier
