#include "verifier/core/public_key.h"

#include <algorithm>
#include <array>
#include <mutex>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "verifier/core/digest_algorithms.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/sha256.h"

namespace hallmark::verifier {

namespace {

constexpr std::size_t kMaxSpkiBytes = 16 * 1024;
constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr int kRsaBits = 3072;
constexpr int kPssSaltBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

// Which Hallmark algorithm a decoded key belongs to; refuses everything else.
Result<v1::KeyAlgorithm> classify(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519") == 1) return v1::ED25519;
  if (EVP_PKEY_is_a(pkey, "RSA") == 1) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits != kRsaBits) {
      return fail(ErrorCode::kPolicyRefused,
                  "RSA key of " + std::to_string(bits) +
                      " bits refused: Hallmark accepts RSA keys of exactly 3072 bits "
                      "(RSA-PSS-3072-SHA256); use a 3072-bit RSA, P-256, P-384 or Ed25519 key");
    }
    return v1::RSA_PSS_3072_SHA256;
  }
  if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, group.data(), group.size(), &len) != 1) {
      return ossl::fail(ErrorCode::kPolicyRefused,
                        "EC key with explicit or unknown curve parameters refused: use a "
                        "named curve (P-256 or P-384)");
    }
    const std::string_view name(group.data(), len);
    if (name == "prime256v1" || name == "P-256") return v1::ECDSA_P256_SHA256;
    if (name == "secp384r1" || name == "P-384") return v1::ECDSA_P384_SHA384;
    return fail(ErrorCode::kPolicyRefused,
                "EC key on curve " + std::string(name) +
                    " refused: Hallmark accepts P-256 and P-384 only");
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return fail(ErrorCode::kPolicyRefused,
              std::string("key type ") + (type != nullptr ? type : "(unknown)") +
                  " refused: Hallmark accepts ECDSA P-256, ECDSA P-384, RSA-3072 and Ed25519");
}

// P-256 and P-384 have prime order (cofactor 1): a point on the curve, in range and not at
// infinity has the group's order, so the quick check is the whole check (the full one adds
// a scalar multiplication by the order, ten times the cost, to prove the same).
Result<void> check_ec_point(EVP_PKEY* pkey) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return ossl::fail(ErrorCode::kInternal, "cannot check the EC public key");
  if (EVP_PKEY_public_check_quick(ctx.get()) != 1) {
    return ossl::fail(ErrorCode::kUsage, "EC public key is not a valid point on its curve");
  }
  // One key, one key id: always encode the point uncompressed.
  if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     "uncompressed") != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot normalise the EC point encoding");
  }
  return {};
}

Result<Bytes> encode_spki(EVP_PKEY* pkey) {
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(pkey, &out);
  if (len <= 0 || out == nullptr) {
    return ossl::fail(ErrorCode::kInternal, "cannot encode the public key as DER");
  }
  ossl::OpensslPtr<unsigned char> owned(out);
  const auto* first = reinterpret_cast<const std::byte*>(out);
  return Bytes(first, first + len);
}

// A P-256 SubjectPublicKeyInfo with an uncompressed point (RFC 5480) is these 26 bytes,
// then 0x04 || X || Y: the form every Hallmark key and device key has.
constexpr std::array<unsigned char, 26> kP256SpkiPrefix{
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
constexpr std::size_t kP256SpkiBytes = kP256SpkiPrefix.size() + 65;

// The key of a P-256 SPKI in that exact form, built from the point alone (OpenSSL 3's
// generic DER decoder costs ten times more); null for any other input, which then takes
// the generic path. Input in this form is already its own canonical encoding: the import
// refuses coordinates out of range and points off the curve.
ossl::PkeyPtr p256_from_spki(ByteView der) {
  if (der.size() != kP256SpkiBytes ||
      !std::equal(kP256SpkiPrefix.begin(), kP256SpkiPrefix.end(), uchars(der)) ||
      uchars(der)[kP256SpkiPrefix.size()] != 0x04) {
    return ossl::PkeyPtr(nullptr);
  }
  // On any failure the generic path decides, and reports what is wrong.
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    ERR_clear_error();
    return ossl::PkeyPtr(nullptr);
  }
  std::array<char, 11> group{"prime256v1"};
  std::array<unsigned char, 65> point{};
  std::copy_n(uchars(der) + kP256SpkiPrefix.size(), point.size(), point.begin());
  std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.data()) != 1) {
    ERR_clear_error();
    return ossl::PkeyPtr(nullptr);
  }
  return ossl::PkeyPtr(pkey);
}

