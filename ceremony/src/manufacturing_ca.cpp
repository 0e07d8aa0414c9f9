#include "ceremony/src/manufacturing_ca.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

#include <fmt/format.h>

#include "hsm-profiles/x509/certificate_issuer.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/x509_profile.h"
#include "verifier/core/sha256.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kSignerActor);

Result<Bytes> issue(SignerHsm& hsm, const hsm::TokenKey& ca_key, const x509::CertificateSpec& spec,
                    const std::string& what, TranscriptRecorder& transcript) {
  auto signer = hsm.signer(ca_key, hsm::ProductionRole::kManufacturingCa);
  if (!signer) return std::unexpected(signer.error().context(what));
  auto certificate = x509::issue_certificate(
      spec, ca_key.public_key(), [s = std::move(*signer)](ByteView tbs) { return s.sign(tbs); });
  if (!certificate) {
    transcript.failed("certificate", kActor,
                      fmt::format("{}: {}", what, certificate.error().message), &hsm.token());
    return std::unexpected(certificate.error().context(what));
  }
  auto digest = verifier::sha256(*certificate);
  transcript.ok("certificate", kActor,
                fmt::format("{} issued by manufacturing CA key {}: certificate SHA-256 {}",
                            what, ca_key.key_id(), digest ? digest->hex() : "?"),
                &hsm.token());
  return certificate;
}

}  // namespace

Result<Bytes> self_sign_manufacturing_ca(SignerHsm& hsm, const hsm::TokenKey& ca_key,
                                         const std::string& organisation, int64_t not_before,
                                         int64_t not_after, TranscriptRecorder& transcript) {
  const auto spec = x509::manufacturing_ca_spec(organisation, ca_key.public_key(),
                                                x509::Validity{not_before, not_after});
  return issue(hsm, ca_key, spec, "self-signed manufacturing CA certificate", transcript);
}

Result<Bytes> issue_device_ca(SignerHsm& hsm, const hsm::TokenKey& ca_key,
                              const std::string& station_id, const std::string& organisation,
                              const verifier::PublicKey& device_ca_key, int64_t not_before,
                              int64_t not_after, TranscriptRecorder& transcript) {
  const auto spec = x509::device_ca_spec(station_id, organisation, device_ca_key,
                                         x509::Validity{not_before, not_after});
  return issue(hsm, ca_key, spec,
               fmt::format("device-CA certificate of station '{}' (key {})", station_id,
                           device_ca_key.key_id()),
               transcript);
}

Result<std::string> certificate_organisation(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(ErrorCode::kVerificationFailed,
                "the trust root carries no manufacturing CA certificate");
  }
  namespace profile = verifier::x509_profile;
  auto cert = profile::parse_certificate(der, "the trust root's manufacturing CA certificate");
  if (!cert) return std::unexpected(std::move(cert).error());
  auto organisation = profile::subject_entry(
      cert->get(), NID_organizationName, "the organisation of the manufacturing CA certificate");
  if (!organisation) return std::unexpected(std::move(organisation).error());
  return organisation->value_or(std::string());
}

}  // namespace hallmark::ceremony
