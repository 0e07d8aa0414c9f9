// Device-CA certificate checks with OpenSSL: signature (with the algorithm the issuer key
// dictates, RSA-PSS parameters pinned), then what the certificate says.
#include "verifier/trust/certificate_check.h"

#include "verifier/core/time_format.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <memory>
#include <optional>
#include <string>

#include "verifier/core/openssl_handles.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::verifier {

namespace {

constexpr std::size_t kMaxCertificateBytes = 64 * 1024;
constexpr long kPssSaltBytes = 32;
constexpr int kKeyCertSignBit = 5;  // RFC 5280 KeyUsage bit numbering

struct X509Deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct Asn1TimeDeleter {
  void operator()(ASN1_TIME* p) const noexcept { ASN1_TIME_free(p); }
};
struct BasicConstraintsDeleter {
  void operator()(BASIC_CONSTRAINTS* p) const noexcept { BASIC_CONSTRAINTS_free(p); }
};
struct BitStringDeleter {
  void operator()(ASN1_BIT_STRING* p) const noexcept { ASN1_BIT_STRING_free(p); }
};
struct PssParamsDeleter {
  void operator()(RSA_PSS_PARAMS* p) const noexcept { RSA_PSS_PARAMS_free(p); }
};
struct AlgorDeleter {
  void operator()(X509_ALGOR* p) const noexcept { X509_ALGOR_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

// `what` names the certificate in messages ("device-CA certificate", "device certificate").
Result<X509Ptr> parse_certificate(ByteView der, const std::string& what = "device-CA certificate") {
  if (der.empty()) return fail(ErrorCode::kVerificationFailed, what + " is missing");
  if (der.size() > kMaxCertificateBytes) {
    return fail(ErrorCode::kVerificationFailed, what + " is too large");
  }
  const unsigned char* p = uchars(der);
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return ossl::fail(ErrorCode::kVerificationFailed, what + " is not a DER X.509 certificate");
  }
  if (p != uchars(der) + der.size()) {
    return fail(ErrorCode::kVerificationFailed,
                what + " has trailing bytes after its DER encoding");
  }
  return cert;
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
  auto pss = decode_sequence<RSA_PSS_PARAMS, PssParamsDeleter>(ptype, pval, d2i_RSA_PSS_PARAMS);
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
  auto mgf_hash = decode_sequence<X509_ALGOR, AlgorDeleter>(mgf_ptype, mgf_pval, d2i_X509_ALGOR);
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
  std::unique_ptr<ASN1_TIME, Asn1TimeDeleter> epoch(ASN1_TIME_set(nullptr, 0));
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

Result<void> check_constraints(X509* cert) {
  const uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate has invalid or duplicated extensions");
  }
  if ((flags & EXFLAG_CRITICAL) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate has a critical extension Hallmark does not understand");
  }
  int critical = -1;
  std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsDeleter> bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  if (!bc || critical != 1 || bc->ca == 0) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate must carry a critical basicConstraints CA:TRUE");
  }
  if (bc->pathlen == nullptr || ASN1_INTEGER_get(bc->pathlen) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate must limit its path length to 0 (it certifies devices, "
                "never other CAs)");
  }
  critical = -1;
  std::unique_ptr<ASN1_BIT_STRING, BitStringDeleter> ku(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, &critical, nullptr)));
  if (!ku || critical != 1 || ASN1_BIT_STRING_get_bit(ku.get(), kKeyCertSignBit) != 1) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate must carry a critical keyUsage with keyCertSign");
  }
  return {};
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// The station id appears in the CN as a whole word: "st-1" matches "Device CA st-1" but
// not "st-10". The subject key, not the name, is what binds the certificate to the station.
bool names_station(std::string_view cn, std::string_view station_id) {
  for (auto pos = cn.find(station_id); pos != std::string_view::npos;
       pos = cn.find(station_id, pos + 1)) {
    const auto end = pos + station_id.size();
    const bool left = pos == 0 || !is_word_char(cn[pos - 1]);
    const bool right = end == cn.size() || !is_word_char(cn[end]);
    if (left && right) return true;
  }
  return false;
}

// The subject's one common name, as UTF-8.
Result<std::string> common_name(X509* cert, const std::string& what) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) {
    return fail(ErrorCode::kVerificationFailed,
                what + " subject must have exactly one common name");
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  ossl::OpensslPtr<unsigned char> owned(utf8);
  if (len < 0) return ossl::fail(ErrorCode::kVerificationFailed, what + " common name is not readable text");
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
}

// The certified public key, held to Hallmark's key rules.
Result<PublicKey> subject_key_of(X509* cert, const std::string& what) {
  unsigned char* der = nullptr;
  const int der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  ossl::OpensslPtr<unsigned char> owned_der(der);
  if (der_len <= 0) {
    return ossl::fail(ErrorCode::kVerificationFailed, what + " subject key cannot be encoded");
  }
  auto key = PublicKey::from_spki_der(
      ByteView(reinterpret_cast<const std::byte*>(der), static_cast<std::size_t>(der_len)));
  if (!key) return std::unexpected(std::move(key).error().context(what + " subject key"));
  return key;
}

Result<void> check_subject(X509* cert, const PublicKey& subject_key, std::string_view station_id) {
  if (station_id.empty()) return fail(ErrorCode::kVerificationFailed, "station id is empty");
  auto cn = common_name(cert, "device-CA certificate");
  if (!cn) return std::unexpected(std::move(cn).error());
  if (!names_station(*cn, station_id)) {
    return fail(ErrorCode::kVerificationFailed, "device-CA certificate common name \"" + *cn +
                                                    "\" does not name station " +
                                                    std::string(station_id));
  }
  auto key = subject_key_of(cert, "device-CA certificate");
  if (!key) return std::unexpected(std::move(key).error());
  if (key->key_id() != subject_key.key_id()) {
    return fail(ErrorCode::kVerificationFailed,
                "device-CA certificate certifies key " + key->key_id() +
                    ", not the enrolled device-CA key " + subject_key.key_id());
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
  auto cn = common_name(cert->get(), what);
  if (!cn) return std::unexpected(std::move(cn).error());
  if (*cn != serial) {
    return fail(ErrorCode::kVerificationFailed, what + " is issued to \"" + *cn +
                                                    "\", not to serial " + std::string(serial));
  }
  if (auto ok = check_validity(cert->get(), at_unix, what); !ok) return std::unexpected(std::move(ok).error());
  auto key = subject_key_of(cert->get(), what);
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
  if (X509_get_version(cert->get()) != X509_VERSION_3) {
    return fail(ErrorCode::kVerificationFailed, "device-CA certificate is not X.509 v3");
  }
  if (auto ok = check_constraints(cert->get()); !ok) return ok;
  if (auto ok = check_subject(cert->get(), subject_key, station_id); !ok) return ok;
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
