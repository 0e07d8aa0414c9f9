// PINs: a wiped secret buffer, and the four ways Hallmark accepts one.
//
// A PIN never travels in argv: it comes from a prompt on /dev/tty with echo off, a file
// (first line; refused when world-readable), an open file descriptor (up to a newline or
// EOF) or an environment variable whose *name* the caller gives. A descriptor is marked
// close-on-exec at the first read and closed (pointed at /dev/null, so its number stays
// valid for its owner) as soon as nothing more can be read from it; until then a retry
// after a wrong PIN or a per-signature PIN reads its next line. A variable is wiped in
// place and removed from the environment; later reads of the same env:NAME in this
// process get the PIN read first (kept in a wiped buffer until forget_pins() or exit),
// unless the variable is set again. Neither reaches a program the process starts.
// A Pin cannot be copied, printed or formatted; its bytes are wiped with OPENSSL_cleanse
// when it is destroyed or moved from. Never logs the PIN.
// Thread-safety: a Pin is a plain value; read_pin() with kPrompt uses the process's tty;
// the PINs kept from env: sources are guarded by a mutex.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "verifier/core/error.h"

namespace hallmark::hsm {

class Pin {
 public:
  static constexpr std::size_t kMaxLength = 256;

  Pin() = default;
  // For callers that already hold the secret (tests, SO PIN generation); copies it.
  // Secrets longer than kMaxLength are cut (read_pin refuses them instead).
  explicit Pin(std::string_view secret);
  ~Pin();
  Pin(Pin&& other) noexcept;
  Pin& operator=(Pin&& other) noexcept;
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;

  // Bytes for C_Login; no terminating NUL is counted.
  const unsigned char* data() const noexcept;
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  friend class PinWriter;
  std::unique_ptr<unsigned char[]> buffer_;  // kMaxLength bytes once allocated
  std::size_t size_ = 0;
  void wipe() noexcept;
};

struct PinSource {
  enum class Kind { kPrompt, kFile, kFd, kEnv };
  Kind kind = Kind::kPrompt;
  std::string value;  // file path, descriptor number, or environment variable NAME
};

// "prompt", "file:/path", "fd:3", "env:NAME". Anything else is a usage error (and a bare
// string is refused rather than taken as the PIN itself).
Result<PinSource> parse_pin_source(std::string_view spec);

// Wipes the PINs kept from env: sources (see above).
void forget_pins();

// Reads a PIN; `prompt_text` ("PIN for token 'signer-hsm': ") is shown for kPrompt only.
// An empty PIN is refused.
Result<Pin> read_pin(const PinSource& source, std::string_view prompt_text);

}  // namespace hallmark::hsm
