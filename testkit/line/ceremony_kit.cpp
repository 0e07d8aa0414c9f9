#include "testkit/line/ceremony_kit.h"

#include <stdexcept>

#include <fmt/format.h>

#include "ceremony/src/init_ceremony.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/token_signer.h"
#include "station-agent/enrollment/enrollment_request.h"
#include "testkit/line/recording_ui.h"
#include "verifier/core/sha256.h"

namespace hallmark::testing {

std::string CeremonyTokens::serial(const std::string& token) const {
  auto session = hsm.open(token, false);
  auto info = session.token_info();
  if (!info) throw std::runtime_error("token " + token + ": " + info.error().message);
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

Result<ceremony::LoadedPlan> parse_test_plan(const std::vector<PlanCustodianSpec>& custodians,
                                             uint32_t root_threshold, uint32_t approver_threshold,
                                             const std::string& extra) {
  const std::string text = plan_text(custodians, root_threshold, approver_threshold, extra);
  return ceremony::parse_plan(as_bytes(text), "test-plan.textproto");
}

ceremony::Clock fixed_clock(int64_t now) {
  return [now] { return now; };
}

Result<v1::Envelope> init_trust_root(const ceremony::LoadedPlan& plan, int64_t now) {
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, fixed_clock(now), {}};
  auto outcome = ceremony::run_init(plan, context);
  if (!outcome.ok()) {
    return std::unexpected(outcome.error.value_or(
        Error{ErrorCode::kInternal, "the init ceremony made no trust root", 0, {}}));
  }
  return *outcome.document;
}

Result<TestEnrollment> request_enrollment(const CeremonyTokens& tokens,
                                          const std::string& station_id, std::int64_t now_unix,
                                          const std::string& label_prefix) {
  auto session = tokens.hsm.open("station-1");
  auto station = hsm::generate_key(
      session, {v1::ECDSA_P256_SHA256, label_prefix + "station", {}, false});
  if (!station) return std::unexpected(station.error());
  auto device_ca = hsm::generate_key(
      session, {v1::ECDSA_P256_SHA256, label_prefix + "device-ca", {}, false});
  if (!device_ca) return std::unexpected(device_ca.error());
  auto station_signer = hsm::TokenSigner::create(session, *station);
  if (!station_signer) return std::unexpected(station_signer.error());
  auto device_ca_signer = hsm::TokenSigner::create(session, *device_ca);
  if (!device_ca_signer) return std::unexpected(device_ca_signer.error());
  hallmark::station::EnrollmentInfo info;
  info.station_id = station_id;
  // What the test line runs with (StationWorld: an empty software digest and the policy that
  // allows combo-1, as write_policy writes it), so countersign sees no drift.
  info.software_sha256 = *verifier::sha256(ByteView{});
  info.config_sha256 = *verifier::sha256(as_bytes(std::string_view("allowed_skus: \"combo-1\"\n")));
  info.now_unix = now_unix;
  auto request =
      hallmark::station::make_enrollment_request(*station_signer, *device_ca_signer, info);
  if (!request) return std::unexpected(request.error());
  return TestEnrollment{*request, station_signer->public_key().key_id(),
                        device_ca_signer->public_key().key_id()};
}

}  // namespace hallmark::testing
