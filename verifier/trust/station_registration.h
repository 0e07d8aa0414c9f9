// Station enrollment requests and registrations, verified with public keys only.
// Pure: bytes in, verdict out. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

inline constexpr std::string_view kEnrollmentType = "station-enrollment";
inline constexpr std::string_view kRegistrationType = "station-registration";

// The station token an enrollment names, for people: "LABEL (MANUFACTURER MODEL), profile
// NAME", every field made printable; "(not recorded)" parts for requests made before the
// token was recorded. What the station reported, not proven: the key provenance is.
[[nodiscard]] std::string station_token_text(const v1::StationEnrollment& enrollment);

struct VerifiedEnrollment {
  v1::StationEnrollment enrollment;
  Bytes payload;  // the exact bytes both station keys signed
  PublicKey station_key;
  PublicKey device_ca_key;
};

// A request must be signed by its own station key AND its device-CA key (proof of
// possession), name a station id, and show both keys generated on the token and never
// extractable (production provenance rule).
Result<VerifiedEnrollment> verify_enrollment_request(const v1::Envelope& request);

struct VerifiedStation {
  v1::StationRegistration registration;
  VerifiedEnrollment enrollment;
  // Revocations effective after the evidence being judged (see below): one line each.
  std::vector<std::string> revocation_notes;
};

// A registration signed by a root quorum of `root`, for a station that is not revoked,
// whose enrollment payload verifies as a request, whose device-CA certificate verifies
// under the trust root's manufacturing CA and certifies the enrolled device-CA key, and
// which is valid at `now_unix`.
//
// Revocations (of the station, of its station or device-CA key, or of their custodian):
// - without `evidence_unix` (anything done now: install, countersign, enroll) any
//   revocation refuses;
// - with `evidence_unix` — the signer's time for the evidence judged (a manifest's
//   countersigned_unix, under the EVIDENCE-signed log; never a time the station wrote) —
//   a revocation whose effective time is after it does not refuse: it is reported in
//   revocation_notes. One effective at or before it refuses.
Result<VerifiedStation> verify_station_registration(
    const v1::Envelope& registration, const TrustedRoot& root, int64_t now_unix,
    std::optional<int64_t> evidence_unix = std::nullopt);

// The device-CA certificate: signed by `issuer` with the algorithm its key defines, of the
// one device-CA profile the issuer uses (verifier/core/x509_profile.h: CN exactly
// "Hallmark device CA <station_id>", subject key == `subject_key`, critical
// basicConstraints CA:TRUE pathlen 0, critical keyUsage keyCertSign), valid at `now_unix`.
Result<void> verify_device_ca_certificate(ByteView certificate_der, const PublicKey& issuer,
                                          const PublicKey& subject_key,
                                          std::string_view station_id, int64_t now_unix);

// A unit's identity certificate (issued by a station's device-CA key when the unit was
// programmed; docs/design.md flow 5): signed by `device_ca_key` with its algorithm, naming the
// station's device-CA certificate as issuer, X.509 v3, not a CA, no unknown critical
// extension, exactly one common name equal to `serial`, valid at `at_unix` (the event's
// time). The device's own key is returned; it never left the device.
struct VerifiedDeviceCertificate {
  std::string common_name;
  PublicKey device_key;
  int64_t not_before_unix = 0;
  int64_t not_after_unix = 0;
};
Result<VerifiedDeviceCertificate> verify_device_certificate(ByteView certificate_der,
                                                            ByteView device_ca_certificate_der,
                                                            const PublicKey& device_ca_key,
                                                            std::string_view serial,
                                                            int64_t at_unix);

}  // namespace hallmark::verifier
