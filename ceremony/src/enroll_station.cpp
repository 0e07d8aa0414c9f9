#include "ceremony/src/enroll_station.h"

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/manufacturing_ca.h"
#include "ceremony/src/signer_hsm.h"
#include "ceremony/src/summary.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/document.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::ceremony {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
const std::string kActor(kCeremonyActor);

Error refused(std::string message) {
  return Error{ErrorCode::kPolicyRefused, std::move(message), 0, {}};
}

v1::TokenKey reported_key(const v1::PublicKey& key, const v1::KeyProvenance& provenance,
                          const std::string& label) {
  v1::TokenKey out;
  out.set_label(label);
  *out.mutable_public_key() = key;
  *out.mutable_provenance() = provenance;
  return out;
}


// The enrollment request, verified (signed by both of the station's keys, production
// provenance); recorded. A request whose contents contradict themselves is a bad document.
Result<verifier::VerifiedEnrollment> verified_request(const v1::Envelope& envelope,
                                                      const verifier::Digest& request_digest,
                                                      TranscriptRecorder& transcript) {
  auto request = verifier::verify_enrollment_request(envelope);
  if (!request && request.error().code == ErrorCode::kUsage) {
    // A request whose contents contradict themselves (a key id that is not its key's
    // hash, ...) is a bad document, not a mistake on the command line: refuse it as such.
    request.error().code = ErrorCode::kVerificationFailed;
  }
  if (!request) {
    transcript.failed("request", kActor,
                      fmt::format("enrollment request (payload SHA-256 {}) refused: {}",
                                  request_digest.hex(), request.error().message));
    return std::unexpected(request.error().context("enrollment request"));
  }
  const v1::StationEnrollment& enrollment = request->enrollment;
  const std::string& station_id = enrollment.station_id();
  transcript.ok("request", std::string("station ") + station_id,
                fmt::format("enrollment request of station '{}' verifies (signed by both of its "
                            "keys); payload SHA-256 {}",
                            station_id, request_digest.hex()),
                nullptr,
                {reported_key(enrollment.station_key(), enrollment.station_key_provenance(),
                              "station"),
                 reported_key(enrollment.device_ca_key(),
                              enrollment.device_ca_key_provenance(), "device-ca")});
  return request;
}

// A revoked station id is never enrolled again, nor a revoked key.
Result<void> refuse_revoked_station(const verifier::TrustedRoot& trusted,
                                    const verifier::VerifiedEnrollment& request) {
  const StationId station_id(request.enrollment.station_id());
  if (trusted.station_revoked(station_id)) {
    return std::unexpected(refused(fmt::format(
        "station '{}' is revoked: a revoked station id is never enrolled "
        "again; enrol the replacement under a new id with new keys",
        station_id)));
  }
  for (const auto* key : {&request.station_key, &request.device_ca_key}) {
    if (trusted.key_revoked(key->key_id())) {
      return std::unexpected(refused(fmt::format("station '{}' presents revoked key {}: generate "
                                                 "new keys on the station token",
                                                 station_id, key->key_id())));
    }
  }
  return {};
}

// The station's device-CA certificate, issued by the manufacturing-CA key in the signer HSM
// (`hsm`, opened here and kept open by the caller) until `expires`.
Result<Bytes> issue_station_certificate(const v1::CeremonyPlan& plan,
                                        const v1::TrustRoot& current,
                                        const verifier::VerifiedEnrollment& request,
                                        int64_t now, int64_t expires, CeremonyRun& run,
                                        std::unique_ptr<SignerHsm>& hsm) {
  auto ca_public = role_key(current, v1::MANUFACTURING_CA);
  if (!ca_public) return std::unexpected(ca_public.error());
  auto organisation = certificate_organisation(as_bytes(current.manufacturing_ca_certificate_der()));
  if (!organisation) return std::unexpected(organisation.error());
  auto opened = SignerHsm::open(plan.signer(), run.ui(), run.transcript());
  if (!opened) return std::unexpected(opened.error());
  hsm = std::move(*opened);
  if (auto own = run.table().reserve_signer_hsm(hsm->token()); !own) {
    return std::unexpected(own.error());
  }
  auto ca_key = hsm->find(ca_public->key_id(), "manufacturing CA");
  if (!ca_key) return std::unexpected(ca_key.error());
  return issue_device_ca(*hsm, *ca_key, request.enrollment.station_id(), *organisation,
                         request.device_ca_key, now, expires, run.transcript());
}

