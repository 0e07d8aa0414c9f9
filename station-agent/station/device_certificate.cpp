#include "station-agent/station/device_certificate.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verifier/core/openssl_handles.h"
#include "verifier/core/x509_profile.h"

namespace hallmark::station {
namespace {

constexpr std::int64_t kSecondsPerDay = 24 * 60 * 60;
constexpr std::size_t kMaxFieldChars = 64;  // RFC 5280 ub-common-name

using NamePtr = ossl::X509NamePtr;

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kPolicyRefused, std::move(message));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

// A label serial or hardware id goes into a certificate name: printable ASCII only, so no
// control character, escape sequence or look-alike Unicode reaches the certificate.
Result<void> check_printable(std::string_view what, std::string_view value) {
  if (value.empty() || value.size() > kMaxFieldChars) {
    return fail(ErrorCode::kUsage, fmt::format("{} must have 1 to {} characters (it has {}); "
                                               "rescan the label or re-read the device",
                                               what, kMaxFieldChars, value.size()));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c > 0x7e) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{} has byte {:#04x} at position {}: only printable ASCII is "
                              "allowed in a certificate name; rescan the label or re-read "
                              "the device",
                              what, c, i));
    }
  }
  return {};
}

// Checks every ${...} in the whole template (including where no attribute could use it).
Result<void> check_placeholders(std::string_view tmpl) {
  for (std::size_t at = tmpl.find("${"); at != std::string_view::npos;
       at = tmpl.find("${", at + 2)) {
    const auto end = tmpl.find('}', at);
    if (end == std::string_view::npos) {
      return refuse(fmt::format("certificate profile subject template '{}' has an "
                                "unterminated placeholder at position {}; fix the bundle's "
                                "certificate_profile",
                                tmpl, at));
    }
    const std::string_view name = tmpl.substr(at + 2, end - at - 2);
    if (name != "serial" && name != "hardware_id") {
      return refuse(fmt::format("certificate profile subject template '{}' uses unknown "
                                "placeholder '${{{}}}': only ${{serial}} and ${{hardware_id}} "
                                "are expanded; fix the bundle's certificate_profile",
                                tmpl, name));
    }
  }
  return {};
}

// Placeholders were checked by check_placeholders(); values by the caller.
std::string expand(std::string_view value, std::string_view serial,
                   std::string_view hardware_id) {
  std::string out;
  for (std::size_t i = 0; i < value.size();) {
    if (value.substr(i).starts_with("${serial}")) {
      out += serial;
      i += std::string_view("${serial}").size();
    } else if (value.substr(i).starts_with("${hardware_id}")) {
      out += hardware_id;
      i += std::string_view("${hardware_id}").size();
    } else {
      out += value[i++];
    }
  }
  return out;
}

// The device-CA certificate's subject as CN and O (anything else would not be reproduced
// in the issuer name, so the chain would not build).
Result<DeviceSubject> device_ca_subject(X509* ca) {
  const X509_NAME* name = X509_get_subject_name(ca);
  std::optional<std::string> cn;
  std::optional<std::string> org;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    auto* slot = nid == NID_commonName         ? &cn
                 : nid == NID_organizationName ? &org
                                               : nullptr;
    if (slot == nullptr || slot->has_value()) {
      return fail(ErrorCode::kPolicyRefused,
                  "the station's device-CA certificate subject has attributes other than "
                  "one CN and one O; device certificates cannot name it as issuer; "
                  "re-enroll the station");
    }
    auto text = verifier::x509_profile::name_entry_text(entry, "a name in the device-CA "
                                                              "certificate");
    if (!text) return std::unexpected(text.error());
    *slot = std::move(*text);
  }
  if (!cn) {
    return fail(ErrorCode::kPolicyRefused,
                "the station's device-CA certificate subject has no CN; re-enroll the station");
  }
  return DeviceSubject{std::move(*cn), org.value_or(std::string())};
}

