#include "hsm-profiles/x509/certificate_issuer.h"

#include <array>
#include <ctime>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verifier/core/openssl_handles.h"

namespace hallmark::x509 {
namespace {

using ossl::X509Ptr;
using NamePtr = ossl::X509NamePtr;
using IntegerPtr = ossl::Asn1StringPtr;
using BitStringPtr = ossl::Asn1StringPtr;
using OctetStringPtr = ossl::Asn1StringPtr;
using ossl::AuthorityKeyIdPtr;
using ossl::BasicConstraintsPtr;
using AlgorithmPtr = ossl::X509AlgorPtr;

constexpr std::size_t kSerialBytes = 16;
constexpr std::size_t kMaxNameChars = 64;  // RFC 5280 ub-common-name, ub-organization-name

// DER AlgorithmIdentifiers, exactly as RFC 5758, RFC 4055 and RFC 8410 spell them.
constexpr std::array<unsigned char, 12> kEcdsaSha256{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                     0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::array<unsigned char, 12> kEcdsaSha384{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                     0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr std::array<unsigned char, 7> kEd25519{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
// RSASSA-PSS { sha256 (NULL params), mgf1(sha256), saltLength 32 } (trailerField default).
constexpr std::array<unsigned char, 67> kRsaPssSha256{
    0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
    0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
    0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
    0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
    0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

ByteView as_view(std::span<const unsigned char> b) noexcept { return std::as_bytes(b); }

Result<ByteView> signature_algorithm(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256: return as_view(kEcdsaSha256);
    case v1::ECDSA_P384_SHA384: return as_view(kEcdsaSha384);
    case v1::RSA_PSS_3072_SHA256: return as_view(kRsaPssSha256);
    case v1::ED25519: return as_view(kEd25519);
    default: break;
  }
  return fail(ErrorCode::kUsage, "issuer key algorithm " + v1::KeyAlgorithm_Name(algorithm) +
                                     " cannot sign certificates");
}

// A DER length at `p` (short or long form, at most 4 length bytes); advances `p`.
bool read_der_length(const unsigned char*& p, const unsigned char* end, std::size_t& length) {
  if (p == end) return false;
  const unsigned char first = *p++;
  if (first < 0x80) {
    length = first;
    return true;
  }
  const std::size_t count = first & 0x7f;
  if (count == 0 || count > 4 || static_cast<std::size_t>(end - p) < count) return false;
  length = 0;
  for (std::size_t i = 0; i < count; ++i) length = (length << 8) | *p++;
  return true;
}

// The two halves of a SubjectPublicKeyInfo, split without decoding the key: OpenSSL 3's
// d2i_PUBKEY / d2i_X509_PUBKEY run the provider decoders (~0.1 ms a key), and the key was
// already decoded and checked when the verifier::PublicKey was made from these bytes.
struct SpkiParts {
  AlgorithmPtr algorithm;
  ByteView key_bits;  // the subjectPublicKey BIT STRING's value, without the unused-bits byte
};

Result<SpkiParts> split_spki(const verifier::PublicKey& key) {
  const ByteView der = key.spki_der();
  const unsigned char* p = uchars(der);
  const unsigned char* const end = p + der.size();
  std::size_t length = 0;
  const auto bad = [&] {
    return fail(ErrorCode::kInternal, "cannot split public key " + key.key_id());
  };
  if (p == end || *p++ != 0x30 || !read_der_length(p, end, length) ||
      length != static_cast<std::size_t>(end - p)) {
    return bad();
  }
  AlgorithmPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(end - p)));
  if (!algorithm || p == end || *p++ != 0x03 || !read_der_length(p, end, length) ||
      length < 2 || length != static_cast<std::size_t>(end - p) || *p != 0) {
    return bad();
  }
  ++p;  // no unused bits
  return SpkiParts{std::move(algorithm),
                   ByteView(reinterpret_cast<const std::byte*>(p), length - 1)};
}

Result<OctetStringPtr> octet_string(ByteView bytes) {
  OctetStringPtr out(ASN1_OCTET_STRING_new());
  if (!out || ASN1_OCTET_STRING_set(out.get(), uchars(bytes), static_cast<int>(bytes.size())) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot encode the key identifier");
  }
  return out;
}

// The certificate's subjectPublicKeyInfo, copied field by field from `parts`.
Result<void> set_public_key(X509* cert, const SpkiParts& parts) {
  const ASN1_OBJECT* oid = nullptr;
  int parameter_type = V_ASN1_UNDEF;
  const void* parameter = nullptr;
  X509_ALGOR_get0(&oid, &parameter_type, &parameter, parts.algorithm.get());
  ASN1_OBJECT* oid_copy = OBJ_dup(oid);
  void* parameter_copy = nullptr;
  if (parameter_type == V_ASN1_OBJECT) {
    parameter_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(parameter));
  } else if (parameter_type != V_ASN1_UNDEF && parameter_type != V_ASN1_NULL) {
    parameter_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(parameter));
  }
  auto* bits = static_cast<unsigned char*>(
      OPENSSL_memdup(parts.key_bits.data(), parts.key_bits.size()));
  const bool copied = oid_copy != nullptr && bits != nullptr &&
                      (parameter_copy != nullptr || parameter_type == V_ASN1_UNDEF ||
                       parameter_type == V_ASN1_NULL);
  // X509_PUBKEY_set0_param takes ownership of all three only when it succeeds.
  if (!copied || X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), oid_copy, parameter_type,
                                        parameter_copy, bits,
                                        static_cast<int>(parts.key_bits.size())) != 1) {
    ASN1_OBJECT_free(oid_copy);
    if (parameter_type == V_ASN1_OBJECT) {
      ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(parameter_copy));
    } else {
      ASN1_STRING_free(static_cast<ASN1_STRING*>(parameter_copy));
    }
    OPENSSL_free(bits);
    return ossl::fail(ErrorCode::kInternal, "cannot set the certificate's public key");
  }
  return {};
}

