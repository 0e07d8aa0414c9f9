#include "verifier/core/version.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace hallmark::verifier {
namespace {

Result<std::vector<std::uint64_t>> components(std::string_view version) {
  std::vector<std::uint64_t> out;
  const char* p = version.data();
  const char* const end = version.data() + version.size();
  while (true) {
    std::uint64_t n = 0;
    auto [next, err] = std::from_chars(p, end, n);
    if (err != std::errc{} || next == p || (next != end && *next != '.')) {
      return fail(ErrorCode::kUsage,
                  "version '" + std::string(version) +
                      "' is not dot-separated numbers (like 1.2.0): versions are compared "
                      "numerically for anti-rollback");
    }
    out.push_back(n);
    if (next == end) return out;
    p = next + 1;
  }
}

}  // namespace

Result<std::strong_ordering> compare_versions(std::string_view a, std::string_view b) {
  auto x = components(a);
  if (!x) return std::unexpected(x.error());
  auto y = components(b);
  if (!y) return std::unexpected(y.error());
  const std::size_t n = std::max(x->size(), y->size());
  x->resize(n, 0);
  y->resize(n, 0);
  return *x <=> *y;
}

Result<void> check_version(std::string_view version) {
  if (auto parts = components(version); !parts) return std::unexpected(parts.error());
  return {};
}

}  // namespace hallmark::verifier