// The device-CA certificate must be this station's, certify the key that will sign, and be
// of the one device-CA profile the issuer produces and every verifier checks
// (verifier/core/x509_profile.h); and it must be named so that every certificate issued with
// its subject as issuer name and its key's identifier as authority key id chains to it:
// what X509_check_issued() tests for each issued certificate, checked once.
Result<DeviceSubject> check_device_ca(X509* ca, std::string_view station_id,
                                      const verifier::PublicKey& device_ca_key) {
  namespace profile = verifier::x509_profile;
  if (auto ok = profile::check_certified_key(ca, device_ca_key); !ok) {
    return refuse(fmt::format("the station's {}; the device-CA key on the token is {}: the "
                              "registration does not match this token; re-install the right "
                              "registration",
                              ok.error().message, device_ca_key.key_id()));
  }
  if (auto ok = profile::check_device_ca_name(ca, station_id); !ok) {
    return refuse(fmt::format("the {}: it is not for this station; re-install this station's "
                              "registration",
                              ok.error().message));
  }
  if (auto ok = profile::check_device_ca_extensions(ca); !ok) {
    return refuse(fmt::format("the station's {}: it is not a CA certificate allowed to sign "
                              "certificates as Hallmark issues them; re-enroll the station",
                              ok.error().message));
  }
  auto subject = device_ca_subject(ca);
  if (!subject) return subject;
  // The issuer name every device certificate will carry, as the issuer encodes it.
  auto issuer_name = x509::name_der(subject->common_name, subject->organisation);
  if (!issuer_name) return std::unexpected(issuer_name.error());
  const auto* p = reinterpret_cast<const unsigned char*>(issuer_name->data());
  NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(issuer_name->size())));
  if (!name || X509_NAME_cmp(name.get(), X509_get_subject_name(ca)) != 0) {
    return refuse("the station's device-CA certificate subject is not encoded as Hallmark "
                  "issues it (O then CN, UTF-8); device certificates naming it would not "
                  "chain; re-enroll the station");
  }
  return subject;
}

}  // namespace

Result<DeviceSubject> expand_subject_template(std::string_view subject_template,
                                              const Serial& serial,
                                              const device::HardwareId& hardware_id) {
  if (auto ok = check_printable("serial", serial.str()); !ok) return std::unexpected(ok.error());
  if (subject_template.find("${hardware_id}") != std::string_view::npos) {
    if (auto ok = check_printable("hardware id", hardware_id.str()); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = check_placeholders(subject_template); !ok) return std::unexpected(ok.error());

  std::optional<std::string> cn;
  std::optional<std::string> org;
  std::string_view rest = subject_template;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    const auto eq = part.find('=');
    const bool has_eq = eq != std::string_view::npos;
    const std::string key = has_eq ? lower(trim(part.substr(0, eq))) : std::string();
    auto* slot = key == "cn" ? &cn : key == "o" ? &org : nullptr;
    const std::string_view value = has_eq ? trim(part.substr(eq + 1)) : std::string_view();
    if (slot == nullptr || slot->has_value() || value.empty()) {
      return refuse(fmt::format(
          "certificate profile subject template '{}': '{}' is not allowed; write "
          "'CN=<value>' and optionally ',O=<value>' (each once, no other attributes, no ',' "
          "inside a value); fix the bundle's certificate_profile",
          subject_template, part));
    }
    *slot = expand(value, serial.str(), hardware_id.str());
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!cn) {
    return refuse(fmt::format("certificate profile subject template '{}' has no CN; fix the "
                              "bundle's certificate_profile",
                              subject_template));
  }
  return DeviceSubject{std::move(*cn), org.value_or(std::string())};
}

Result<v1::KeyAlgorithm> profile_key_algorithm(std::string_view key_algorithm) {
  const std::string name = lower(key_algorithm);
  if (name.empty() || name == "ecdsa-p256" || name == "p256") return v1::ECDSA_P256_SHA256;
  if (name == "ecdsa-p384" || name == "p384") return v1::ECDSA_P384_SHA384;
  if (name == "rsa-pss-3072" || name == "rsa3072") return v1::RSA_PSS_3072_SHA256;
  if (name == "ed25519") return v1::ED25519;
  return refuse(fmt::format("certificate profile key_algorithm '{}' is unknown: use "
                            "ecdsa-p256, ecdsa-p384, rsa-pss-3072 or ed25519",
                            key_algorithm));
}

