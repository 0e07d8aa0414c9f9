// TerminalUi: CeremonyUi on a text stream (stderr in hallmark-ceremony), reading PINs from
// per-custodian sources (fd:N, env:NAME, file:PATH, or a no-echo prompt on /dev/tty).
//
// A source is read again for every PIN asked, so "wrong\nright\n" on one descriptor serves
// a retry. Never prints a PIN. Not thread-safe (one terminal).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "ceremony/src/ceremony_ui.h"
#include "hsm-profiles/src/pin.h"

namespace hallmark::ceremony {

class TerminalUi : public CeremonyUi {
 public:
  // `custodian_pins`: name → source; custodians not listed are prompted for.
  TerminalUi(std::ostream& out, std::map<std::string, hsm::PinSource> custodian_pins,
             hsm::PinSource signer_pin);

  // Parses "NAME=SPEC" entries (--pin alice=fd:3) and the signer's SPEC.
  static Result<TerminalUi> from_specs(std::ostream& out, const std::vector<std::string>& pins,
                                       const std::string& signer_pin);

  void step(std::string_view heading) override;
  void progress(std::string_view text) override;
  void show_signing(const SigningView& view) override;
  Result<hsm::Pin> ask_pin(const PinRequest& request) override;
  bool pin_can_change(const PinRequest& request) const override;
  void info(std::string_view text) override;
  void warning(std::string_view text) override;

  // Names given with --pin, to check them against the plan.
  std::vector<std::string> pin_names() const;
  // Where the signer HSM's SO PIN comes from (backup), and each custodian's share
  // passphrase ("NAME=SPEC", backup and restore); unset: prompt.
  Result<void> set_signer_so_pin(const std::string& spec);
  Result<void> set_passphrases(const std::vector<std::string>& specs);

 private:
  std::ostream* out_;
  std::map<std::string, hsm::PinSource> custodian_pins_;
  hsm::PinSource signer_pin_;
  hsm::PinSource signer_so_pin_;
  std::map<std::string, hsm::PinSource> passphrases_;
};

}  // namespace hallmark::ceremony
