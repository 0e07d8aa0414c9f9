// PinPipe: hands a PIN typed into the console to the token layer without a file, an
// environment variable or argv — the token layer's "fd:N" PIN source reading a pipe.
//
// carry() writes the PIN `copies` times, one line each, into a fresh pipe and closes the
// writing end, so the token layer reads it for the login and, on a card whose key asks for
// its PIN on every signature (CKA_ALWAYS_AUTHENTICATE), once more per signature. The reading
// end is closed when the PinPipe is destroyed, discarding what was not read. The caller's
// Pin is not kept. Never logs the PIN. A PinPipe is used by one thread.
#pragma once

#include <string>

#include "hsm-profiles/src/pin.h"
#include "verifier/core/error.h"

namespace hallmark::station::console {

class PinPipe {
 public:
  [[nodiscard]] static Result<PinPipe> carry(const hsm::Pin& pin, int copies);
  ~PinPipe();
  PinPipe(PinPipe&& other) noexcept;
  PinPipe& operator=(PinPipe&& other) noexcept;
  PinPipe(const PinPipe&) = delete;
  PinPipe& operator=(const PinPipe&) = delete;

  // "fd:N", for hsm::TokenOptions::pin.
  [[nodiscard]] std::string source() const;

 private:
  explicit PinPipe(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hallmark::station::console
