#include "ceremony/src/summary.h"

#include <fmt/format.h>

#include "hallmark/keys.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/transcript.h"

namespace hallmark::ceremony {
namespace {

std::string role_label(v1::Role role) {
  switch (role) {
    case v1::ROOT: return "root";
    case v1::APPROVER: return "approver";
    case v1::RELEASE: return "release";
    case v1::EVIDENCE: return "evidence";
    case v1::MANUFACTURING_CA: return "manufacturing CA";
    default: return v1::Role_Name(role);
  }
}

std::string custodian_of(const v1::TrustRoot& root, const std::string& key_id) {
  for (const auto& c : root.custodians()) {
    for (const auto& id : c.key_ids()) {
      if (id == key_id) return c.name();
    }
  }
  return {};
}

std::string hex_or_none(const std::string& bytes) {
  return bytes.empty() ? std::string("(none)") : to_hex(as_bytes(bytes));
}

}  // namespace

std::string provenance_text(const v1::KeyProvenance& p) {
  auto yn = [](bool v) { return v ? "yes" : "no"; };
  return fmt::format(
      "generated on token {}, never extractable {}, always sensitive {}, extractable {}, "
      "always authenticate {}",
      yn(p.local()), yn(p.never_extractable()), yn(p.always_sensitive()), yn(p.extractable()),
      yn(p.always_authenticate()));
}

std::string trust_root_summary(const v1::TrustRoot& root) {
  std::string out = fmt::format(
      "  TRUST ROOT version {}\n  valid from {} until {}\n", root.version(),
      verifier::format_utc(root.issued_unix()), verifier::format_utc(root.expires_unix()));
  if (root.version() > 1) {
    out += fmt::format("  follows the version with payload SHA-256 {}\n",
                       hex_or_none(root.previous_digest()));
  }
  out += "  custodians:\n";
  for (const auto& c : root.custodians()) {
    out += fmt::format("    {:<12} card '{}' (serial {})  key(s) {}\n", c.name(),
                       c.card().label(), c.card().serial(), fmt::join(c.key_ids(), ", "));
  }
  out += "  roles:\n";
  for (const auto& role : root.roles()) {
    std::vector<std::string> holders;
    for (const auto& id : role.key_ids()) {
      const std::string who = custodian_of(root, id);
      holders.push_back(who.empty() ? id : fmt::format("{} ({})", who, id.substr(0, 16)));
    }
    out += fmt::format("    {:<17} {} of {}: {}\n", role_label(role.role()), role.threshold(),
                       role.key_ids_size(), fmt::join(holders, ", "));
  }
  if (!root.manufacturing_ca_certificate_der().empty()) {
    auto digest = verifier::sha256(as_bytes(root.manufacturing_ca_certificate_der()));
    out += fmt::format("  manufacturing CA certificate SHA-256 {}\n",
                       digest ? digest->hex() : std::string("?"));
  }
  return out;
}

std::string revocation_summary(const v1::Revocation& r) {
  std::string out = fmt::format("  REVOCATION under trust root version {}, issued {}\n",
                                r.trust_root_version(), verifier::format_utc(r.issued_unix()));
  for (const auto& id : r.key_ids()) out += fmt::format("    revoke key       {}\n", id);
  for (const auto& name : r.custodians()) out += fmt::format("    revoke custodian {}\n", name);
  for (const auto& id : r.station_ids()) out += fmt::format("    revoke station   {}\n", id);
  for (const auto& d : r.bundle_digests()) {
    out += fmt::format("    revoke bundle    {}\n", to_hex(as_bytes(d)));
  }
  out += fmt::format("  effective {} (evidence the signer countersigned before then still "
                     "verifies)\n",
                     verifier::revoked_since_text(r.effective_unix()));
  out += fmt::format("  reason: {}\n", r.reason());
  return out;
}

std::string registration_summary(const v1::StationRegistration& reg,
                                  const v1::StationEnrollment& e,
                                  const verifier::Digest& request_digest) {
  auto cert = verifier::sha256(as_bytes(reg.device_ca_certificate_der()));
  return fmt::format(
      "  STATION REGISTRATION of station '{}' under trust root version {}\n"
      "  valid from {} until {}\n"
      "  station token  {}\n"
      "  station key    {}\n    provenance: {}\n"
      "  device-CA key  {}\n    provenance: {}\n"
      "  software SHA-256 {}\n  config SHA-256   {}\n"
      "  request created {}; request payload SHA-256 {}\n"
      "  device-CA certificate (issued by the manufacturing CA) SHA-256 {}\n",
      reg.station_id(), reg.trust_root_version(), verifier::format_utc(reg.registered_unix()),
      verifier::format_utc(reg.expires_unix()), verifier::station_token_text(e),
      e.station_key().key_id(),
      provenance_text(e.station_key_provenance()), e.device_ca_key().key_id(),
      provenance_text(e.device_ca_key_provenance()), hex_or_none(e.software_sha256()),
      hex_or_none(e.config_sha256()), verifier::format_utc(e.created_unix()),
      request_digest.hex(), cert ? cert->hex() : std::string("?"));
}

std::string transcript_summary(const v1::CeremonyTranscript& t, bool refused,
                               const std::string& outcome) {
  return fmt::format(
      "  TRANSCRIPT of the {} ceremony: {} entries\n  outcome: {}{}\n  plan SHA-256 {}\n"
      "  result payload SHA-256 {}\n",
      t.ceremony(), t.entries_size(), refused ? "REFUSED — " : "", outcome, t.plan_digest(),
      hex_or_none(t.result_digest()));
}

}  // namespace hallmark::ceremony