const EVP_MD* digest_for(v1::KeyAlgorithm alg) {
  switch (alg) {
    case v1::ECDSA_P256_SHA256:
    case v1::RSA_PSS_3072_SHA256: return ossl::sha256_md();
    case v1::ECDSA_P384_SHA384: return ossl::sha384_md();
    default: return nullptr;  // Ed25519 hashes internally
  }
}

}  // namespace

namespace {

// For the algorithms that sign a digest: a verify context with the key's digest and PSS
// parameters, set up once and duplicated per signature (setting one up fetches the
// signature implementation and its digests again each time). Null when the set-up
// failed; each use then sets up its own and reports why.
struct PreparedVerifier {
  std::once_flag once;
  ossl::PkeyCtxPtr ctx;
};

}  // namespace

struct PublicKey::State {
  ossl::PkeyPtr pkey;
  v1::KeyAlgorithm algorithm = v1::KEY_ALGORITHM_UNSPECIFIED;
  Bytes spki_der;
  std::string key_id;
  mutable PreparedVerifier verifier;  // set up on first use
};

PublicKey::PublicKey(std::shared_ptr<const State> state) noexcept : state_(std::move(state)) {}

Result<PublicKey> PublicKey::from_spki_der(ByteView der) {
  if (der.empty()) return fail(ErrorCode::kUsage, "public key is empty");
  if (der.size() > kMaxSpkiBytes) {
    return fail(ErrorCode::kUsage, "public key is too large (" + std::to_string(der.size()) +
                                       " bytes) to be a SubjectPublicKeyInfo");
  }
  ossl::PkeyPtr pkey = p256_from_spki(der);
  const bool canonical_form = pkey != nullptr;
  if (!pkey) {
    const unsigned char* p = uchars(der);
    pkey.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    if (!pkey) {
      return ossl::fail(ErrorCode::kUsage, "not a DER SubjectPublicKeyInfo public key");
    }
    if (p != uchars(der) + der.size()) {
      return fail(ErrorCode::kUsage, "public key has trailing bytes after its DER encoding");
    }
  }
  auto alg = classify(pkey.get());
  if (!alg) return std::unexpected(std::move(alg).error());
  if (*alg == v1::ECDSA_P256_SHA256 || *alg == v1::ECDSA_P384_SHA384) {
    if (auto ok = check_ec_point(pkey.get()); !ok) return std::unexpected(std::move(ok).error());
  }
  auto canonical = canonical_form ? Result<Bytes>(Bytes(der.begin(), der.end())) : encode_spki(pkey.get());
  if (!canonical) return std::unexpected(std::move(canonical).error());
  auto digest = sha256(*canonical);
  if (!digest) return std::unexpected(std::move(digest).error());

  auto state = std::make_shared<State>();
  state->pkey = std::move(pkey);
  state->algorithm = *alg;
  state->spki_der = std::move(*canonical);
  state->key_id = digest->hex();
  return PublicKey(std::move(state));
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) {
    return fail(ErrorCode::kUsage, "PEM input is too large to be a public key");
  }
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    return fail(ErrorCode::kUsage,
                "this is a private key; give the public key instead "
                "(openssl pkey -in KEY -pubout)");
  }
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::fail(ErrorCode::kInternal, "cannot allocate a memory BIO");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  const int ok = PEM_read_bio(bio.get(), &name, &header, &data, &len);
  ossl::OpensslPtr<char> owned_name(name);
  ossl::OpensslPtr<char> owned_header(header);
  ossl::OpensslPtr<unsigned char> owned_data(data);
  if (ok != 1) return ossl::fail(ErrorCode::kUsage, "no PEM block found");
  const std::string_view label(name);
  if (label == "RSA PUBLIC KEY") {
    return fail(ErrorCode::kUsage,
                "PKCS#1 \"RSA PUBLIC KEY\" given; convert it to a \"PUBLIC KEY\" "
                "(openssl pkey -pubin -in KEY -pubout)");
  }
  if (label != "PUBLIC KEY") {
    return fail(ErrorCode::kUsage,
                "PEM block is \"" + std::string(label) + "\", expected \"PUBLIC KEY\"");
  }
  if (header != nullptr && header[0] != '\0') {
    return fail(ErrorCode::kUsage, "PEM public key must not carry headers");
  }
  const auto* first = reinterpret_cast<const std::byte*>(data);
  return from_spki_der(ByteView(first, static_cast<std::size_t>(len)));
}

