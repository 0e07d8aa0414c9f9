// Test support for the ceremony suite: SoftHSM tokens for three (four) custodians, the
// signer HSM and a station; a CeremonyUi that records every call in order and answers PINs
// from per-holder scripts; plans written for those tokens; signers on the fixture tokens
// for hand-built envelopes the ceremony itself would refuse to produce.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/ceremony_ui.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "hallmark/trust.pb.h"
#include "hsm-profiles/src/token_signer.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/document.h"

namespace hallmark::testing {

inline constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15

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

// Tokens custodian-alice, -bob, -carol, -dave, signer-hsm, station-1 and the person cards
// of sam, olga, otto and mallory (a person no roster lists).
struct CeremonyTokens {
  SoftHsmFixture hsm{{"custodian-alice", "custodian-bob", "custodian-carol", "custodian-dave",
                      "signer-hsm", "station-1", "person-sam", "person-olga", "person-otto",
                      "person-mallory"}};
  std::filesystem::path path(const std::string& name) const { return hsm.dir() / name; }
  std::string serial(const std::string& token) const;
};

struct PlanCustodianSpec {
  std::string name;
  std::string card_uri;  // default pkcs11:token=custodian-<name>
  bool always_authenticate = false;  // a generated key asks for the PIN on every signature
};

// A plan textproto for `custodians` (all generate_if_missing) with the given thresholds.
std::string plan_text(const std::vector<PlanCustodianSpec>& custodians, uint32_t root_threshold,
                      uint32_t approver_threshold = 0, const std::string& extra = "");
ceremony::LoadedPlan make_plan(const std::vector<PlanCustodianSpec>& custodians,
                               uint32_t root_threshold, uint32_t approver_threshold = 0,
                               const std::string& extra = "");
std::vector<PlanCustodianSpec> names(std::initializer_list<const char*> list);

ceremony::Clock fixed_clock(int64_t now = kNow);

// Runs init with alice, bob and carol (root threshold 2), everyone present; REQUIREs ok.
v1::Envelope make_v1(CeremonyTokens& tokens);

// A logged-in session and signer on a fixture token's key (for hand-built envelopes).
struct FixtureSigner {
  hsm::Session session;
  std::unique_ptr<hsm::TokenSigner> signer;
};
std::unique_ptr<FixtureSigner> fixture_signer(const CeremonyTokens& tokens,
                                              const std::string& token,
                                              const std::string& label = "custodian");

// DSSE envelope of `message` (payload type of `type_name`) signed by each of `signers`.
v1::Envelope sign_envelope(const google::protobuf::MessageLite& message,
                           std::string_view type_name,
                           const std::vector<FixtureSigner*>& signers);

template <class Msg>
Msg payload_of(const v1::Envelope& envelope) {
  Msg message;
  REQUIRE(message.ParseFromString(envelope.payload()));
  return message;
}

// Entries of a transcript envelope (parsed, unverified: for assertions).
std::vector<v1::TranscriptEntry> entries_of(const v1::Envelope& transcript);
bool has_entry(const std::vector<v1::TranscriptEntry>& entries, const std::string& step,
               bool ok, const std::string& detail_part = "");

// An enrollment request made on the "station-1" token the way `hallmark-station enroll` makes
// it: station and device-CA keys generated there (labels `<prefix>station`,
// `<prefix>device-ca`), fixed software and config digests, created at `now_unix`.
struct TestEnrollment {
  v1::Envelope request;
  std::string station_key_id;
  std::string device_ca_key_id;
};
TestEnrollment make_enrollment_request(const CeremonyTokens& tokens,
                                       const std::string& station_id, std::int64_t now_unix,
                                       const std::string& label_prefix = "");

}  // namespace hallmark::testing
