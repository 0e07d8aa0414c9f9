// Station enrollment through the library: a request made on the station token by
// hallmark::station_enrollment, registered by the ceremony, checked by the verifier.
#include "tests/support/trusted_root_access.h"
#include <doctest/doctest.h>

#include "ceremony/src/enroll_station.h"
#include "ceremony/src/revoke_ceremony.h"
#include "ceremony/src/trust_root_builder.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/trust/station_registration.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

v1::Envelope make_request(CeremonyTokens& tokens, const std::string& station_id) {
  return make_enrollment_request(tokens, station_id, kNow + 20).request;
}

ceremony::CeremonyOutcome enroll(RecordingUi& ui, const v1::Envelope& v1,
                                 const v1::Envelope& request,
                                 std::vector<v1::Envelope> revocations = {}) {
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 60), {"alice", "carol"}};
  const std::vector<v1::Envelope> chain{v1};
  ceremony::EnrollInput input{chain, revocations, &plan, &request};
  return ceremony::run_enroll_station(input, context);
}

// Only the custodians at the table were asked, and only to sign the transcript.
bool only_transcript_pins(const RecordingUi& ui) {
  for (const auto& request : ui.pin_requests) {
    if (request.holder != ceremony::PinRequest::Holder::kCustodian ||
        request.purpose != "sign the ceremony transcript") {
      return false;
    }
  }
  return !ui.pin_requests.empty();
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("enroll-station registers a station whose device-CA certificate chains to the manufacturing CA") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const v1::Envelope request = make_request(tokens, "line-1");
  RecordingUi ui;
  auto outcome = enroll(ui, v1, request);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));

  auto root = verifier::TrustedRootTestAccess::from_anchor(v1);
  REQUIRE(root);
  auto station = verifier::verify_station_registration(*outcome.document, *root, kNow + 100);
  REQUIRE_MESSAGE(station, (station ? "" : station.error().message));
  const v1::StationRegistration& r = station->registration;
  CHECK(r.station_id() == "line-1");
  CHECK(r.trust_root_version() == 1);
  CHECK(r.enrollment_payload() == request.payload());  // the exact request bytes
  auto ca = verifier::PublicKey::from_proto(*ceremony::role_key(root->current(), v1::MANUFACTURING_CA));
  REQUIRE(ca);
  CHECK(verifier::verify_device_ca_certificate(as_bytes(r.device_ca_certificate_der()), *ca,
                                               station->enrollment.device_ca_key, "line-1",
                                               kNow + 100));
  // The summary the custodians saw named the station and the request digest.
  const auto digest = verifier::sha256(as_bytes(request.payload()));
  bool shown = false;
  for (const auto& e : ui.events) {
    shown = shown || (e.kind == UiEvent::Kind::kShowSigning &&
                      e.text.find("station 'line-1'") != std::string::npos &&
                      e.text.find(digest->hex()) != std::string::npos);
  }
  CHECK(shown);
}

TEST_CASE("a revoked station is refused at enroll-station and by verify_station_registration") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  const v1::Envelope request = make_request(tokens, "line-1");
  RecordingUi ui;
  auto registered = enroll(ui, v1, request);
  REQUIRE(registered.ok());

  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  RecordingUi revoke_ui;
  ceremony::CeremonyContext context{revoke_ui, fixed_clock(kNow + 70), {}};
  const std::vector<v1::Envelope> chain{v1};
  ceremony::RevokeInput input{chain, {}, &plan, {{}, {}, {"line-1"}, {}, "station stolen", std::nullopt}};
  auto revocation = ceremony::run_revoke(input, context);
  REQUIRE(revocation.ok());

  RecordingUi again;
  auto refused = enroll(again, v1, request, {*revocation.document});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error->code == ErrorCode::kPolicyRefused);
  CHECK(refused.error->message.find("station 'line-1' is revoked") != std::string::npos);
  CHECK(only_transcript_pins(again));  // no registration signed, the HSM never opened

  auto root = verifier::TrustedRootTestAccess::from_anchor(v1);
  REQUIRE(root);
  REQUIRE(verifier::verify_station_registration(*registered.document, *root, kNow + 100));
  REQUIRE(hallmark::verifier::TrustedRootTestAccess::add_revocation(*root, *revocation.document));
  auto verdict = verifier::verify_station_registration(*registered.document, *root, kNow + 100);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().message.find("revoked") != std::string::npos);
}

TEST_CASE("a tampered enrollment request is refused before anyone is asked for a PIN") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  v1::Envelope request = make_request(tokens, "line-1");
  std::string payload = request.payload();
  payload[payload.size() / 2] = static_cast<char>(payload[payload.size() / 2] ^ 0x01);
  request.set_payload(payload);
  RecordingUi ui;
  auto outcome = enroll(ui, v1, request);
  REQUIRE_FALSE(outcome.ok());
  INFO(outcome.error->message);
  CHECK(outcome.error->code != ErrorCode::kUsage);
  CHECK(has_entry(entries_of(outcome.transcript), "request", false, "refused"));
  CHECK(only_transcript_pins(ui));
  CHECK(outcome.transcript.signatures_size() == 2);  // alice and carol close the transcript
}

}  // TEST_SUITE
