// Device-CA certificate checks with OpenSSL: signature (with the algorithm the issuer key
// dictates, RSA-PSS parameters pinned), then what the certificate says — the profile of
// verifier/core/x509_profile.h, the one the issuer and the station use — then validity.
#include "verifier/trust/certificate_check.h"

#include "verifier/core/time_format.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <string>

#include "verifier/core/openssl_handles.h"
#include "verifier/core/x509_profile.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::verifier {

namespace {

constexpr long kPssSaltBytes = 32;

using ossl::X509Ptr;

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

// `what` names the certificate in messages ("device-CA certificate", "device certificate").
Result<X509Ptr> parse_certificate(ByteView der, const std::string& what = "device-CA certificate") {
  return x509_profile::parse_certificate(der, what);
}

// The DER of a SEQUENCE parameter, decoded with `d2i`; null unless it is exactly one T.
template <class T, class Deleter, class D2i>
std::unique_ptr<T, Deleter> decode_sequence(int ptype, const void* pval, D2i d2i) {
  if (ptype != V_ASN1_SEQUENCE || pval == nullptr) return nullptr;
  const auto* seq = static_cast<const ASN1_STRING*>(pval);
  const unsigned char* p = ASN1_STRING_get0_data(seq);
  const long len = ASN1_STRING_length(seq);
  std::unique_ptr<T, Deleter> out(d2i(nullptr, &p, len));
  if (out && p != ASN1_STRING_get0_data(seq) + len) return nullptr;  // trailing bytes
  return out;
}

bool is_sha256(const X509_ALGOR* alg) {
  if (alg == nullptr) return false;  // absent means SHA-1
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return OBJ_obj2nid(obj) == NID_sha256;
}

// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32, trailer 1: the only PSS Hallmark accepts.
Result<void> check_pss_parameters(const X509_ALGOR* signature_algorithm) {
  const ASN1_OBJECT* obj = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&obj, &ptype, &pval, signature_algorithm);
  const std::string bad =
      "device-CA certificate RSA-PSS parameters are not "
      "SHA-256/MGF1-SHA-256/salt 32";
  auto pss = decode_sequence<RSA_PSS_PARAMS, ossl::RsaPssParamsDeleter>(ptype, pval,
                                                                       d2i_RSA_PSS_PARAMS);
  if (!pss || !is_sha256(pss->hashAlgorithm) || pss->maskGenAlgorithm == nullptr ||
      pss->saltLength == nullptr || ASN1_INTEGER_get(pss->saltLength) != kPssSaltBytes ||
      (pss->trailerField != nullptr && ASN1_INTEGER_get(pss->trailerField) != 1)) {
    return fail(ErrorCode::kVerificationFailed, bad);
  }
  const ASN1_OBJECT* mgf = nullptr;
  int mgf_ptype = 0;
  const void* mgf_pval = nullptr;
  X509_ALGOR_get0(&mgf, &mgf_ptype, &mgf_pval, pss->maskGenAlgorithm);
  if (OBJ_obj2nid(mgf) != NID_mgf1) return fail(ErrorCode::kVerificationFailed, bad);
  auto mgf_hash =
      decode_sequence<X509_ALGOR, ossl::X509AlgorDeleter>(mgf_ptype, mgf_pval, d2i_X509_ALGOR);
  if (!is_sha256(mgf_hash.get())) return fail(ErrorCode::kVerificationFailed, bad);
  return {};
}

// The signature algorithm must be the one the issuer key's Hallmark algorithm defines.
Result<void> check_signature_algorithm(X509* cert, const PublicKey& issuer,
                                       const std::string& what = "device-CA certificate",
                                       const std::string& issuer_what = "manufacturing-CA key") {
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(nullptr, &alg, cert);
  const int nid = X509_get_signature_nid(cert);
  int expected = NID_undef;
  switch (issuer.algorithm()) {
    case v1::ECDSA_P256_SHA256: expected = NID_ecdsa_with_SHA256; break;
    case v1::ECDSA_P384_SHA384: expected = NID_ecdsa_with_SHA384; break;
    case v1::ED25519: expected = NID_ED25519; break;
    case v1::RSA_PSS_3072_SHA256: expected = NID_rsassaPss; break;
    default: break;
  }
  if (nid != expected) {
    return fail(ErrorCode::kVerificationFailed,
                what + " is signed with " + OBJ_nid2sn(nid) + ", but " + issuer_what + " " +
                    issuer.key_id() + " signs with " +
                    (expected == NID_undef ? "(unsupported)" : OBJ_nid2sn(expected)));
  }
  if (nid == NID_rsassaPss) return check_pss_parameters(alg);
  return {};
}

Result<void> check_signature(X509* cert, const PublicKey& issuer,
                             const std::string& what = "device-CA certificate",
                             const std::string& issuer_what = "manufacturing-CA key") {
  if (auto alg = check_signature_algorithm(cert, issuer, what, issuer_what); !alg) return alg;
  const ByteView spki = issuer.spki_der();
  const unsigned char* p = uchars(spki);
  ossl::PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!pkey) return ossl::fail(ErrorCode::kInternal, "cannot load " + issuer_what);
  // X509_verify also refuses a certificate whose inner and outer algorithms differ.
  if (X509_verify(cert, pkey.get()) != 1) {
    return ossl::fail(ErrorCode::kVerificationFailed, what + " signature does not verify with " +
                                                          issuer_what + " " + issuer.key_id());
  }
  ossl::take_error_reason();
  return {};
}

