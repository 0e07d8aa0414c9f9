#include "verifier/core/printable.h"

#include <cstdio>

namespace hallmark::verifier {
namespace {

void append_escaped(char c, std::string& out) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", byte);
    out += buf;
  } else {
    out += c;
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) append_escaped(c, out);
  return out;
}

std::string printable_lines(std::string_view text, std::string_view indent) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += '\n';
      out += indent;
    } else {
      append_escaped(c, out);
    }
  }
  return out;
}

}  // namespace hallmark::verifier
