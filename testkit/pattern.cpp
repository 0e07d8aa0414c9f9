#include "testkit/pattern.h"

namespace hallmark::testing {

std::string pattern(std::size_t size, std::uint32_t seed) {
  std::string data(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1u;
  for (char& c : data) {  // xorshift32
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xffu);
  }
  return data;
}

}  // namespace hallmark::testing
