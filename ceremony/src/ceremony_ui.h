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

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/session.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

struct PinRequest {
  // kSignerHsmSo: the signer HSM's security officer (a backup marks its wrapping key
  // trusted); kSharePassphrase: the passphrase sealing a custodian's backup share (not a
  // token PIN: state and attempts do not apply).
  enum class Holder { kCustodian, kSignerHsm, kSignerHsmSo, kSharePassphrase };
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

// The digest custodians compare aloud. It is the same on every screen that shows it: for a
// document several custodians sign in one ceremony, the SHA-256 of its payload; for an
// approval, the approval digest (bundle::approval_digest), equal for every approval of one
// request although each approval's payload differs (its validity starts at its own "now").
// Fixed before the first card is touched for the document.
struct ReadAloud {
  std::string label;  // "payload SHA-256", "approval digest"
  std::string hex;    // lowercase hex
};

// What `custodian` is about to sign.
struct SigningView {
  std::string custodian;
  std::string summary;                   // a human summary of the document
  std::string payload_hex;               // SHA-256 of the exact payload bytes signed
  std::optional<ReadAloud> read_aloud;   // none: only this custodian signs this document
};

// `hex` in groups of four, eight groups a line ("3f2a 91bc …"): how every screen (terminal,
// console, PIN dialog) shows a digest to be read aloud, so all show it alike.
[[nodiscard]] std::string group_for_reading(std::string_view hex);

// The lines every screen shows for `view.read_aloud` (or that nobody else signs this).
[[nodiscard]] std::string read_aloud_text(const SigningView& view);

class CeremonyUi {
 public:
  virtual ~CeremonyUi() = default;

  // A new step of the ceremony ("Check custodian cards").
  virtual void step(std::string_view heading) = 0;
  // Progress within a step ("alice: key 3f2a… found, generated on the card").
  virtual void progress(std::string_view text) = 0;
  // What a custodian is about to sign: the summary, the payload's SHA-256 and what to read
  // aloud.
  virtual void show_signing(const SigningView& view) = 0;
  virtual Result<hsm::Pin> ask_pin(const PinRequest& request) = 0;
  // Whether asking again after a wrong PIN can give another PIN (a person typing it, the next
  // line of a descriptor). A PIN from a file or a variable is the same every time: retrying
  // it only uses up the card's tries, so the ceremony stops after the first wrong one.
  virtual bool pin_can_change(const PinRequest& /*request*/) const { return true; }
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