Result<NamePtr> make_name(std::string_view cn, std::string_view organisation) {
  NamePtr name(X509_NAME_new());
  if (!name) return ossl::fail(ErrorCode::kInternal, "cannot allocate a name");
  auto add = [&](int nid, std::string_view value) {
    return X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if ((!organisation.empty() && !add(NID_organizationName, organisation)) ||
      !add(NID_commonName, cn)) {
    return ossl::fail(ErrorCode::kUsage,
                      fmt::format("name CN={} O={} is not valid UTF-8", cn, organisation));
  }
  return name;
}

const std::string& issuer_organisation(const CertificateSpec& spec) noexcept {
  return spec.issuer_organisation ? *spec.issuer_organisation : spec.organisation;
}

Result<void> check_spec(const CertificateSpec& spec, const verifier::PublicKey& issuer_key) {
  const auto bad = [](std::string what) { return fail(ErrorCode::kUsage, std::move(what)); };
  for (const auto* name : {&spec.subject_cn, &spec.issuer_cn}) {
    if (name->empty() || name->size() > kMaxNameChars) {
      return bad(fmt::format("common name '{}' must have 1 to {} characters", *name,
                             kMaxNameChars));
    }
  }
  for (const auto* name : {&spec.organisation, &issuer_organisation(spec)}) {
    if (name->size() > kMaxNameChars) {
      return bad(fmt::format("organisation name '{}' is longer than {} characters", *name,
                             kMaxNameChars));
    }
  }
  if (spec.not_after_unix <= spec.not_before_unix) {
    return bad(fmt::format("certificate for '{}' would expire ({}) before it is valid ({})",
                           spec.subject_cn, spec.not_after_unix, spec.not_before_unix));
  }
  if (spec.path_len && (!spec.is_ca || *spec.path_len < 0)) {
    return bad("a path length needs a CA certificate and must not be negative");
  }
  if (spec.is_ca != (spec.usage == CertificateUsage::kCertificateSigning)) {
    return bad(fmt::format("certificate for '{}': a CA certificate signs certificates, and "
                           "only a CA certificate may",
                           spec.subject_cn));
  }
  if (spec.issuer_cn == spec.subject_cn && issuer_organisation(spec) == spec.organisation &&
      !(spec.subject_key == issuer_key)) {
    return bad(fmt::format("issuer and subject are both '{}' but their keys differ ({} and {})",
                           spec.subject_cn, issuer_key.key_id(), spec.subject_key.key_id()));
  }
  return {};
}

Result<void> set_serial(X509* cert) {
  std::array<unsigned char, kSerialBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return ossl::fail(ErrorCode::kInternal, "no random serial number");
  }
  random[0] = static_cast<unsigned char>((random[0] & 0x7f) | 0x40);  // positive, 16 bytes
  ossl::BignumPtr bn(BN_bin2bn(random.data(), static_cast<int>(random.size()), nullptr));
  IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot set the serial number");
  }
  return {};
}

