// Little-endian loads and stores for the native formats (both are little-endian on the
// wire). Internal to hallmark::native_verify and hallmark::native_sign. Callers check
// bounds first; these functions only index. Thread-safe: pure.
#pragma once

#include <cstddef>
#include <cstdint>

#include "verifier/core/bytes.h"

namespace hallmark::native::detail {

inline std::uint8_t u8(ByteView b, std::size_t at) noexcept {
  return std::to_integer<std::uint8_t>(b[at]);
}
inline std::uint16_t load_le16(ByteView b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(u8(b, at) | (u8(b, at + 1) << 8));
}
inline std::uint32_t load_le32(ByteView b, std::size_t at) noexcept {
  return static_cast<std::uint32_t>(u8(b, at)) | (static_cast<std::uint32_t>(u8(b, at + 1)) << 8) |
         (static_cast<std::uint32_t>(u8(b, at + 2)) << 16) |
         (static_cast<std::uint32_t>(u8(b, at + 3)) << 24);
}
inline void append_u8(Bytes& out, std::uint8_t v) { out.push_back(std::byte{v}); }
inline void append_le16(Bytes& out, std::uint16_t v) {
  append_u8(out, static_cast<std::uint8_t>(v & 0xFFu));
  append_u8(out, static_cast<std::uint8_t>(v >> 8));
}
inline void append_le32(Bytes& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) {
    append_u8(out, static_cast<std::uint8_t>((v >> shift) & 0xFFu));
  }
}
inline void store_le32(std::byte* at, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) at[i] = std::byte{static_cast<std::uint8_t>((v >> (8 * i)) & 0xFFu)};
}

}  // namespace hallmark::native::detail
