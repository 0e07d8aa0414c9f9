// SHA-256 digests: the Digest value type, an incremental hasher and a one-shot function.
//
// Used for image digests, key ids and content addressing. Digest is a plain 32-byte value
// (never a string), so a digest cannot be confused with a hex name or a key id. Hashing
// never touches files or keys; hash_file() in verifier/io streams a file through Sha256.
// Thread-safety: Digest is a value; a Sha256 object must not be shared between threads
// while in use, distinct objects are independent.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::verifier {

class Digest {
 public:
  static constexpr std::size_t kSize = 32;
  using Array = std::array<std::byte, kSize>;

  Digest() = default;  // all zero
  explicit Digest(const Array& bytes) noexcept : bytes_(bytes) {}

  // Exactly 32 bytes, or exactly 64 hex digits (either case).
  static Result<Digest> from_bytes(ByteView bytes);
  static Result<Digest> from_hex(std::string_view hex);

  [[nodiscard]] ByteView bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::string hex() const;  // lowercase

  friend bool operator==(const Digest&, const Digest&) = default;
  friend std::strong_ordering operator<=>(const Digest&, const Digest&) = default;

 private:
  Array bytes_{};
};

// Incremental SHA-256. update() never fails by itself; an OpenSSL failure (out of memory,
// no provider) is remembered and reported by finish(). finish() may be called once;
// later calls and updates after it fail with kInternal.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(ByteView data);
  [[nodiscard]] Result<Digest> finish();
  // The digest of the bytes given so far, without ending the stream (a copy of the state
  // is finished), so one pass yields the digests of several prefixes of a stream.
  [[nodiscard]] Result<Digest> peek() const;

 private:
  ossl::MdCtxPtr ctx_;
  std::optional<Error> error_;
};

// One-shot SHA-256 of `data`.
[[nodiscard]] Result<Digest> sha256(ByteView data);

}  // namespace hallmark::verifier
