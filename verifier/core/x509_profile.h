// The one definition of the certificates Hallmark's factory PKI issues: names, extensions
// and key identifiers of the manufacturing CA and of each station's device-CA
// (docs/architecture.md, "The device-CA certificate profile").
//
// The issuer (hsm-profiles/x509, device_ca_spec) builds certificates from these constants,
// and both checkers — the station before its device-CA certifies a device
// (station-agent/station/device_certificate.cpp) and every verifier of a station
// registration (verifier/trust/certificate_check.cpp) — hold a certificate to the same
// checks below, so issuer and checkers agree by construction: what the issuer would not
// produce, neither checker accepts.
//
// What is not here: the signature (its algorithm follows the issuer key; checked by the
// verifier) and the validity window (each checker has its own reference time).
// Pure OpenSSL parsing of caller-supplied bytes; no files, no clock, no token.
// Thread-safe (OpenSSL's error queue is per thread).
#pragma once

#include <openssl/x509.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/public_key.h"

namespace hallmark::verifier::x509_profile {

// Subject and issuer CN of the self-signed manufacturing CA; issuer CN of device-CAs.
inline constexpr std::string_view kManufacturingCaName = "Hallmark manufacturing CA";
// A station's device-CA subject CN is exactly this prefix followed by the station id.
inline constexpr std::string_view kDeviceCaNamePrefix = "Hallmark device CA ";
// basicConstraints path lengths: the manufacturing CA certifies device-CAs, which certify
// devices only.
inline constexpr int kManufacturingCaPathLength = 1;
inline constexpr int kDeviceCaPathLength = 0;
// No Hallmark certificate comes near this; a larger input is refused unparsed.
inline constexpr std::size_t kMaxCertificateBytes = 64 * 1024;

// "Hallmark device CA <station_id>".
[[nodiscard]] std::string device_ca_common_name(std::string_view station_id);

// One DER certificate, nothing before or after it. kVerificationFailed naming `what` when
// empty, over kMaxCertificateBytes, not DER X.509, or followed by trailing bytes.
[[nodiscard]] Result<ossl::X509Ptr> parse_certificate(ByteView der, std::string_view what);

// One entry of a certificate's name (subject or issuer), as UTF-8. kVerificationFailed
// naming `what` ("device-CA certificate organisation") when it is not text.
[[nodiscard]] Result<std::string> name_entry_text(const X509_NAME_ENTRY* entry,
                                                  std::string_view what);

// The subject's one entry of attribute `nid` (NID_commonName, NID_organizationName) as
// UTF-8; std::nullopt when there is none. kVerificationFailed naming `what` when there is
// more than one, or it is not text.
[[nodiscard]] Result<std::optional<std::string>> subject_entry(X509* certificate, int nid,
                                                                std::string_view what);

// The subject's one common name, as UTF-8. kVerificationFailed naming `what` ("device
// certificate") when the subject has none or more than one, or it is not text.
[[nodiscard]] Result<std::string> common_name(X509* certificate, std::string_view what);

// The certified public key, held to Hallmark's key rules (PublicKey::from_spki_der).
// kVerificationFailed naming `what` otherwise.
[[nodiscard]] Result<PublicKey> certified_key(X509* certificate, std::string_view what);

// RFC 5280 section 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value
// (without its unused-bits byte), as subject and authority key identifiers.
[[nodiscard]] Result<Bytes> key_identifier_of_bits(ByteView subject_public_key_bits);
// The same, of a DER SubjectPublicKeyInfo. kInternal when it does not decode.
[[nodiscard]] Result<Bytes> key_identifier(ByteView spki_der);

// The device-CA certificate's extensions: valid and not duplicated, no critical extension
// Hallmark does not understand, a critical basicConstraints CA:TRUE with path length
// kDeviceCaPathLength, a critical keyUsage with keyCertSign; and X.509 v3.
// kVerificationFailed naming the rule broken.
[[nodiscard]] Result<void> check_device_ca_extensions(X509* certificate);

// The device-CA certificate's subject has exactly one CN, and it is exactly
// device_ca_common_name(station_id) — not merely containing the id. kVerificationFailed
// ("... does not name station ...") otherwise, or for an empty station id.
[[nodiscard]] Result<void> check_device_ca_name(X509* certificate, std::string_view station_id);

// The certificate certifies `key` (its SubjectPublicKeyInfo is the key's, under
// Hallmark's key rules), and a subject key identifier, when present, is key_identifier()
// of that key. kVerificationFailed ("... not the enrolled device-CA key ...") otherwise.
[[nodiscard]] Result<void> check_certified_key(X509* certificate, const PublicKey& key);

// All three checks above: the device-CA certificate is one the issuer would produce for
// `station_id` and `device_ca_key` (signature and validity aside).
[[nodiscard]] Result<void> check_device_ca_profile(X509* certificate,
                                                   std::string_view station_id,
                                                   const PublicKey& device_ca_key);

}  // namespace hallmark::verifier::x509_profile
