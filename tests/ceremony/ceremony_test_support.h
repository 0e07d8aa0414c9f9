// Test support for the ceremony suite: SoftHSM tokens for three (four) custodians, the
// signer HSM and a station; a CeremonyUi that records every call in order and answers PINs
// from per-holder scripts; plans written for those tokens (those three from testkit/line,
// shared with the benchmarks); signers on the fixture tokens for hand-built envelopes the
// ceremony itself would refuse to produce.
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
#include "testkit/line/ceremony_kit.h"
#include "testkit/line/recording_ui.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/document.h"

namespace hallmark::testing {

inline constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15

// UiEvent and RecordingUi (testkit/line/recording_ui.h); CeremonyTokens, PlanCustodianSpec,
// plan_text(), names(), fixed_clock(now) and TestEnrollment (testkit/line/ceremony_kit.h).

// The plan of plan_text(); REQUIREs that it parses.
ceremony::LoadedPlan make_plan(const std::vector<PlanCustodianSpec>& custodians,
                               uint32_t root_threshold, uint32_t approver_threshold = 0,
                               const std::string& extra = "");

inline ceremony::Clock fixed_clock() { return fixed_clock(kNow); }

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

// request_enrollment() (testkit/line/ceremony_kit.h); REQUIREs that it succeeded.
TestEnrollment make_enrollment_request(const CeremonyTokens& tokens,
                                       const std::string& station_id, std::int64_t now_unix,
                                       const std::string& label_prefix = "");

}  // namespace hallmark::testing
