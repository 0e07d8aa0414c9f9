// Test-only text helpers shared by every suite.
#pragma once

#include <string_view>

namespace hallmark::testing {

// True when `needle` occurs in `haystack` (error messages, command output).
inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace hallmark::testing
