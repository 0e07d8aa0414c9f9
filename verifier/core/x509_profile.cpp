#include "verifier/core/x509_profile.h"

#include <algorithm>
#include <array>
#include <span>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verifier/core/digest_algorithms.h"

namespace hallmark::verifier::x509_profile {
namespace {

constexpr int kKeyCertSignBit = 5;  // RFC 5280 KeyUsage bit numbering

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

}  // namespace

Result<std::string> name_entry_text(const X509_NAME_ENTRY* entry, std::string_view what) {
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  ossl::OpensslPtr<unsigned char> owned(utf8);
  if (len < 0 || utf8 == nullptr) {
    return ossl::fail(ErrorCode::kVerificationFailed, std::string(what) + " is not readable text");
  }
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
}

Result<std::optional<std::string>> subject_entry(X509* cert, int nid, std::string_view what) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, nid, -1);
  if (index < 0) return std::optional<std::string>();
  if (X509_NAME_get_index_by_NID(subject, nid, index) >= 0) {
    return refuse(std::string(what) + " appears more than once in the subject");
  }
  auto text = name_entry_text(X509_NAME_get_entry(subject, index), what);
  if (!text) return std::unexpected(std::move(text).error());
  return std::optional<std::string>(std::move(*text));
}

Result<std::string> common_name(X509* cert, std::string_view what) {
  const std::string name(what);
  auto cn = subject_entry(cert, NID_commonName, name + " common name");
  if (!cn) return std::unexpected(std::move(cn).error());
  if (!cn->has_value()) return refuse(name + " subject must have exactly one common name");
  return std::move(**cn);
}

Result<PublicKey> certified_key(X509* cert, std::string_view what) {
  const std::string name(what);
  unsigned char* der = nullptr;
  const int der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  ossl::OpensslPtr<unsigned char> owned(der);
  if (der_len <= 0) {
    return ossl::fail(ErrorCode::kVerificationFailed, name + " subject key cannot be encoded");
  }
  auto key = PublicKey::from_spki_der(
      ByteView(reinterpret_cast<const std::byte*>(der), static_cast<std::size_t>(der_len)));
  if (!key) return std::unexpected(std::move(key).error().context(name + " subject key"));
  return key;
}

std::string device_ca_common_name(std::string_view station_id) {
  return std::string(kDeviceCaNamePrefix) + std::string(station_id);
}

Result<ossl::X509Ptr> parse_certificate(ByteView der, std::string_view what) {
  const std::string name(what);
  if (der.empty()) return refuse(name + " is missing");
  if (der.size() > kMaxCertificateBytes) {
    return refuse(name + " is too large (" + std::to_string(der.size()) + " bytes, at most " +
                  std::to_string(kMaxCertificateBytes) + ")");
  }
  const unsigned char* p = uchars(der);
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return ossl::fail(ErrorCode::kVerificationFailed, name + " is not a DER X.509 certificate");
  }
  if (p != uchars(der) + der.size()) {
    return refuse(name + " has trailing bytes after its DER encoding");
  }
  return cert;
}

Result<Bytes> key_identifier_of_bits(ByteView subject_public_key_bits) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  if (EVP_Digest(subject_public_key_bits.data(), subject_public_key_bits.size(), md.data(),
                 &md_len, ossl::sha1_md(), nullptr) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot compute the key identifier");
  }
  const auto* first = reinterpret_cast<const std::byte*>(md.data());
  return Bytes(first, first + md_len);
}

Result<Bytes> key_identifier(ByteView spki_der) {
  const unsigned char* p = uchars(spki_der);
  ossl::X509PubkeyPtr spki(d2i_X509_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  if (!spki || X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr, spki.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot read a public key to compute its identifier");
  }
  return key_identifier_of_bits(
      ByteView(reinterpret_cast<const std::byte*>(bits), static_cast<std::size_t>(bits_len)));
}

Result<void> check_device_ca_extensions(X509* cert) {
  if (X509_get_version(cert) != X509_VERSION_3) return refuse("device-CA certificate is not X.509 v3");
  const uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) {
    return refuse("device-CA certificate has invalid or duplicated extensions");
  }
  if ((flags & EXFLAG_CRITICAL) != 0) {
    return refuse("device-CA certificate has a critical extension Hallmark does not understand");
  }
  int critical = -1;
  ossl::BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  if (!bc || critical != 1 || bc->ca == 0) {
    return refuse("device-CA certificate must carry a critical basicConstraints CA:TRUE");
  }
  if (bc->pathlen == nullptr || ASN1_INTEGER_get(bc->pathlen) != kDeviceCaPathLength) {
    return refuse("device-CA certificate must limit its path length to 0 (it certifies "
                  "devices, never other CAs)");
  }
  critical = -1;
  ossl::Asn1StringPtr ku(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, &critical, nullptr)));
  if (!ku || critical != 1 || ASN1_BIT_STRING_get_bit(ku.get(), kKeyCertSignBit) != 1) {
    return refuse("device-CA certificate must carry a critical keyUsage with keyCertSign");
  }
  return {};
}

Result<void> check_device_ca_name(X509* cert, std::string_view station_id) {
  if (station_id.empty()) return refuse("station id is empty");
  auto cn = common_name(cert, "device-CA certificate");
  if (!cn) return std::unexpected(std::move(cn).error());
  const std::string expected = device_ca_common_name(station_id);
  if (*cn != expected) {
    return refuse("device-CA certificate common name \"" + *cn + "\" does not name station " +
                  std::string(station_id) + " as Hallmark issues it (\"" + expected + "\")");
  }
  return {};
}

Result<void> check_certified_key(X509* cert, const PublicKey& key) {
  auto certified = certified_key(cert, "device-CA certificate");
  if (!certified) return std::unexpected(std::move(certified).error());
  if (!(*certified == key)) {
    return refuse("device-CA certificate certifies key " + certified->key_id() +
                  ", not the enrolled device-CA key " + key.key_id());
  }
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert); ski != nullptr) {
    auto expected = key_identifier(key.spki_der());
    if (!expected) return std::unexpected(std::move(expected).error());
    const auto actual = std::as_bytes(
        std::span(ASN1_STRING_get0_data(ski), static_cast<std::size_t>(ASN1_STRING_length(ski))));
    if (!std::ranges::equal(actual, *expected)) {
      return refuse("device-CA certificate has a subject key identifier that is not its key's "
                    "(RFC 5280 method 1); certificates it issues would not chain");
    }
  }
  return {};
}

Result<void> check_device_ca_profile(X509* cert, std::string_view station_id,
                                     const PublicKey& device_ca_key) {
  if (auto ok = check_device_ca_extensions(cert); !ok) return ok;
  if (auto ok = check_device_ca_name(cert, station_id); !ok) return ok;
  return check_certified_key(cert, device_ca_key);
}

}  // namespace hallmark::verifier::x509_profile
