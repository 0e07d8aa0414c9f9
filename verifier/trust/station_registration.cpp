// Enrollment requests (signed by both station keys) and registrations (signed by a root
// quorum, carrying the device-CA certificate).
#include "verifier/trust/station_registration.h"

#include "verifier/core/software_token.h"

#include "verifier/core/time_format.h"

#include <climits>
#include <utility>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/printable.h"
#include "verifier/core/provenance.h"
#include "verifier/core/time_format.h"
#include "verifier/trust/certificate_check.h"

namespace hallmark::verifier {

namespace {

std::string station_name(const std::string& id) { return "station \"" + id + "\""; }

// What a StationEnrollment says, checked: a station id, two distinct accepted keys that
// were generated on the token and never extractable, well-formed digests.
Result<VerifiedEnrollment> enrollment_from_payload(ByteView payload) {
  v1::StationEnrollment enrollment;
  if (payload.size() > static_cast<std::size_t>(INT_MAX) ||
      !enrollment.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return fail(ErrorCode::kVerificationFailed,
                "enrollment payload is not a StationEnrollment message");
  }
  if (enrollment.station_id().empty()) {
    return fail(ErrorCode::kVerificationFailed, "enrollment request names no station id");
  }
  const std::string who = station_name(enrollment.station_id());
  auto station_key = PublicKey::from_proto(enrollment.station_key());
  if (!station_key)
    return std::unexpected(std::move(station_key).error().context(who + " station key"));
  auto device_ca_key = PublicKey::from_proto(enrollment.device_ca_key());
  if (!device_ca_key) {
    return std::unexpected(std::move(device_ca_key).error().context(who + " device-CA key"));
  }
  if (*station_key == *device_ca_key) {
    return fail(ErrorCode::kPolicyRefused,
                who + " uses one key as both station key and device-CA key; they must differ");
  }
  for (const std::string* digest : {&enrollment.software_sha256(), &enrollment.config_sha256()}) {
    if (!digest->empty() && digest->size() != Digest::kSize) {
      return fail(ErrorCode::kVerificationFailed,
                  who + " reports a software or config digest that is not 32 bytes");
    }
  }
  if (auto ok = check_production_use(enrollment.station_key_provenance(), false,
                                     who + " station key " + station_key->key_id());
      !ok) {
    return std::unexpected(std::move(ok).error());
  }
  if (auto ok = check_production_use(enrollment.device_ca_key_provenance(), false,
                                     who + " device-CA key " + device_ca_key->key_id());
      !ok) {
    return std::unexpected(std::move(ok).error());
  }
  return VerifiedEnrollment{std::move(enrollment), Bytes(payload.begin(), payload.end()),
                            std::move(*station_key), std::move(*device_ca_key)};
}

Result<void> check_registration_times(const v1::StationRegistration& r, int64_t now,
                                      const std::string& who) {
  if (r.expires_unix() <= r.registered_unix()) {
    return fail(ErrorCode::kVerificationFailed,
                "registration of " + who + " expires before it was registered");
  }
  if (now < r.registered_unix() || now >= r.expires_unix()) {
    return fail(ErrorCode::kPolicyRefused,
                "registration of " + who + " is not valid at " + hallmark::verifier::format_utc(now) + " (valid " +
                    hallmark::verifier::format_utc(r.registered_unix()) + " to " +
                    hallmark::verifier::format_utc(r.expires_unix()) + "): enroll the station again");
  }
  return {};
}

}  // namespace

Result<VerifiedEnrollment> verify_enrollment_request(const v1::Envelope& request) {
  const std::string type = payload_type_of(kEnrollmentType);
  if (request.payload_type() != type) {
    return fail(ErrorCode::kVerificationFailed, "enrollment request has payload type \"" +
                                                    request.payload_type() + "\", expected \"" +
                                                    type + "\"");
  }
  // The keys that must have signed come from the request itself (proof of possession);
  // the verified bytes are parsed again below, so nothing unverified is returned.
  auto claimed = enrollment_from_payload(as_bytes(request.payload()));
  if (!claimed) return std::unexpected(std::move(claimed).error());
  const std::string who = station_name(claimed->enrollment.station_id());
  auto by_station = verify_envelope(request, std::span(&claimed->station_key, 1), 1, type);
  if (!by_station) {
    return std::unexpected(
        std::move(by_station)
            .error()
            .context("enrollment request of " + who + " is not signed by its station key"));
  }
  auto by_device_ca = verify_envelope(request, std::span(&claimed->device_ca_key, 1), 1, type);
  if (!by_device_ca) {
    return std::unexpected(
        std::move(by_device_ca)
            .error()
            .context("enrollment request of " + who + " is not signed by its device-CA key"));
  }
  return enrollment_from_payload(by_device_ca->payload);
}

namespace {

// Whether a revocation (`from`) refuses; a note when it stands only for later evidence.
Result<void> apply_revocation(const std::optional<TrustedRoot::RevokedFrom>& from,
                              const std::string& what, std::optional<int64_t> evidence_unix,
                              std::vector<std::string>& notes) {
  if (!from) return {};
  const std::string why = from->reason.empty() ? "" : " (reason \"" + from->reason + "\")";
  const std::string since = revoked_since_text(from->effective_unix);
  if (!evidence_unix || *evidence_unix >= from->effective_unix) {
    return fail(ErrorCode::kPolicyRefused,
                what + " is revoked " + since + why +
                    (evidence_unix ? "; this evidence was countersigned at " +
                                         format_utc(*evidence_unix) + ", not before"
                                   : std::string()));
  }
  notes.push_back(what + " is revoked " + since + why + "; this evidence was countersigned at " +
                  format_utc(*evidence_unix) + ", before, and stands");
  return {};
}

}  // namespace

Result<VerifiedStation> verify_station_registration(const v1::Envelope& registration,
                                                    const TrustedRoot& root, int64_t now_unix,
                                                    std::optional<int64_t> evidence_unix) {
  std::vector<std::string> notes;
  auto verified = root.verify(registration, v1::ROOT, kRegistrationType);
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(
        "station registration: not signed by a threshold of the root role"));
  }
  auto parsed = parse_verified<v1::StationRegistration>(verified->first);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  const v1::StationRegistration& r = *parsed;
  if (r.station_id().empty()) {
    return fail(ErrorCode::kVerificationFailed, "station registration names no station id");
  }
  const std::string who = station_name(r.station_id());
  if (auto ok = apply_revocation(root.station_revoked_from(StationId(r.station_id())), who,
                                 evidence_unix, notes);
      !ok) {
    return std::unexpected(std::move(ok).error());
  }
  if (r.trust_root_version() == 0 || r.trust_root_version() > root.version()) {
    return fail(ErrorCode::kVerificationFailed, "registration of " + who + " names trust root v" +
                                                    std::to_string(r.trust_root_version()) +
                                                    ", but the current one is v" +
                                                    std::to_string(root.version()));
  }
  if (auto ok = check_registration_times(r, now_unix, who); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  auto enrollment = enrollment_from_payload(as_bytes(r.enrollment_payload()));
  if (!enrollment) {
    return std::unexpected(std::move(enrollment).error().context("registration of " + who));
  }
  if (enrollment->enrollment.station_id() != r.station_id()) {
    return fail(ErrorCode::kVerificationFailed,
                "registration of " + who + " carries the enrollment of " +
                    station_name(enrollment->enrollment.station_id()));
  }
  if (auto ok = check_software_token_claim(enrollment->enrollment.token(),
                                          "enrollment of " + who);
      !ok) {
    return std::unexpected(std::move(ok).error());
  }
  for (const PublicKey* key : {&enrollment->station_key, &enrollment->device_ca_key}) {
    if (auto ok = apply_revocation(root.key_revoked_from(key->key_id()),
                                   who + " key " + key->key_id(), evidence_unix, notes);
        !ok) {
      return std::unexpected(std::move(ok).error());
    }
  }
  const std::vector<PublicKey> issuers = root.role_keys(v1::MANUFACTURING_CA);
  if (auto ok = detail::verify_device_ca_certificate_by_any(as_bytes(r.device_ca_certificate_der()),
                                                            issuers, enrollment->device_ca_key,
                                                            r.station_id(), now_unix);
      !ok) {
    return std::unexpected(std::move(ok).error().context("registration of " + who));
  }
  return VerifiedStation{std::move(*parsed), std::move(*enrollment), std::move(notes)};
}

std::string station_token_text(const v1::StationEnrollment& enrollment) {
  const v1::TokenInfo& t = enrollment.token();
  const std::string token =
      t.label().empty() ? std::string("(token not recorded)")
                        : fmt::format("{} ({} {})", printable(t.label()),
                                      printable(t.manufacturer()), printable(t.model()));
  const std::string profile = enrollment.token_profile().empty()
                                  ? std::string("(not recorded)")
                                  : printable(enrollment.token_profile());
  std::string text = fmt::format("{}, profile {}", token, profile);
  if (is_software_token(t)) {
    text += fmt::format(" — SOFTWARE TOKEN{} (tests and demos only)",
                        t.software_token()
                            ? ", allowed by " + std::string(kAllowSoftwareTokenFlag)
                            : std::string());
  }
  return text;
}

}  // namespace hallmark::verifier