// The registration the root quorum signs.
v1::StationRegistration new_registration(const verifier::VerifiedEnrollment& request,
                                         const v1::TrustRoot& current, const Bytes& certificate,
                                         int64_t now, int64_t expires) {
  v1::StationRegistration registration;
  registration.set_station_id(request.enrollment.station_id());
  registration.set_enrollment_payload(std::string(as_chars(request.payload)));
  registration.set_trust_root_version(current.version());
  registration.set_device_ca_certificate_der(std::string(as_chars(certificate)));
  registration.set_registered_unix(now);
  registration.set_expires_unix(expires);
  return registration;
}

}  // namespace

CeremonyOutcome run_enroll_station(const EnrollInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  auto request_digest = verifier::sha256(as_bytes(in.request->payload()));
  CeremonyRun run("enroll-station", request_digest ? request_digest->hex() : std::string(),
                  context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const int64_t now = run.now();
  if (!request_digest) return run.refuse(request_digest.error(), {});

  ui.step("Trust root chain and enrollment request");
  transcript.ok("plan", kActor,
                fmt::format("plan {} (SHA-256 {})", in.plan->file_name(), in.plan->digest.hex()));
  auto trust = verify_chain(in.chain, in.revocations, now, transcript);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* trusted = &trust->root();
  const v1::TrustRoot& current = trusted->current();

  auto table = root_table(run, *trusted, plan);
  if (!table) return run.refuse(table.error(), {});
  const auto& at_table = table->at_table;

  auto request = verified_request(*in.request, *request_digest, transcript);
  if (!request) return run.refuse(request.error(), at_table);
  const v1::StationEnrollment& enrollment = request->enrollment;
  const std::string& station_id = enrollment.station_id();
  if (auto ok = refuse_revoked_station(*trusted, *request); !ok) {
    return run.refuse(ok.error(), at_table);
  }

  if (auto ok = check_root_quorum(run, *trusted, *table, "enrolling a station"); !ok) {
    return run.refuse(ok.error(), at_table);
  }

  ui.step("Issue the station's device-CA certificate");
  const int64_t expires = now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay;
  std::unique_ptr<SignerHsm> hsm;
  auto certificate = issue_station_certificate(plan, current, *request, now, expires, run, hsm);
  if (!certificate) return run.refuse(certificate.error(), at_table);

  const v1::StationRegistration registration =
      new_registration(*request, current, *certificate, now, expires);
  const std::string summary = registration_summary(registration, enrollment, *request_digest);
  transcript.ok("build", kActor, "station registration built:\n" + summary);

  ui.step(fmt::format("Sign the registration of station '{}'", station_id));
  const std::vector<SignerSeat> seats = root_seats(*trusted, *table);
  const Bytes payload = verifier::deterministic_bytes(registration);
  auto envelope =
      run.table().sign(seats, verifier::kRegistrationType, payload, summary,
                       fmt::format("sign the registration of station '{}'", station_id));
  if (!envelope) return run.refuse(envelope.error(), at_table);

  ui.step("Verify the registration");
  auto verified = verifier::verify_station_registration(*envelope, *trusted, now);
  if (!verified) {
    transcript.failed("verify", kActor, verified.error().message);
    return run.refuse(verified.error().context("the signed registration"), at_table);
  }
  transcript.ok("verify", kActor,
                fmt::format("registration of station '{}' verifies under trust root v{} (device-CA "
                            "certificate chains to the manufacturing CA)",
                            station_id, current.version()));
  return run.succeed(std::move(*envelope), std::string(verifier::kRegistrationType),
                     current.version(),
                     fmt::format("station '{}' registered by {}", station_id,
                                 join_names(table->present)));
}

}  // namespace hallmark::ceremony
