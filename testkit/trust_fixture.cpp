#include "testkit/trust_fixture.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

#include "verifier/core/document.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/sha256.h"

namespace hallmark::trust_testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + ossl::take_error_reason());
}

void add_role(v1::TrustRoot& root, v1::Role role, uint32_t threshold, const Signers& keys) {
  auto* entry = root.add_roles();
  entry->set_role(role);
  entry->set_threshold(threshold);
  for (const Key* k : keys) entry->add_key_ids(k->pub.key_id());
}

void add_key(v1::TrustRoot& root, const Key& key) {
  for (const auto& existing : root.keys()) {
    if (existing.key_id() == key.pub.key_id()) return;
  }
  *root.add_keys() = key.pub.to_proto();
}

void add_extensions(X509* cert, const CertSpec& spec) {
  BASIC_CONSTRAINTS* bc = BASIC_CONSTRAINTS_new();
  bc->ca = spec.ca ? 0xFF : 0;
  if (spec.pathlen >= 0) {
    bc->pathlen = ASN1_INTEGER_new();
    ASN1_INTEGER_set(bc->pathlen, spec.pathlen);
  }
  const int ok_bc = X509_add1_ext_i2d(cert, NID_basic_constraints, bc,
                                      spec.basic_constraints_critical ? 1 : 0, X509V3_ADD_DEFAULT);
  BASIC_CONSTRAINTS_free(bc);
  check(ok_bc == 1, "basicConstraints");
  if (!spec.key_usage) return;
  ASN1_BIT_STRING* ku = ASN1_BIT_STRING_new();
  ASN1_BIT_STRING_set_bit(ku, spec.key_cert_sign ? 5 : 0, 1);  // keyCertSign or digitalSignature
  if (spec.key_cert_sign) ASN1_BIT_STRING_set_bit(ku, 6, 1);   // cRLSign
  const int ok_ku = X509_add1_ext_i2d(cert, NID_key_usage, ku, spec.key_usage_critical ? 1 : 0,
                                      X509V3_ADD_DEFAULT);
  ASN1_BIT_STRING_free(ku);
  check(ok_ku == 1, "keyUsage");
}

void sign_certificate(X509* cert, const Key& issuer, int pss_salt) {
  switch (issuer.alg) {
    case ht::Alg::kP256: check(X509_sign(cert, issuer.priv.get(), EVP_sha256()) > 0, "sign"); break;
    case ht::Alg::kP384: check(X509_sign(cert, issuer.priv.get(), EVP_sha384()) > 0, "sign"); break;
    case ht::Alg::kEd25519: check(X509_sign(cert, issuer.priv.get(), nullptr) > 0, "sign"); break;
    case ht::Alg::kRsa3072: {
      ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
      EVP_PKEY_CTX* pctx = nullptr;
      check(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, issuer.priv.get()) == 1,
            "DigestSignInit");
      check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) == 1,
            "PSS parameters");
      check(X509_sign_ctx(cert, ctx.get()) > 0, "X509_sign_ctx");
      break;
    }
  }
}

}  // namespace

const Key& alice() { return ht::key(ht::Alg::kP256, 10); }
const Key& alice_backup() { return ht::key(ht::Alg::kP256, 11); }
const Key& bob() { return ht::key(ht::Alg::kEd25519, 10); }
const Key& carol() { return ht::key(ht::Alg::kP256, 12); }
const Key& dave() { return ht::key(ht::Alg::kP256, 13); }
const Key& erin() { return ht::key(ht::Alg::kP256, 14); }
const Key& frank() { return ht::key(ht::Alg::kEd25519, 11); }
const Key& mallory() { return ht::key(ht::Alg::kP384, 10); }
const Key& release_key() { return ht::key(ht::Alg::kP256, 15); }
const Key& mfg_ca() { return ht::key(ht::Alg::kP256, 16); }
const Key& station_key() { return ht::key(ht::Alg::kP256, 17); }
const Key& device_ca() { return ht::key(ht::Alg::kP256, 18); }

RootSpec default_spec() {
  RootSpec spec;
  spec.custodians = {{"alice", {&alice()}}, {"bob", {&bob()}}, {"carol", {&carol()}}};
  return spec;
}

