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

ceremony::LoadedPlan make_plan(const std::vector<PlanCustodianSpec>& custodians,
                               uint32_t root_threshold, uint32_t approver_threshold,
                               const std::string& extra) {
  auto plan = parse_test_plan(custodians, root_threshold, approver_threshold, extra);
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message));
  return *plan;
}

v1::Envelope make_v1(CeremonyTokens&) {
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  auto root = init_trust_root(plan, kNow);
  REQUIRE_MESSAGE(root, (root ? "" : root.error().message));
  return *root;
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
  auto made = request_enrollment(tokens, station_id, now_unix, label_prefix);
  REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  return std::move(*made);
}

}  // namespace hallmark::testing
