// protobuf's base64 and number-range rules (protobuf_json_values.h), moved out of
// verifier/core/dsse_json.cpp unchanged.
#include "verifier/core/protobuf_json_values.h"

#include <cstdint>

namespace hallmark::verifier {

namespace {

// Base64, one table per position in a group of four: the character's six bits already
// shifted into place, and in the top byte kStdOnly for '+' '/', kUrlOnly for '-' '_'.
// Anything else (including '=') carries both flags, so one OR over the whole text tells
// an invalid character or a mix of the two alphabets (protobuf refuses both).
constexpr std::uint32_t kStdOnly = 1U << 24;
constexpr std::uint32_t kUrlOnly = 2U << 24;
constexpr std::uint32_t kInvalid = kStdOnly | kUrlOnly;

struct Base64Tables {
  std::uint32_t at[4][256];
  constexpr Base64Tables() : at() {
    for (int pos = 0; pos < 4; ++pos) {
      const int shift = 18 - 6 * pos;
      for (int c = 0; c < 256; ++c) {
        std::uint32_t value = 0;
        std::uint32_t flags = kInvalid;
        if (c >= 'A' && c <= 'Z') value = static_cast<std::uint32_t>(c - 'A'), flags = 0;
        else if (c >= 'a' && c <= 'z') value = static_cast<std::uint32_t>(c - 'a' + 26), flags = 0;
        else if (c >= '0' && c <= '9') value = static_cast<std::uint32_t>(c - '0' + 52), flags = 0;
        else if (c == '+') value = 62, flags = kStdOnly;
        else if (c == '/') value = 63, flags = kStdOnly;
        else if (c == '-') value = 62, flags = kUrlOnly;
        else if (c == '_') value = 63, flags = kUrlOnly;
        at[pos][c] = value << shift | flags;
      }
    }
  }
};
constexpr Base64Tables kBase64;

}  // namespace

// Decodes into `out` (replacing it); false when protobuf's decoder would refuse the text.
bool decode_base64(std::string_view in, std::string& out) {
  std::size_t pad = 0;
  while (pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  const std::size_t n = in.size() - pad;
  const std::size_t tail = n % 4;
  if (tail == 1) return false;
  if (pad != 0 && (tail < 2 || tail + pad != 4)) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t decoded = n / 4 * 3 + (tail == 0 ? 0 : tail - 1);
  std::uint32_t seen = 0;
  // libstdc++ 12 may hand the callback the grown capacity rather than `decoded`.
  out.resize_and_overwrite(decoded, [&](char* d, std::size_t) {
    std::uint32_t acc = 0;  // a local: stores through char* may alias anything captured
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const std::uint32_t w = kBase64.at[0][s[i]] | kBase64.at[1][s[i + 1]] |
                              kBase64.at[2][s[i + 2]] | kBase64.at[3][s[i + 3]];
      acc |= w;
      d[0] = static_cast<char>(w >> 16);
      d[1] = static_cast<char>(w >> 8);
      d[2] = static_cast<char>(w);
      d += 3;
    }
    if (tail != 0) {
      std::uint32_t w = kBase64.at[0][s[i]] | kBase64.at[1][s[i + 1]];
      if (tail == 3) w |= kBase64.at[2][s[i + 2]];
      acc |= w;
      *d++ = static_cast<char>(w >> 16);
      if (tail == 3) *d++ = static_cast<char>(w >> 8);
      // Bits the last character carries beyond the final byte must be zero.
      if ((tail == 2 ? (w & 0xffff) : (w & 0xff)) != 0) acc |= kInvalid;
    }
    seen = acc;
    return decoded;
  });
  return (seen & kInvalid) != kInvalid;
}

// For a number from_chars found out of range: too large (true) rather than too small?
// The decimal exponent of its first significant digit tells the two apart.
bool number_overflows_double(std::string_view n) {
  std::size_t i = n.starts_with('-') ? 1 : 0;
  std::int64_t lead = 0;  // decimal exponent of the first significant digit
  bool found = false;
  std::int64_t int_digits = 0;
  for (; i < n.size() && n[i] >= '0' && n[i] <= '9'; ++i) {
    if (found || n[i] != '0') {
      found = true;
      ++int_digits;
    }
  }
  lead = int_digits;
  if (i < n.size() && n[i] == '.') {
    for (++i; i < n.size() && n[i] >= '0' && n[i] <= '9'; ++i) {
      if (!found) {
        if (n[i] != '0') found = true;
        else --lead;
      }
    }
  }
  if (!found) return false;  // zero
  std::int64_t exp = 0;
  if (i < n.size() && (n[i] == 'e' || n[i] == 'E')) {
    ++i;
    const bool negative = n[i] == '-';
    if (n[i] == '-' || n[i] == '+') ++i;
    for (; i < n.size(); ++i) {
      if (exp < 1'000'000'000) exp = exp * 10 + (n[i] - '0');
    }
    if (negative) exp = -exp;
  }
  return lead + exp > 0;
}

}  // namespace hallmark::verifier