Result<void> add_extensions(X509* cert, const CertificateSpec& spec, ByteView subject_key_id,
                            ByteView authority_key_id) {
  BasicConstraintsPtr constraints(BASIC_CONSTRAINTS_new());
  BitStringPtr usage(ASN1_BIT_STRING_new());
  AuthorityKeyIdPtr authority(AUTHORITY_KEYID_new());
  if (!constraints || !usage || !authority) {
    return ossl::fail(ErrorCode::kInternal, "cannot allocate extensions");
  }
  constraints->ca = spec.is_ca ? 0xff : 0;
  if (spec.path_len) {
    constraints->pathlen = ASN1_INTEGER_new();
    if (constraints->pathlen == nullptr ||
        ASN1_INTEGER_set(constraints->pathlen, *spec.path_len) != 1) {
      return ossl::fail(ErrorCode::kInternal, "cannot encode the path length");
    }
  }
  const bool bits_ok = spec.is_ca ? ASN1_BIT_STRING_set_bit(usage.get(), 5, 1) == 1 &&  // keyCertSign
                                        ASN1_BIT_STRING_set_bit(usage.get(), 6, 1) == 1   // cRLSign
                                  : ASN1_BIT_STRING_set_bit(usage.get(), 0, 1) == 1;  // digitalSig.
  auto subject_id = octet_string(subject_key_id);
  if (!subject_id) return std::unexpected(subject_id.error());
  auto issuer_id = octet_string(authority_key_id);
  if (!issuer_id) return std::unexpected(issuer_id.error());
  authority->keyid = issuer_id->release();

  if (!bits_ok ||
      X509_add1_ext_i2d(cert, NID_basic_constraints, constraints.get(), 1, X509V3_ADD_REPLACE) !=
          1 ||
      X509_add1_ext_i2d(cert, NID_key_usage, usage.get(), 1, X509V3_ADD_REPLACE) != 1 ||
      X509_add1_ext_i2d(cert, NID_subject_key_identifier, subject_id->get(), 0,
                        X509V3_ADD_REPLACE) != 1 ||
      X509_add1_ext_i2d(cert, NID_authority_key_identifier, authority.get(), 0,
                        X509V3_ADD_REPLACE) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot add the certificate extensions");
  }
  return {};
}

// OpenSSL 3.0 has no setter for the TBSCertificate's signature field (X509_sign writes it
// while signing with an in-process key, which we do not have). The pointer it returns
// points into `cert`, which we own and which is not const; i2d_re_X509_tbs re-encodes.
Result<void> set_tbs_signature_algorithm(X509* cert, ByteView algorithm_der) {
  const unsigned char* p = uchars(algorithm_der);
  AlgorithmPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(algorithm_der.size())));
  auto* field = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(cert));
  if (!algorithm || field == nullptr || X509_ALGOR_copy(field, algorithm.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot set the signature algorithm");
  }
  return {};
}

