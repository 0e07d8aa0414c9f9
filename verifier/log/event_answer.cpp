#include "verifier/log/event_answer.h"

#include "verifier/core/dsse.h"

namespace hallmark::evidence {

EventAnswer answer_of(const v1::Attestation& a, const v1::ProvisioningManifest& manifest) {
  EventAnswer out;
  out.operator_name = a.operator_name();
  if (a.event() == v1::Attestation::BREAK_GLASS) {
    auto statement = verifier::parse_envelope_json(a.signed_statement());
    v1::BreakGlass glass;
    if (statement && glass.ParseFromString(statement->payload())) {
      out.supervisor_name = glass.supervisor_name();
    }
  }
  out.why = a.reason();
  const bool detail_is_why = a.result() == v1::Attestation::FAIL ||
                             a.event() == v1::Attestation::LINE_STOP;
  if (detail_is_why && !a.detail().empty()) {
    out.why = out.why.empty() ? a.detail() : out.why + "; " + a.detail();
  }
  for (const auto& finding : manifest.findings()) {
    out.finding_kinds.push_back(finding_kind_name(finding.kind()));
  }
  return out;
}

std::string who_text(const EventAnswer& answer) {
  if (!answer.supervisor_name.empty()) {
    return "supervisor " + answer.supervisor_name +
           (answer.operator_name.empty() ? "" : " (operator " + answer.operator_name + ")");
  }
  return answer.operator_name.empty() ? "-" : "operator " + answer.operator_name;
}

std::string kinds_text(const EventAnswer& answer, const std::string& separator) {
  if (answer.finding_kinds.empty()) return "none";
  std::string out;
  for (const auto& kind : answer.finding_kinds) out += (out.empty() ? "" : separator) + kind;
  return out;
}

std::string finding_kind_name(int kind) {
  if (!v1::Finding::Kind_IsValid(kind)) return "KIND_" + std::to_string(kind);
  return v1::Finding::Kind_Name(static_cast<v1::Finding::Kind>(kind));
}

}  // namespace hallmark::evidence
