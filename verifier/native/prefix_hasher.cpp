#include "verifier/native/prefix_hasher.h"

#include <algorithm>

namespace hallmark::native {

void PrefixHasher::take(std::uint64_t length) {
  for (auto& [at, digest] : points_) {
    if (at != length || digest) continue;
    auto d = hash_.peek();
    if (!d) {
      if (!error_) error_ = d.error();
      return;
    }
    digest = *d;
  }
}

void PrefixHasher::add_checkpoint(std::uint64_t length) {
  if (length < position_ || std::ranges::any_of(points_, [&](const auto& p) {
        return p.first == length;
      })) {
    return;
  }
  points_.emplace_back(length, std::nullopt);
  if (length == position_) take(length);
}

void PrefixHasher::update(ByteView data) {
  while (!data.empty()) {
    // Split at the nearest checkpoint inside this block, if any.
    std::uint64_t next = position_ + data.size();
    for (const auto& p : points_) {
      if (p.first > position_ && p.first < next) next = p.first;
    }
    const auto n = static_cast<std::size_t>(next - position_);
    hash_.update(data.first(n));
    position_ = next;
    data = data.subspan(n);
    take(position_);
  }
}

std::optional<verifier::Digest> PrefixHasher::at(std::uint64_t length) const {
  for (const auto& p : points_) {
    if (p.first == length) return p.second;
  }
  return std::nullopt;
}

Result<verifier::Digest> PrefixHasher::finish() {
  if (error_) return std::unexpected(*error_);
  return hash_.finish();
}

}  // namespace hallmark::native