v1::TrustRoot make_root(const RootSpec& spec) {
  v1::TrustRoot root;
  root.set_version(spec.version);
  root.set_issued_unix(spec.issued);
  root.set_expires_unix(spec.expires);
  root.set_previous_digest(spec.previous_digest);
  Signers custodian_keys;
  for (const auto& c : spec.custodians) {
    auto* custodian = root.add_custodians();
    custodian->set_name(c.name);
    custodian->mutable_card()->set_label(c.name + "-card");
    for (const Key* k : c.keys) {
      custodian->add_key_ids(k->pub.key_id());
      custodian_keys.push_back(k);
    }
  }
  for (const Key* k : custodian_keys) add_key(root, *k);
  for (const Key* k : spec.release) add_key(root, *k);
  for (const Key* k : spec.manufacturing_ca) add_key(root, *k);
  add_role(root, v1::ROOT, spec.root_threshold, custodian_keys);
  add_role(root, v1::APPROVER, spec.approver_threshold, custodian_keys);
  add_role(root, v1::RELEASE, 1, spec.release);
  if (!spec.manufacturing_ca.empty())
    add_role(root, v1::MANUFACTURING_CA, 1, spec.manufacturing_ca);
  return root;
}

v1::Envelope sign(std::string_view type_name, const google::protobuf::MessageLite& message,
                  const Signers& signers) {
  const Bytes payload = verifier::deterministic_bytes(message);
  return ht::make_envelope(verifier::payload_type_of(type_name), as_chars(payload), signers);
}

v1::Envelope sign_root(const RootSpec& spec, const Signers& signers) {
  return sign("trust-root", make_root(spec), signers);
}

std::string payload_digest(const v1::Envelope& envelope) {
  auto digest = verifier::sha256(as_bytes(envelope.payload()));
  check(digest.has_value(), "sha256");
  return std::string(as_chars(digest->bytes()));
}

std::vector<v1::Envelope> make_chain(std::vector<RootSpec> specs,
                                     const std::vector<Signers>& signers) {
  std::vector<v1::Envelope> chain;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (i > 0) specs[i].previous_digest = payload_digest(chain.back());
    chain.push_back(sign_root(specs[i], signers.at(i)));
  }
  return chain;
}

v1::Revocation revocation(uint64_t trust_root_version) {
  v1::Revocation r;
  r.set_trust_root_version(trust_root_version);
  r.set_issued_unix(kNow - 100);
  r.set_reason("test");
  return r;
}

v1::KeyProvenance token_provenance() {
  v1::KeyProvenance p;
  p.set_local(true);
  p.set_never_extractable(true);
  p.set_always_sensitive(true);
  p.set_sensitive(true);
  p.set_extractable(false);
  return p;
}

v1::StationEnrollment enrollment(std::string station_id, const Key& station, const Key& ca) {
  v1::StationEnrollment e;
  e.set_station_id(std::move(station_id));
  *e.mutable_station_key() = station.pub.to_proto();
  *e.mutable_device_ca_key() = ca.pub.to_proto();
  *e.mutable_station_key_provenance() = token_provenance();
  *e.mutable_device_ca_key_provenance() = token_provenance();
  e.set_software_sha256(std::string(32, 'S'));
  e.set_config_sha256(std::string(32, 'C'));
  e.set_created_unix(kNow - kDay);
  return e;
}

Bytes make_certificate(const Key& subject, const Key& issuer, const CertSpec& spec) {
  ossl::X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242) == 1, "serial");
  check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) !=
            nullptr,
        "notBefore");
  check(
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)) != nullptr,
      "notAfter");
  auto set_cn = [](X509_NAME* name, const std::string& cn) {
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.data()),
                                     static_cast<int>(cn.size()), -1, 0) == 1,
          "CN");
  };
  set_cn(X509_get_subject_name(cert.get()), spec.cn);
  set_cn(X509_get_issuer_name(cert.get()), "Hallmark manufacturing CA");
  check(X509_set_pubkey(cert.get(), subject.priv.get()) == 1, "pubkey");
  add_extensions(cert.get(), spec);
  sign_certificate(cert.get(), issuer, spec.pss_salt);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  check(len > 0, "i2d_X509");
  ossl::OpensslPtr<unsigned char> owned(der);
  const auto* first = reinterpret_cast<const std::byte*>(der);
  return Bytes(first, first + len);
}

v1::StationRegistration registration(const v1::StationEnrollment& e, const Bytes& certificate_der) {
  v1::StationRegistration r;
  r.set_station_id(e.station_id());
  const Bytes payload = verifier::deterministic_bytes(e);
  r.set_enrollment_payload(std::string(as_chars(payload)));
  r.set_trust_root_version(1);
  r.set_device_ca_certificate_der(std::string(as_chars(certificate_der)));
  r.set_registered_unix(kNow - kDay);
  r.set_expires_unix(kNow + kYear);
  return r;
}

}  // namespace hallmark::trust_testing
