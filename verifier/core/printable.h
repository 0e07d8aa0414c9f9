// Text from documents shown on a terminal, in one place: a document's strings are data, so
// control characters never reach the terminal raw (they are shown as \xNN), while a
// multi-line text a tool wrote on purpose (a transcript's detail) keeps its lines.
// Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hallmark::verifier {

// Every control character (newline included) and DEL as \xNN: for one-line fields.
[[nodiscard]] std::string printable(std::string_view text);

// As printable(), but each line break starts a new line beginning with `indent`; a final
// line break is dropped.
[[nodiscard]] std::string printable_lines(std::string_view text, std::string_view indent);

}  // namespace hallmark::verifier