Result<PublicKey> PublicKey::from_proto(const v1::PublicKey& proto) {
  auto key = from_spki_der(as_bytes(proto.spki_der()));
  if (!key) return key;
  if (!proto.key_id().empty() && proto.key_id() != key->key_id()) {
    return fail(ErrorCode::kUsage, "public key says key id " + proto.key_id() +
                                       " but its SubjectPublicKeyInfo hashes to " +
                                       key->key_id());
  }
  if (proto.algorithm() != v1::KEY_ALGORITHM_UNSPECIFIED &&
      proto.algorithm() != key->algorithm()) {
    return fail(ErrorCode::kUsage, "public key " + key->key_id() + " claims algorithm " +
                                       v1::KeyAlgorithm_Name(proto.algorithm()) + " but is " +
                                       v1::KeyAlgorithm_Name(key->algorithm()));
  }
  return key;
}

v1::KeyAlgorithm PublicKey::algorithm() const noexcept { return state_->algorithm; }
const Bytes& PublicKey::spki_der() const noexcept { return state_->spki_der; }
const std::string& PublicKey::key_id() const noexcept { return state_->key_id; }

std::string PublicKey::to_pem() const {
  const auto& der = state_->spki_der;
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), uchars(der),
                                static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string out = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64);
    out += '\n';
  }
  out += "-----END PUBLIC KEY-----\n";
  return out;
}

v1::PublicKey PublicKey::to_proto() const {
  v1::PublicKey p;
  p.set_key_id(state_->key_id);
  p.set_algorithm(state_->algorithm);
  p.set_spki_der(std::string(as_chars(state_->spki_der)));
  return p;
}

namespace {

// A context ready for EVP_PKEY_verify over a digest made with digest_for(algorithm).
ossl::PkeyCtxPtr new_verify_context(EVP_PKEY* pkey, v1::KeyAlgorithm algorithm) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), digest_for(algorithm)) != 1) {
    return nullptr;
  }
  if (algorithm == v1::RSA_PSS_3072_SHA256 &&
      (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), ossl::sha256_md()) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), kPssSaltBytes) != 1)) {
    return nullptr;
  }
  return ctx;
}

// The message's digest with the algorithm's hash (SHA-256 or SHA-384).
Result<Bytes> digest_message(v1::KeyAlgorithm algorithm, ByteView message) {
  const EVP_MD* md = digest_for(algorithm);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (md == nullptr ||
      EVP_Digest(message.data(), message.size(), out.data(), &len, md, nullptr) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot hash the signed message");
  }
  const auto* first = reinterpret_cast<const std::byte*>(out.data());
  return Bytes(first, first + len);
}

// Ed25519 is pure (it hashes the message itself): one EVP_DigestVerify per signature.
Result<void> verify_ed25519(EVP_PKEY* pkey, const std::string& key_id, ByteView message,
                            ByteView signature, const std::string& what) {
  ossl::MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) return ossl::fail(ErrorCode::kInternal, "cannot allocate a digest context");
  if (EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, pkey) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot start verification with key " + key_id);
  }
  const int rc = EVP_DigestVerify(md.get(), uchars(signature), signature.size(),
                                  uchars(message), message.size());
  if (rc != 1) return ossl::fail(ErrorCode::kVerificationFailed, what);
  ossl::take_error_reason();  // leave the queue clean even on success
  return {};
}