Result<DeviceCertificateAuthority> DeviceCertificateAuthority::prepare(
    ByteView device_ca_certificate_der, const StationId& station_id,
    const verifier::PublicKey& device_ca_key, x509::SignFunction sign) {
  auto ca = verifier::x509_profile::parse_certificate(device_ca_certificate_der,
                                                     "the station's device-CA certificate");
  if (!ca) {
    return fail(ErrorCode::kUsage, ca.error().message + "; re-install the station's registration");
  }
  auto subject = check_device_ca(ca->get(), station_id.str(), device_ca_key);
  if (!subject) return std::unexpected(subject.error());
  auto issuer = x509::CertificateIssuer::create(device_ca_key, std::move(sign));
  if (!issuer) return std::unexpected(issuer.error());
  return DeviceCertificateAuthority(std::move(*issuer), std::move(*subject));
}

Result<DeviceCertificate> DeviceCertificateAuthority::issue(const DeviceUnit& unit) const {
  const auto& profile = unit.profile;
  if (profile.validity_days() == 0) {
    return refuse("the bundle's certificate profile has no validity_days; device "
                  "certificates cannot be issued from it");
  }
  auto subject = expand_subject_template(profile.subject_template(), unit.serial,
                                         unit.hardware_id);
  if (!subject) return std::unexpected(subject.error());
  auto algorithm = profile_key_algorithm(profile.key_algorithm());
  if (!algorithm) return std::unexpected(algorithm.error());

  // The device's key is the one thing decoded per unit: it is new, and must be a valid key
  // of the profile's algorithm before anything certifies it.
  const std::string name = fmt::format("device '{}'", unit.serial);
  auto device_key = verifier::PublicKey::from_spki_der(unit.device_public_key_der);
  if (!device_key) return std::unexpected(device_key.error().context(name + " public key"));
  if (device_key->algorithm() != *algorithm) {
    return refuse(fmt::format(
        "{} reported a {} key ({}) but the bundle's certificate profile asks for {} ({}); "
        "the device firmware generated the wrong kind of key: scrap or reflash the unit",
        name, v1::KeyAlgorithm_Name(device_key->algorithm()), device_key->key_id(),
        profile.key_algorithm().empty() ? "the default" : profile.key_algorithm(),
        v1::KeyAlgorithm_Name(*algorithm)));
  }
  const verifier::PublicKey& ca_key = x509_.issuer_key();
  if (*device_key == ca_key) {
    return refuse(fmt::format("{} reported the station's own device-CA public key {}; a "
                              "device must present its own key",
                              name, device_key->key_id()));
  }

  DeviceCertificate out;
  out.not_before_unix = unit.now_unix - kDeviceCertificateClockSkewSeconds;
  out.not_after_unix =
      unit.now_unix + static_cast<std::int64_t>(profile.validity_days()) * kSecondsPerDay;
  const x509::CertificateSpec spec{
      .subject_cn = subject->common_name,
      .organisation = subject->organisation,
      .issuer_cn = issuer_.common_name,
      .issuer_organisation = issuer_.organisation,
      .is_ca = false,
      .path_len = std::nullopt,
      .usage = x509::CertificateUsage::kDigitalSignature,
      .not_before_unix = out.not_before_unix,
      .not_after_unix = out.not_after_unix,
      .subject_key = *device_key,
  };
  // Verified under the device-CA key before it comes back; the issuer name and authority
  // key id are the device-CA certificate's, checked in prepare().
  auto der = x509_.issue(spec);
  if (!der) return std::unexpected(der.error().context("device certificate for " + name));
  out.der = std::move(*der);
  out.subject = std::move(*subject);
  out.device_key_id = device_key->key_id();
  return out;
}

Result<DeviceCertificate> issue_device_certificate(const DeviceCertificateRequest& request,
                                                   const x509::SignFunction& sign) {
  auto authority = DeviceCertificateAuthority::prepare(
      request.device_ca_certificate_der, request.station_id, request.device_ca_key, sign);
  if (!authority) return std::unexpected(authority.error());
  return authority->issue(DeviceUnit{request.profile, request.serial, request.hardware_id,
                                     request.device_public_key_der, request.now_unix});
}

}  // namespace hallmark::station