Result<int64_t> unix_time(const ASN1_TIME* t, const std::string& what = "device-CA certificate") {
  ossl::Asn1StringPtr epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (!epoch || t == nullptr || ASN1_TIME_diff(&days, &seconds, epoch.get(), t) != 1) {
    return ossl::fail(ErrorCode::kVerificationFailed,
                      what + " has an unreadable validity time");
  }
  return int64_t{days} * 86400 + seconds;
}

Result<void> check_validity(X509* cert, int64_t now,
                            const std::string& what = "device-CA certificate") {
  auto not_before = unix_time(X509_get0_notBefore(cert), what);
  if (!not_before) return std::unexpected(std::move(not_before).error());
  auto not_after = unix_time(X509_get0_notAfter(cert), what);
  if (!not_after) return std::unexpected(std::move(not_after).error());
  if (now < *not_before || now > *not_after) {
    return fail(ErrorCode::kVerificationFailed,
                what + " is not valid at " + hallmark::verifier::format_utc(now) + " (valid " +
                    std::to_string(*not_before) + " to " + std::to_string(*not_after) + ")");
  }
  return {};
}

}  // namespace

Result<VerifiedDeviceCertificate> verify_device_certificate(ByteView certificate_der,
                                                            ByteView device_ca_certificate_der,
                                                            const PublicKey& device_ca_key,
                                                            std::string_view serial,
                                                            int64_t at_unix) {
  const std::string what = "device certificate";
  auto cert = parse_certificate(certificate_der, what);
  if (!cert) return std::unexpected(std::move(cert).error());
  auto ca = parse_certificate(device_ca_certificate_der);
  if (!ca) return std::unexpected(std::move(ca).error());
  if (auto ok = check_signature(cert->get(), device_ca_key, what, "the station's device-CA key"); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  if (X509_get_version(cert->get()) != X509_VERSION_3) {
    return fail(ErrorCode::kVerificationFailed, what + " is not X.509 v3");
  }
  if (X509_NAME_cmp(X509_get_issuer_name(cert->get()), X509_get_subject_name(ca->get())) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                what + " names another issuer than the station's device-CA certificate");
  }
  const uint32_t flags = X509_get_extension_flags(cert->get());
  if ((flags & EXFLAG_INVALID) != 0 || (flags & EXFLAG_CRITICAL) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                what + " has invalid, duplicated or unknown critical extensions");
  }
  if ((flags & EXFLAG_CA) != 0) {
    return fail(ErrorCode::kVerificationFailed, what + " is a CA certificate: a device may not be one");
  }
  auto cn = x509_profile::common_name(cert->get(), what);
  if (!cn) return std::unexpected(std::move(cn).error());
  if (*cn != serial) {
    return fail(ErrorCode::kVerificationFailed, what + " is issued to \"" + *cn +
                                                    "\", not to serial " + std::string(serial));
  }
  if (auto ok = check_validity(cert->get(), at_unix, what); !ok) return std::unexpected(std::move(ok).error());
  auto key = x509_profile::certified_key(cert->get(), what);
  if (!key) return std::unexpected(std::move(key).error());
  auto not_before = unix_time(X509_get0_notBefore(cert->get()), what);
  auto not_after = unix_time(X509_get0_notAfter(cert->get()), what);
  if (!not_before || !not_after) return fail(ErrorCode::kVerificationFailed, what + " validity unreadable");
  return VerifiedDeviceCertificate{*cn, std::move(*key), *not_before, *not_after};
}

namespace detail {

Result<void> verify_device_ca_certificate_by_any(ByteView certificate_der,
                                                 std::span<const PublicKey> issuers,
                                                 const PublicKey& subject_key,
                                                 std::string_view station_id, int64_t now_unix) {
  auto cert = parse_certificate(certificate_der);
  if (!cert) return std::unexpected(std::move(cert).error());
  if (issuers.empty()) {
    return fail(ErrorCode::kVerificationFailed,
                "the trust root has no (unrevoked) manufacturing-CA key to check the device-CA "
                "certificate with");
  }
  std::optional<Error> first_error;
  bool signed_ok = false;
  for (const PublicKey& issuer : issuers) {
    auto ok = check_signature(cert->get(), issuer);
    if (ok) {
      signed_ok = true;
      break;
    }
    if (!first_error) first_error = std::move(ok).error();
  }
  if (!signed_ok) return std::unexpected(std::move(*first_error));
  // What the issuer puts in every device-CA certificate, the station checks too.
  if (auto ok = x509_profile::check_device_ca_profile(cert->get(), station_id, subject_key); !ok) {
    return ok;
  }
  return check_validity(cert->get(), now_unix);
}

}  // namespace detail

Result<void> verify_device_ca_certificate(ByteView certificate_der, const PublicKey& issuer,
                                          const PublicKey& subject_key, std::string_view station_id,
                                          int64_t now_unix) {
  return detail::verify_device_ca_certificate_by_any(certificate_der, std::span(&issuer, 1),
                                                     subject_key, station_id, now_unix);
}

}  // namespace hallmark::verifier