// EVP_PKEY_verify of `digest` (already hashed with the algorithm's hash) on a copy of the
// key's prepared context; `what` is the message of a signature that does not verify.
Result<void> verify_prepared(EVP_PKEY* pkey, v1::KeyAlgorithm algorithm,
                             const std::string& key_id, PreparedVerifier& prepared,
                             ByteView digest, ByteView signature, const std::string& what) {
  std::call_once(prepared.once, [&] {
    prepared.ctx = new_verify_context(pkey, algorithm);
    ERR_clear_error();  // a failed set-up is reported by the use below
  });
  ossl::PkeyCtxPtr ctx = prepared.ctx ? ossl::PkeyCtxPtr(EVP_PKEY_CTX_dup(prepared.ctx.get()))
                                      : new_verify_context(pkey, algorithm);
  if (!ctx) return ossl::fail(ErrorCode::kInternal, "cannot start verification with key " + key_id);
  const int rc = EVP_PKEY_verify(ctx.get(), uchars(signature), signature.size(),
                                 uchars(digest), digest.size());
  if (rc != 1) return ossl::fail(ErrorCode::kVerificationFailed, what);
  ossl::take_error_reason();  // leave the queue clean even on success
  return {};
}

}  // namespace

// Hashing and then verifying the digest is what EVP_DigestVerify does inside the provider
// for ECDSA and RSA-PSS (the same final check, the same errors); done here, the hash uses
// the digest fetched once and the context is a copy of the key's prepared one.
Result<void> PublicKey::verify(ByteView message, ByteView signature) const {
  const std::string what = "signature does not verify with key " + state_->key_id;
  if (signature.empty()) return fail(ErrorCode::kVerificationFailed, what + " (empty)");
  if (state_->algorithm == v1::ED25519) {
    if (signature.size() != kEd25519SignatureBytes) {
      return fail(ErrorCode::kVerificationFailed,
                  what + " (an Ed25519 signature is 64 bytes, got " +
                      std::to_string(signature.size()) + ")");
    }
    return verify_ed25519(state_->pkey.get(), state_->key_id, message, signature, what);
  }
  auto digest = digest_message(state_->algorithm, message);
  if (!digest) return std::unexpected(std::move(digest).error());
  return verify_prepared(state_->pkey.get(), state_->algorithm, state_->key_id, state_->verifier,
                         *digest, signature, what);
}

Result<void> PublicKey::verify_digest(const Digest& sha256_digest, ByteView signature) const {
  const auto alg = state_->algorithm;
  if (alg != v1::ECDSA_P256_SHA256 && alg != v1::RSA_PSS_3072_SHA256) {
    return fail(ErrorCode::kUsage, "key " + state_->key_id + " is " +
                                       v1::KeyAlgorithm_Name(alg) +
                                       ", which does not sign a SHA-256 digest; verify the "
                                       "whole message instead");
  }
  const std::string what = "signature does not verify with key " + state_->key_id;
  if (signature.empty()) return fail(ErrorCode::kVerificationFailed, what + " (empty)");
  return verify_prepared(state_->pkey.get(), alg, state_->key_id, state_->verifier,
                         sha256_digest.bytes(), signature, what);
}

Result<Bytes> ecdsa_raw_to_der(ByteView r_concat_s) {
  if (r_concat_s.empty() || r_concat_s.size() % 2 != 0 || r_concat_s.size() > 2 * 66) {
    return fail(ErrorCode::kUsage, "raw ECDSA signature must be r||s of equal, non-zero "
                                   "lengths (got " + std::to_string(r_concat_s.size()) +
                                       " bytes)");
  }
  const int half = static_cast<int>(r_concat_s.size() / 2);
  const unsigned char* raw = uchars(r_concat_s);
  ossl::BignumPtr r(BN_bin2bn(raw, half, nullptr));
  ossl::BignumPtr s(BN_bin2bn(raw + half, half, nullptr));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return ossl::fail(ErrorCode::kInternal, "out of memory");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot build an ECDSA signature");
  }
  (void)r.release();  // now owned by sig
  (void)s.release();
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &out);
  if (len <= 0 || out == nullptr) {
    return ossl::fail(ErrorCode::kInternal, "cannot DER-encode the ECDSA signature");
  }
  ossl::OpensslPtr<unsigned char> owned(out);
  const auto* first = reinterpret_cast<const std::byte*>(out);
  return Bytes(first, first + len);
}

}  // namespace hallmark::verifier
