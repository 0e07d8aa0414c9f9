// A device's identity certificate, issued at the station by the station's device-CA key.
//
// issue_device_certificate() fills the bundle's DeviceCertificateProfile in for one unit:
// the subject template ("CN=${serial},O=Example Devices Ltd") with ${serial} and
// ${hardware_id} expanded, validity from `now` - 60 s (clock skew) for validity_days, the
// key the device generated and reported (SubjectPublicKeyInfo DER). The issuer name is
// copied from the station's device-CA certificate (the one the manufacturing CA issued at
// enrollment), so the device certificate chains to it in `openssl verify`, whatever
// organisation the bundle's template names. Refused before anything is signed: an unknown
// ${...} placeholder or subject attribute other than CN/O (kPolicyRefused), a device key
// whose algorithm is not the profile's key_algorithm (kPolicyRefused), a serial or
// hardware id that is not printable ASCII (kUsage), a device-CA certificate that is not for
// this station or not for the device-CA key (kPolicyRefused). The certificate is checked
// after signing: its signature must verify under the device-CA key.
//
// DeviceCertificateAuthority is that, prepared once per line: the device-CA certificate is
// parsed and checked once (this station's, certifying the token's device-CA key, a CA
// allowed to sign certificates, subject one CN and at most one O, subject key identifier
// matching the key), and its subject becomes the issuer name of every device certificate
// — with the authority key identifier computed from the same key, so each certificate
// chains to it by construction (what X509_check_issued would test per certificate is
// checked once, on the constant inputs). Per unit only the unit's own inputs are decoded
// (the device's public key, once) and the one check is the signature verification.
// Never reads key material: the device keeps its private key, the device-CA key stays in
// the station token behind `sign`. Thread-safety: pure functions of their arguments (plus
// the OpenSSL RNG for the serial number); `sign` is called at most once per certificate,
// on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "hallmark/keys.pb.h"
#include "hallmark/release.pb.h"
#include "hsm-profiles/x509/certificate_issuer.h"
#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {

// Backdating of not_before, so a verifier whose clock is a little behind accepts the
// certificate straight away.
inline constexpr std::int64_t kDeviceCertificateClockSkewSeconds = 60;

// The subject after expansion. `organisation` is empty when the template has no O=.
struct DeviceSubject {
  std::string common_name;
  std::string organisation;
};

// Expands ${serial} and ${hardware_id} in `subject_template` and splits it into CN (required)
// and O (optional), each at most once, separated by ','. The template is split before
// expansion, so a ',' or '=' in the serial cannot add an attribute. kPolicyRefused naming
// the template for an unknown or unterminated placeholder, another attribute or a missing
// CN; kUsage when the serial (always) or the hardware id (when used) is empty, longer than
// 64 characters or not printable ASCII.
[[nodiscard]] Result<DeviceSubject> expand_subject_template(
    std::string_view subject_template, const Serial& serial,
    const device::HardwareId& hardware_id);

// The algorithm a profile's key_algorithm names: "ecdsa-p256" ("p256"), "ecdsa-p384"
// ("p384"), "rsa-pss-3072" ("rsa3072"), "ed25519"; case-insensitive. Empty means
// "ecdsa-p256", the default device key. kPolicyRefused for anything else.
[[nodiscard]] Result<v1::KeyAlgorithm> profile_key_algorithm(std::string_view key_algorithm);

struct DeviceCertificateRequest {
  const v1::DeviceCertificateProfile& profile;  // from the verified bundle
  const Serial& serial;                         // the unit's label serial
  const device::HardwareId& hardware_id;        // as the device reported it
  ByteView device_public_key_der;               // SubjectPublicKeyInfo, from the device
  const StationId& station_id;                  // this station
  ByteView device_ca_certificate_der;           // from the station's registration
  const verifier::PublicKey& device_ca_key;     // the token key behind `sign`
  std::int64_t now_unix = 0;
};

struct DeviceCertificate {
  Bytes der;
  DeviceSubject subject;
  std::string device_key_id;  // SHA-256 of the device's SPKI, hex
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
};

// One unit's inputs to its certificate.
struct DeviceUnit {
  const v1::DeviceCertificateProfile& profile;  // from the verified bundle
  const Serial& serial;                         // the unit's label serial
  const device::HardwareId& hardware_id;        // as the device reported it
  ByteView device_public_key_der;               // SubjectPublicKeyInfo, from the device
  std::int64_t now_unix = 0;
};

// The station's device-CA, ready to certify devices (see the paragraph above).
class DeviceCertificateAuthority {
 public:
  // kUsage for a device-CA certificate that does not parse; kPolicyRefused for one that is
  // not this station's, not for `device_ca_key`, not a CA or with another subject form;
  // kUsage when `sign` is empty.
  [[nodiscard]] static Result<DeviceCertificateAuthority> prepare(
      ByteView device_ca_certificate_der, const StationId& station_id,
      const verifier::PublicKey& device_ca_key, x509::SignFunction sign);

  // The unit's certificate; errors as issue_device_certificate() below.
  [[nodiscard]] Result<DeviceCertificate> issue(const DeviceUnit& unit) const;

  [[nodiscard]] const DeviceSubject& issuer() const noexcept { return issuer_; }

 private:
  DeviceCertificateAuthority(x509::CertificateIssuer issuer, DeviceSubject subject) noexcept
      : x509_(std::move(issuer)), issuer_(std::move(subject)) {}

  x509::CertificateIssuer x509_;
  DeviceSubject issuer_;  // the device-CA certificate's subject
};

// The device certificate (DER) for `request`, signed through `sign` by the device-CA key.
// Errors as in the paragraph above; kPolicyRefused for a profile with no validity_days or
// a device that reports the device-CA's own key; the device key's parse error (with
// context); kUsage for a device-CA certificate that does not parse; the signing function's
// own Error (with context); kInternal if the issued certificate would not chain.
[[nodiscard]] Result<DeviceCertificate> issue_device_certificate(
    const DeviceCertificateRequest& request, const x509::SignFunction& sign);

}  // namespace hallmark::station
