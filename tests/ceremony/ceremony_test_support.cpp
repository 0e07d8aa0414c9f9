#include "tests/ceremony/ceremony_test_support.h"

#include <fmt/format.h>

#include "ceremony/src/init_ceremony.h"
#include "hsm-profiles/src/keygen.h"
#include "station-agent/enrollment/enrollment_request.h"
#include "verifier/core/sha256.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/uri.h"
#include "verifier/core/dsse.h"

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

std::string CeremonyTokens::serial(const std::string& token) const {
  auto session = hsm.open(token, false);
  auto info = session.token_info();
  REQUIRE(info);
  return info->serial();
}

std::vector<PlanCustodianSpec> names(std::initializer_list<const char*> list) {
  std::vector<PlanCustodianSpec> out;
  for (const char* name : list) out.push_back({name, {}});
  return out;
}

std::string plan_text(const std::vector<PlanCustodianSpec>& custodians, uint32_t root_threshold,
                      uint32_t approver_threshold, const std::string& extra) {
  std::string text;
  for (const auto& c : custodians) {
    const std::string uri =
        c.card_uri.empty() ? "pkcs11:token=custodian-" + c.name : c.card_uri;
    text += fmt::format(
        "custodians {{ name: \"{}\" card_uri: \"{}\" generate_if_missing: true "
        "allow_software_token: true{} }}\n", c.name,
        uri, c.always_authenticate ? " always_authenticate: true" : "");
  }
  text += fmt::format("root_threshold: {}\n", root_threshold);
  if (approver_threshold != 0) text += fmt::format("approver_threshold: {}\n", approver_threshold);
  text +=
      "signer { uri: \"pkcs11:token=signer-hsm\" allow_software_token: true }\n"
      "organisation: \"Test Devices\"\n";
  return text + extra;
}

ceremony::LoadedPlan make_plan(const std::vector<PlanCustodianSpec>& custodians,
                               uint32_t root_threshold, uint32_t approver_threshold,
                               const std::string& extra) {
  const std::string text = plan_text(custodians, root_threshold, approver_threshold, extra);
  auto plan = ceremony::parse_plan(as_bytes(text), "test-plan.textproto");
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message));
  return *plan;
}

ceremony::Clock fixed_clock(int64_t now) {
  return [now] { return now; };
}

v1::Envelope make_v1(CeremonyTokens&) {
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::CeremonyContext context{ui, fixed_clock(), {}};
  auto outcome = ceremony::run_init(plan, context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  return *outcome.document;
}

std::unique_ptr<FixtureSigner> fixture_signer(const CeremonyTokens& tokens,
                                              const std::string& token,
                                              const std::string& label) {
  auto out = std::unique_ptr<FixtureSigner>(new FixtureSigner{tokens.hsm.open(token), nullptr});
  auto uri = hsm::TokenUri::parse(fmt::format("pkcs11:token={};object={}", token, label));
  REQUIRE(uri);
  auto key = hsm::TokenKey::find(out->session, *uri);
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  auto signer = hsm::TokenSigner::create(out->session, *key,
                                         [] { return Result<hsm::Pin>(SoftHsmFixture::user_pin()); });
  REQUIRE(signer);
  out->signer = std::make_unique<hsm::TokenSigner>(std::move(*signer));
  return out;
}

v1::Envelope sign_envelope(const google::protobuf::MessageLite& message,
                           std::string_view type_name,
                           const std::vector<FixtureSigner*>& signers) {
  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(type_name));
  const Bytes payload = verifier::deterministic_bytes(message);
  envelope.set_payload(std::string(as_chars(payload)));
  const Bytes pae = verifier::pae(envelope.payload_type(), payload);
  for (FixtureSigner* s : signers) {
    auto sig = s->signer->sign(pae);
    REQUIRE(sig);
    auto* added = envelope.add_signatures();
    added->set_keyid(s->signer->key_id());
    added->set_sig(std::string(as_chars(*sig)));
  }
  return envelope;
}

std::vector<v1::TranscriptEntry> entries_of(const v1::Envelope& transcript) {
  v1::CeremonyTranscript t;
  REQUIRE(t.ParseFromString(transcript.payload()));
  std::vector<v1::TranscriptEntry> out;
  for (const auto& bytes : t.entries()) {
    v1::TranscriptEntry entry;
    REQUIRE(entry.ParseFromString(bytes));
    out.push_back(std::move(entry));
  }
  return out;
}

bool has_entry(const std::vector<v1::TranscriptEntry>& entries, const std::string& step,
               bool ok, const std::string& detail_part) {
  for (const auto& e : entries) {
    if (e.step() == step && e.ok() == ok &&
        e.detail().find(detail_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TestEnrollment make_enrollment_request(const CeremonyTokens& tokens,
                                       const std::string& station_id, std::int64_t now_unix,
                                       const std::string& label_prefix) {
  auto session = tokens.hsm.open("station-1");
  auto station = hsm::generate_key(
      session, {v1::ECDSA_P256_SHA256, label_prefix + "station", {}, false});
  auto device_ca = hsm::generate_key(
      session, {v1::ECDSA_P256_SHA256, label_prefix + "device-ca", {}, false});
  REQUIRE(station);
  REQUIRE(device_ca);
  auto station_signer = hsm::TokenSigner::create(session, *station);
  auto device_ca_signer = hsm::TokenSigner::create(session, *device_ca);
  REQUIRE(station_signer);
  REQUIRE(device_ca_signer);
  hallmark::station::EnrollmentInfo info;
  info.station_id = station_id;
  // What the test line runs with (tests/line: an empty software digest and the policy that
  // allows combo-1, as intake::testing::write_policy writes it), so countersign sees no drift.
  info.software_sha256 = *verifier::sha256(ByteView{});
  info.config_sha256 = *verifier::sha256(as_bytes(std::string_view("allowed_skus: \"combo-1\"\n")));
  info.now_unix = now_unix;
  auto request =
      hallmark::station::make_enrollment_request(*station_signer, *device_ca_signer, info);
  REQUIRE_MESSAGE(request, (request ? "" : request.error().message));
  return {*request, station_signer->public_key().key_id(),
          device_ca_signer->public_key().key_id()};
}

}  // namespace hallmark::testing
