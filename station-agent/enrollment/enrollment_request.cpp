#include "station-agent/enrollment/enrollment_request.h"

#include <array>
#include <span>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/provenance.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::station {
namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::string digest_string(const verifier::Digest& digest) {
  return std::string(as_chars(digest.bytes()));
}

}  // namespace

Result<void> check_station_id(std::string_view station_id) {
  if (station_id.empty() || station_id.size() > kMaxStationIdLength) {
    return fail(ErrorCode::kUsage, fmt::format("station id '{}' must have 1 to {} characters",
                                               station_id, kMaxStationIdLength));
  }
  for (const char c : station_id) {
    if (!id_char(c)) {
      return fail(ErrorCode::kUsage,
                  fmt::format("station id '{}' may only use letters, digits, '.', '_' and '-'",
                              station_id));
    }
  }
  return {};
}

Result<v1::Envelope> make_enrollment_request(hsm::TokenSigner& station_key,
                                             hsm::TokenSigner& device_ca_key,
                                             const EnrollmentInfo& info) {
  if (auto ok = check_station_id(info.station_id); !ok) return std::unexpected(ok.error());
  // Both keys must be fit for a production role before either signs anything.
  for (const auto* signer : {&station_key, &device_ca_key}) {
    const auto& key = signer->key();
    if (auto ok = verifier::check_production_use(key.provenance(), false, key.name()); !ok) {
      return std::unexpected(ok.error().context("enrollment of station '" + info.station_id +
                                                "'"));
    }
  }
  if (station_key.public_key() == device_ca_key.public_key()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("station key and device-CA key are the same key {}: the station "
                            "needs two distinct keys",
                            station_key.key_id()));
  }

  v1::StationEnrollment enrollment;
  enrollment.set_station_id(info.station_id);
  *enrollment.mutable_station_key() = station_key.public_key().to_proto();
  *enrollment.mutable_device_ca_key() = device_ca_key.public_key().to_proto();
  *enrollment.mutable_station_key_provenance() = station_key.key().provenance();
  *enrollment.mutable_device_ca_key_provenance() = device_ca_key.key().provenance();
  enrollment.set_software_sha256(digest_string(info.software_sha256));
  enrollment.set_config_sha256(digest_string(info.config_sha256));
  enrollment.set_created_unix(info.now_unix);
  enrollment.set_token_profile(info.token_profile);
  *enrollment.mutable_token() = info.token;

  const Bytes payload = verifier::deterministic_bytes(enrollment);
  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(verifier::kEnrollmentType));
  envelope.set_payload(std::string(as_chars(payload)));
  const Bytes message = verifier::pae(envelope.payload_type(), payload);
  for (auto* signer : {&station_key, &device_ca_key}) {
    auto signature = signer->sign(message);
    if (!signature) {
      return std::unexpected(signature.error().context("signing the enrollment request with " +
                                                       signer->key().name()));
    }
    auto* added = envelope.add_signatures();
    added->set_keyid(signer->key_id());
    added->set_sig(std::string(as_chars(*signature)));
  }

  const std::array trusted{station_key.public_key(), device_ca_key.public_key()};
  auto verified = verifier::verify_envelope(envelope, trusted, 2, envelope.payload_type());
  if (!verified) {
    return std::unexpected(verified.error().context("the enrollment request just signed"));
  }
  return envelope;
}

}  // namespace hallmark::station
