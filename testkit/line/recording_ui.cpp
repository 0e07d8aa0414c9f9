#include "testkit/line/recording_ui.h"

#include "testkit/softhsm_fixture.h"

namespace hallmark::testing {

void RecordingUi::script(const std::string& name, std::vector<std::string> pins) {
  auto& queue = scripts_[name];
  for (auto& pin : pins) queue.push_back(std::move(pin));
}

void RecordingUi::step(std::string_view heading) {
  events.push_back({UiEvent::Kind::kStep, {}, std::string(heading), {}, {}, {}});
}
void RecordingUi::progress(std::string_view text) {
  events.push_back({UiEvent::Kind::kProgress, {}, std::string(text), {}, {}, {}});
}
void RecordingUi::show_signing(const ceremony::SigningView& view) {
  events.push_back({UiEvent::Kind::kShowSigning, view.custodian, view.summary, view.payload_hex,
                    view.read_aloud ? view.read_aloud->hex : std::string(), {}});
}
Result<hsm::Pin> RecordingUi::ask_pin(const ceremony::PinRequest& request) {
  events.push_back({UiEvent::Kind::kAskPin, request.name, request.purpose, {}, {}, request.state});
  pin_requests.push_back(request);
  using Holder = ceremony::PinRequest::Holder;
  // A share passphrase is scripted as "passphrase:<name>"; the SO PIN as "signer HSM SO".
  const std::string key =
      request.holder == Holder::kSharePassphrase ? "passphrase:" + request.name : request.name;
  auto& queue = scripts_[key];
  if (queue.empty() && request.holder == Holder::kSignerHsmSo) {
    return hsm::Pin(SoftHsmFixture::kSoPin);
  }
  if (queue.empty() && request.holder == Holder::kSharePassphrase) {
    return hsm::Pin("passphrase of " + request.name);
  }
  if (queue.empty()) return hsm::Pin(SoftHsmFixture::kUserPin);
  std::string pin = std::move(queue.front());
  queue.pop_front();
  return hsm::Pin(pin);
}
void RecordingUi::info(std::string_view text) {
  events.push_back({UiEvent::Kind::kInfo, {}, std::string(text), {}, {}, {}});
}
void RecordingUi::warning(std::string_view text) {
  events.push_back({UiEvent::Kind::kWarning, {}, std::string(text), {}, {}, {}});
}

std::size_t RecordingUi::count(UiEvent::Kind kind) const {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == kind ? 1 : 0;
  return n;
}

bool RecordingUi::any_warning_contains(const std::string& text) const {
  for (const auto& e : events) {
    if (e.kind == UiEvent::Kind::kWarning && e.text.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace hallmark::testing
