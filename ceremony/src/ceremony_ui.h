// CeremonyUi: what a ceremony shows the custodians and asks them, and nothing else.
//
// The ceremony library decides everything (order, retries, refusals); an implementation
// only displays and reads. The terminal (terminal_ui.h) and the custodians' Qt console
// implement it; tests record the calls. Contract the library keeps: show_signing() for a
// custodian and a document is always called before any PIN that authorises that
// signature is asked for, and ask_pin() always carries the token's current PIN state.
// ask_pin() returns the PIN or an error (no terminal, source exhausted, cancelled), which
// stops the ceremony. Implementations are used from one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/session.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

struct PinRequest {
  enum class Holder { kCustodian, kSignerHsm };
  Holder holder = Holder::kCustodian;
  std::string name;         // the custodian, or "signer HSM"
  std::string token_label;  // the card or HSM
  hsm::PinState state;      // what the token says about failed attempts
  int attempt = 1;          // 1-based
  int max_attempts = 1;
  std::string purpose;      // "check the card and read its key", "sign trust root v1", ...
};

// Signatures collected on one document (structured twin of the progress lines, for a
// quorum display): who the library asked to sign, and who has signed so far. The library
// chose the signers (thresholds are its rule); a display only counts.
struct SignatureProgress {
  std::string what;                    // "sign trust root v1", "sign the ceremony transcript"
  std::vector<std::string> signers;    // custodians asked to sign, in the order they sign
  std::vector<std::string> signed_by;  // those of `signers` whose signature is made
};

class CeremonyUi {
 public:
  virtual ~CeremonyUi() = default;

  // A new step of the ceremony ("Check custodian cards").
  virtual void step(std::string_view heading) = 0;
  // Progress within a step ("alice: key 3f2a… found, generated on the card").
  virtual void progress(std::string_view text) = 0;
  // What `custodian` is about to sign: a human summary and the SHA-256 of the payload.
  virtual void show_signing(std::string_view custodian, std::string_view summary,
                            std::string_view digest_hex) = 0;
  virtual Result<hsm::Pin> ask_pin(const PinRequest& request) = 0;
  virtual void info(std::string_view text) = 0;
  virtual void warning(std::string_view text) = 0;
  // Optional structured events (defaults do nothing; the text calls above carry the same).
  // Before the first signature of a document is made and after each one.
  virtual void signatures(const SignatureProgress& /*progress*/) {}
  // The ceremony refused: `error` is what outcome.error will hold; the transcript is
  // closed (and signed) after this call.
  virtual void refused(const Error& /*error*/) {}
};

}  // namespace hallmark::ceremony
