// PrefixHasher: one SHA-256 pass over a stream that also yields the digests of chosen
// prefixes of it (the signed part of a native image, the image inside it), so a streamed
// image is hashed once however many of its prefixes a format or a bundle rule needs.
// Holds one SHA-256 state and one digest per checkpoint; never the data.
// Thread-safety: one object per stream, not shared while in use.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::native {

class PrefixHasher {
 public:
  PrefixHasher() = default;

  // Asks for the digest of the first `length` bytes. A checkpoint already passed is
  // ignored (at() stays empty); one at the current position is taken at once.
  void add_checkpoint(std::uint64_t length);
  void update(ByteView data);
  [[nodiscard]] std::uint64_t position() const noexcept { return position_; }
  // The digest of the first `length` bytes, if it was asked for and reached.
  [[nodiscard]] std::optional<verifier::Digest> at(std::uint64_t length) const;
  // SHA-256 of everything given; call once. Also reports a failed checkpoint.
  [[nodiscard]] Result<verifier::Digest> finish();

 private:
  void take(std::uint64_t length);

  verifier::Sha256 hash_;
  std::uint64_t position_ = 0;
  std::vector<std::pair<std::uint64_t, std::optional<verifier::Digest>>> points_;
  std::optional<Error> error_;
};

}  // namespace hallmark::native
