#include "verifier/core/printable.h"

#include <cstdio>
#include <string>

#include "verifier/core/bytes.h"

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

std::string file_safe(std::string_view name) {
  if (name.empty()) return "_";
  std::string out;
  for (const char ch : name) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-';
    if (keep) {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02x", static_cast<unsigned char>(ch));
      out += buf;
    }
  }
  return out;
}

std::string digest_hex(std::string_view raw) {
  constexpr std::size_t kSha256Bytes = 32;
  if (raw.size() != kSha256Bytes) {
    return "(" + std::to_string(raw.size()) + " bytes, not a SHA-256)";
  }
  return to_hex(as_bytes(raw));
}

}  // namespace hallmark::verifier