void append_der_header(Bytes& out, unsigned char tag, std::size_t length) {
  out.push_back(std::byte{tag});
  if (length < 0x80) {
    out.push_back(static_cast<std::byte>(length));
    return;
  }
  std::array<std::byte, sizeof(std::size_t)> digits{};
  std::size_t count = 0;
  for (std::size_t rest = length; rest != 0; rest >>= 8) {
    digits[count++] = static_cast<std::byte>(rest & 0xff);
  }
  out.push_back(static_cast<std::byte>(0x80 | count));
  while (count > 0) out.push_back(digits[--count]);
}

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
Bytes assemble_certificate(ByteView tbs, ByteView algorithm, ByteView signature) {
  Bytes bit_string;
  append_der_header(bit_string, 0x03, signature.size() + 1);
  bit_string.push_back(std::byte{0});  // no unused bits
  bit_string.insert(bit_string.end(), signature.begin(), signature.end());
  Bytes out;
  append_der_header(out, 0x30, tbs.size() + algorithm.size() + bit_string.size());
  out.insert(out.end(), tbs.begin(), tbs.end());
  out.insert(out.end(), algorithm.begin(), algorithm.end());
  out.insert(out.end(), bit_string.begin(), bit_string.end());
  return out;
}

Result<Bytes> encode_tbs(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_re_X509_tbs(cert, &der);
  if (len <= 0 || der == nullptr) {
    return ossl::fail(ErrorCode::kInternal, "cannot encode the TBSCertificate");
  }
  ossl::OpensslPtr<unsigned char> owned(der);
  const auto* first = reinterpret_cast<const std::byte*>(der);
  return Bytes(first, first + len);
}

// Parses what we are about to return as any relying party would (the signature was
// verified before the certificate was assembled around it).
Result<void> check_parses(const Bytes& der) {
  const unsigned char* p = uchars(der);
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != uchars(der) + der.size()) {
    return ossl::fail(ErrorCode::kInternal, "the assembled certificate does not parse");
  }
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_INVALID) != 0) {
    return ossl::fail(ErrorCode::kInternal, "OpenSSL finds the issued certificate invalid");
  }
  return {};
}

}  // namespace

Result<CertificateIssuer> CertificateIssuer::create(verifier::PublicKey issuer_key,
                                                    SignFunction sign) {
  if (!sign) return fail(ErrorCode::kUsage, "no signing function given");
  auto algorithm = signature_algorithm(issuer_key.algorithm());
  if (!algorithm) return std::unexpected(algorithm.error());
  auto parts = split_spki(issuer_key);
  if (!parts) return std::unexpected(parts.error());
  auto authority = verifier::x509_profile::key_identifier_of_bits(parts->key_bits);
  if (!authority) return std::unexpected(authority.error());
  return CertificateIssuer(std::move(issuer_key), std::move(sign), *algorithm,
                           std::move(*authority));
}

