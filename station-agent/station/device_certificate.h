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
// after signing: it must verify under the device-CA key and name the device-CA
// certificate's subject as its issuer.
// Never reads key material: the device keeps its private key, the device-CA key stays in
// the station token behind `sign`. Thread-safety: pure functions of their arguments (plus
// the OpenSSL RNG for the serial number); `sign` is called at most once, on this thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hallmark/keys.pb.h"
#include "hallmark/release.pb.h"
#include "hsm-profiles/x509/certificate_issuer.h"
#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
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
    std::string_view subject_template, std::string_view serial,
    const device::HardwareId& hardware_id);

// The algorithm a profile's key_algorithm names: "ecdsa-p256" ("p256"), "ecdsa-p384"
// ("p384"), "rsa-pss-3072" ("rsa3072"), "ed25519"; case-insensitive. Empty means
// "ecdsa-p256", the default device key. kPolicyRefused for anything else.
[[nodiscard]] Result<v1::KeyAlgorithm> profile_key_algorithm(std::string_view key_algorithm);

struct DeviceCertificateRequest {
  const v1::DeviceCertificateProfile& profile;  // from the verified bundle
  std::string_view serial;                      // the unit's label serial
  const device::HardwareId& hardware_id;        // as the device reported it
  ByteView device_public_key_der;               // SubjectPublicKeyInfo, from the device
  std::string_view station_id;                  // this station
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

// The device certificate (DER) for `request`, signed through `sign` by the device-CA key.
// Errors as in the paragraph above; kPolicyRefused for a profile with no validity_days or
// a device that reports the device-CA's own key; the device key's parse error (with
// context); kUsage for a device-CA certificate that does not parse; the signing function's
// own Error (with context); kInternal if the issued certificate would not chain.
[[nodiscard]] Result<DeviceCertificate> issue_device_certificate(
    const DeviceCertificateRequest& request, const x509::SignFunction& sign);

}  // namespace hallmark::station
