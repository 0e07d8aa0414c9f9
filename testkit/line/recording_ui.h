// RecordingUi: a ceremony::CeremonyUi for the tests and the benchmarks that records every
// call in order and answers PINs from per-holder scripts (then the fixture's PINs:
// testkit/softhsm_fixture.h), so a ceremony runs unattended on throwaway SoftHSM tokens and
// a test can read back what a custodian was shown. Never used by a product (testkit layer:
// docs/architecture.md). Not thread-safe.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ceremony/src/ceremony_ui.h"

namespace hallmark::testing {

struct UiEvent {
  enum class Kind { kStep, kProgress, kShowSigning, kAskPin, kInfo, kWarning };
  Kind kind;
  std::string who;     // custodian / holder name
  std::string text;    // heading, summary, purpose, message
  std::string digest;  // show_signing only: the payload SHA-256
  std::string read_aloud;  // show_signing only: the digest to read aloud (empty: none)
  hsm::PinState state; // ask_pin only
};

class RecordingUi : public ceremony::CeremonyUi {
 public:
  // PINs to answer for `name` ("signer HSM" for the HSM), in order; then the right PIN.
  void script(const std::string& name, std::vector<std::string> pins);

  void step(std::string_view heading) override;
  void progress(std::string_view text) override;
  void show_signing(const ceremony::SigningView& view) override;
  Result<hsm::Pin> ask_pin(const ceremony::PinRequest& request) override;
  void info(std::string_view text) override;
  void warning(std::string_view text) override;

  std::vector<UiEvent> events;
  std::vector<ceremony::PinRequest> pin_requests;

  std::size_t count(UiEvent::Kind kind) const;
  bool any_warning_contains(const std::string& text) const;

 private:
  std::map<std::string, std::deque<std::string>> scripts_;
};

}  // namespace hallmark::testing