Result<Bytes> CertificateIssuer::issue(const CertificateSpec& spec) const {
  if (auto ok = check_spec(spec, key_); !ok) return std::unexpected(ok.error());
  auto subject_key = split_spki(spec.subject_key);
  if (!subject_key) return std::unexpected(subject_key.error());
  auto subject_key_id = verifier::x509_profile::key_identifier_of_bits(subject_key->key_bits);
  if (!subject_key_id) return std::unexpected(subject_key_id.error());
  auto subject = make_name(spec.subject_cn, spec.organisation);
  if (!subject) return std::unexpected(subject.error());
  auto issuer = make_name(spec.issuer_cn, issuer_organisation(spec));
  if (!issuer) return std::unexpected(issuer.error());

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_subject_name(cert.get(), subject->get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer->get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot build the certificate");
  }
  if (auto ok = set_public_key(cert.get(), *subject_key); !ok) return std::unexpected(ok.error());
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                    static_cast<std::time_t>(spec.not_before_unix)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                    static_cast<std::time_t>(spec.not_after_unix)) == nullptr) {
    return ossl::fail(ErrorCode::kUsage, "validity period cannot be encoded");
  }
  if (auto ok = set_serial(cert.get()); !ok) return std::unexpected(ok.error());
  if (auto ok = add_extensions(cert.get(), spec, *subject_key_id, authority_key_id_); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = set_tbs_signature_algorithm(cert.get(), algorithm_); !ok) {
    return std::unexpected(ok.error());
  }
  auto tbs = encode_tbs(cert.get());
  if (!tbs) return std::unexpected(tbs.error());

  auto signature = sign_(*tbs);
  if (!signature) {
    return std::unexpected(signature.error().context("signing certificate for '" +
                                                     spec.subject_cn + "'"));
  }
  // The one check per certificate: the signature over exactly these TBSCertificate bytes,
  // under the issuer key decoded once (the Certificate below is these bytes, the same
  // constant algorithm identifier and this signature, so X509_verify would check the same).
  if (auto ok = key_.verify(*tbs, *signature); !ok) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("certificate for '{}' does not verify under issuer key {}: the "
                            "signing callback did not sign with that key",
                            spec.subject_cn, key_.key_id()));
  }
  return assemble_certificate(*tbs, algorithm_, *signature);
}

Result<Bytes> issue_certificate(const CertificateSpec& spec,
                                const verifier::PublicKey& issuer_key,
                                const SignFunction& sign) {
  auto issuer = CertificateIssuer::create(issuer_key, sign);
  if (!issuer) return std::unexpected(issuer.error());
  auto der = issuer->issue(spec);
  if (!der) return der;
  if (auto ok = check_parses(*der); !ok) return std::unexpected(ok.error());
  return der;
}

Result<Bytes> name_der(std::string_view cn, std::string_view organisation) {
  auto name = make_name(cn, organisation);
  if (!name) return std::unexpected(name.error());
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(name->get(), &der);
  if (len <= 0 || der == nullptr) return ossl::fail(ErrorCode::kInternal, "cannot encode a name");
  ossl::OpensslPtr<unsigned char> owned(der);
  const auto* first = reinterpret_cast<const std::byte*>(der);
  return Bytes(first, first + len);
}

CertificateSpec manufacturing_ca_spec(std::string organisation, const verifier::PublicKey& key,
                                      Validity validity) {
  return CertificateSpec{
      .subject_cn = std::string(kManufacturingCaName),
      .organisation = std::move(organisation),
      .issuer_cn = std::string(kManufacturingCaName),
      .is_ca = true,
      .path_len = verifier::x509_profile::kManufacturingCaPathLength,
      .usage = CertificateUsage::kCertificateSigning,
      .not_before_unix = validity.not_before_unix,
      .not_after_unix = validity.not_after_unix,
      .subject_key = key,
  };
}

CertificateSpec device_ca_spec(std::string_view station_id, std::string organisation,
                               const verifier::PublicKey& subject_key, Validity validity) {
  return CertificateSpec{
      .subject_cn = verifier::x509_profile::device_ca_common_name(station_id),
      .organisation = std::move(organisation),
      .issuer_cn = std::string(kManufacturingCaName),
      .is_ca = true,
      .path_len = verifier::x509_profile::kDeviceCaPathLength,
      .usage = CertificateUsage::kCertificateSigning,
      .not_before_unix = validity.not_before_unix,
      .not_after_unix = validity.not_after_unix,
      .subject_key = subject_key,
  };
}

SignFunction token_sign_function(hsm::TokenSigner& signer) {
  return [&signer](ByteView tbs) { return signer.sign(tbs); };
}

}  // namespace hallmark::x509
