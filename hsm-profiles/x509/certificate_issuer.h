// X.509 certificate issuance where the issuer's private key stays in a token: the
// manufacturing CA certifies station device-CAs, a station's device-CA certifies devices.
//
// issue_certificate() builds the TBSCertificate with OpenSSL's X509 API (version 3, random
// positive 16-byte serial, subject and issuer names, validity, the subject's
// SubjectPublicKeyInfo, critical basicConstraints and keyUsage, subject and authority key
// identifiers), hands its exact DER to a signing callback, assembles the Certificate
// around the returned signature, and returns it only after the signature over exactly that
// TBSCertificate has verified under the issuer's public key. So a callback that signs with
// the wrong key, in the wrong format or not at all yields an Error, never a certificate.
// The signature algorithm follows the issuer key: ecdsa-with-SHA256 (P-256),
// ecdsa-with-SHA384 (P-384), RSASSA-PSS with explicit SHA-256 / MGF1-SHA-256 / salt 32
// (RSA-3072), Ed25519 — exactly what hsm::TokenSigner::sign() produces, so
// token_sign_function() plugs a token key in.
// Key identifiers are RFC 5280 method 1 (SHA-1 of the subjectPublicKey bits), as OpenSSL's
// "subjectKeyIdentifier=hash", so certificates issued elsewhere for the same key chain.
//
// CertificateIssuer is the same for an issuer that signs many certificates (a station's
// device-CA, one per unit): what depends only on the issuer (signature algorithm,
// authority key identifier) is prepared once, no public key is decoded again (OpenSSL 3
// decodes DER keys through its provider decoders, ~0.1 ms each), and the one check per
// certificate is the signature verification under the issuer's already-decoded key.
// issue_certificate() — for one-off certificates (CA certificates at a ceremony) — also
// parses the result with OpenSSL as a relying party would and refuses anything OpenSSL
// finds invalid.
// Never reads private key material: it sees public keys and signatures only.
// Thread-safety: pure functions of their arguments (plus the OpenSSL RNG for serials);
// the callback is called once, on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "hsm-profiles/src/token_signer.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/x509_profile.h"

namespace hallmark::x509 {

// The names are the certificate profile's (verifier/core/x509_profile.h), which both
// checkers of a device-CA certificate use too.
inline constexpr std::string_view kManufacturingCaName =
    verifier::x509_profile::kManufacturingCaName;
inline constexpr std::string_view kDeviceCaNamePrefix = verifier::x509_profile::kDeviceCaNamePrefix;

enum class CertificateUsage {
  kCertificateSigning,  // keyUsage keyCertSign | cRLSign (CA certificates only)
  kDigitalSignature,    // keyUsage digitalSignature (end-entity certificates only)
};

struct Validity {
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
};

// What to certify. Subject is "CN=subject_cn, O=organisation", issuer "CN=issuer_cn,
// O=issuer_organisation" (O= left out when empty). By default subject and issuer share one
// organisation — one factory PKI; a device certificate whose subject organisation comes
// from the bundle's profile sets issuer_organisation to the device-CA's own, so the issuer
// name equals the device-CA certificate's subject and the chain builds.
// A self-signed certificate has issuer_cn == subject_cn and subject_key == issuer key.
struct CertificateSpec {
  std::string subject_cn;
  std::string organisation;
  std::string issuer_cn;
  std::optional<std::string> issuer_organisation = std::nullopt;  // absent: `organisation`
  bool is_ca = false;
  std::optional<int> path_len;  // CA only; absent: no limit
  CertificateUsage usage = CertificateUsage::kDigitalSignature;
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  verifier::PublicKey subject_key;
};

// Signs the DER TBSCertificate with the issuer key; returns the signature as
// verifier::PublicKey::verify() expects it (DER ECDSA, PSS, pure Ed25519).
using SignFunction = std::function<Result<Bytes>(ByteView tbs)>;

// Signs certificates for one issuer key; prepared once, then issue() per certificate.
// Holds the callback (and whatever it captures) for its lifetime. Thread-safety: issue() is
// const and keeps no state, but the callback is called on the calling thread.
class CertificateIssuer {
 public:
  // kUsage when the key's algorithm cannot sign certificates or `sign` is empty.
  [[nodiscard]] static Result<CertificateIssuer> create(verifier::PublicKey issuer_key,
                                                        SignFunction sign);

  // As issue_certificate() below, except that the result is not parsed again by OpenSSL:
  // the certificate is assembled from the exact TBSCertificate bytes whose signature was
  // verified under the issuer key.
  [[nodiscard]] Result<Bytes> issue(const CertificateSpec& spec) const;

  [[nodiscard]] const verifier::PublicKey& issuer_key() const noexcept { return key_; }

 private:
  CertificateIssuer(verifier::PublicKey key, SignFunction sign, ByteView algorithm,
                    Bytes authority_key_id) noexcept
      : key_(std::move(key)),
        sign_(std::move(sign)),
        algorithm_(algorithm),
        authority_key_id_(std::move(authority_key_id)) {}

  verifier::PublicKey key_;
  SignFunction sign_;
  ByteView algorithm_;      // DER AlgorithmIdentifier (static storage)
  Bytes authority_key_id_;  // SHA-1 of the issuer key's subjectPublicKey bits
};

// DER Certificate. kUsage for an inconsistent spec (empty or over-long names, not_after not
// after not_before, pathlen on a non-CA, keyCertSign on a non-CA or digitalSignature on a
// CA); the callback's own Error unchanged; kVerificationFailed when the signature does not
// verify under `issuer_key`; kInternal for OpenSSL failures.
[[nodiscard]] Result<Bytes> issue_certificate(const CertificateSpec& spec,
                                              const verifier::PublicKey& issuer_key,
                                              const SignFunction& sign);

// The DER Name issue() writes for CN `cn` and O `organisation` (left out when empty), so an
// issuer prepared once can check that certificates naming it will chain. kUsage as issue().
[[nodiscard]] Result<Bytes> name_der(std::string_view cn, std::string_view organisation);

// Self-signed manufacturing CA: CN "Hallmark manufacturing CA", CA:TRUE pathlen 1,
// keyCertSign | cRLSign.
[[nodiscard]] CertificateSpec manufacturing_ca_spec(std::string organisation,
                                                    const verifier::PublicKey& key,
                                                    Validity validity);

// A station's device-CA, issued by the manufacturing CA: the profile of
// verifier/core/x509_profile.h (CN "Hallmark device CA <station_id>", CA:TRUE pathlen 0,
// keyCertSign | cRLSign), which the station and every verifier check.
[[nodiscard]] CertificateSpec device_ca_spec(std::string_view station_id,
                                             std::string organisation,
                                             const verifier::PublicKey& subject_key,
                                             Validity validity);

// Signs with a key in a token. `signer` must outlive the function (it shares its Session).
[[nodiscard]] SignFunction token_sign_function(hsm::TokenSigner& signer);

}  // namespace hallmark::x509
