// Shared helpers of the libFuzzer targets (fuzz/*_fuzz.cpp; docs/testing.md).
//
// Each target feeds its input to the same entry point production code calls; these
// helpers only give the input the shape that entry point wants: a file (an anonymous
// memfd, reached by its /proc/self/fd path, so nothing touches the disk), a key made once
// per process, and a trap that turns "should never happen" into a crash libFuzzer records.
// Not for production code. Single-threaded, like libFuzzer's default run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/public_key.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::fuzz {

// The fuzzer's bytes, as the project's byte types.
inline ByteView bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A finding: prints `what` and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] void finding(std::string_view what);

// An anonymous in-memory file holding `bytes`; path() opens it like any file.
class MemFile {
 public:
  explicit MemFile(ByteView bytes);
  ~MemFile();
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// Keys made once per process (never stored): a P-256 and an RSA-3072 public key.
const verifier::PublicKey& p256_key();
const verifier::PublicKey& rsa3072_key();

// The trust root of a `make demo` run (fuzz/data/trust-root-v1.json, pinned by
// fuzz/data/trust-root-anchor.sha256), trusted at kDemoTime: the committed manifest seeds
// were signed under it, so mutations get past the signature checks into what follows.
inline constexpr std::int64_t kDemoTime = 1'796'600'000;
const verifier::TrustedRoot& demo_trusted_root();

}  // namespace hallmark::fuzz
