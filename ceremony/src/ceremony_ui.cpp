// How every ceremony screen writes the digest custodians read aloud (ceremony_ui.h).
#include "ceremony/src/ceremony_ui.h"

#include <fmt/format.h>

namespace hallmark::ceremony {

std::string group_for_reading(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 4) {
    if (i > 0) out += (i % 32 == 0) ? '\n' : ' ';
    out += hex.substr(i, 4);
  }
  return out;
}

namespace {

std::string indented(std::string_view text, std::string_view indent) {
  std::string out(indent);
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

}  // namespace

std::string read_aloud_text(const SigningView& view) {
  if (!view.read_aloud) {
    return fmt::format(
        "  payload SHA-256 (the exact bytes you sign):\n{}\n"
        "  Only you sign this document: there is no digest to compare with another custodian.\n",
        indented(group_for_reading(view.payload_hex), "    "));
  }
  std::string text = fmt::format(
      "  READ ALOUD: the {} (the same on every custodian's screen):\n{}\n",
      view.read_aloud->label, indented(group_for_reading(view.read_aloud->hex), "    "));
  if (view.read_aloud->hex != view.payload_hex) {
    text += fmt::format("  payload SHA-256 of your signed copy: {}\n", view.payload_hex);
  }
  return text;
}

}  // namespace hallmark::ceremony
