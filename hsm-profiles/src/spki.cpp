#include "hsm-profiles/src/spki.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "verifier/core/openssl_handles.h"

namespace hallmark::hsm {
namespace {

constexpr std::array kP256Oid{std::byte{0x06}, std::byte{0x08}, std::byte{0x2a},
                              std::byte{0x86}, std::byte{0x48}, std::byte{0xce},
                              std::byte{0x3d}, std::byte{0x03}, std::byte{0x01},
                              std::byte{0x07}};
constexpr std::array kP384Oid{std::byte{0x06}, std::byte{0x05}, std::byte{0x2b},
                              std::byte{0x81}, std::byte{0x04}, std::byte{0x00},
                              std::byte{0x22}};
constexpr std::array kEd25519Oid{std::byte{0x06}, std::byte{0x03}, std::byte{0x2b},
                                 std::byte{0x65}, std::byte{0x70}};
// PrintableString "edwards25519", as SoftHSM and some older modules write it.
constexpr std::array kEd25519Name{
    std::byte{0x13}, std::byte{0x0c}, std::byte{'e'}, std::byte{'d'}, std::byte{'w'},
    std::byte{'a'},  std::byte{'r'},  std::byte{'d'}, std::byte{'s'}, std::byte{'2'},
    std::byte{'5'},  std::byte{'5'},  std::byte{'1'}, std::byte{'9'}};

bool equal(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

const unsigned char* uchars(ByteView b) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data());
}

struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// Point sizes a module may return: uncompressed (04 X Y) or compressed (02/03 X) for
// ECDSA, 32 bytes for Ed25519.
bool plausible_point_size(v1::KeyAlgorithm algorithm, std::size_t size) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256: return size == 65 || size == 33;
    case v1::ECDSA_P384_SHA384: return size == 97 || size == 49;
    case v1::ED25519: return size == 32;
    default: return false;
  }
}

// Content of a DER OCTET STRING spanning all of `der`, if it is one.
std::optional<ByteView> octet_string_content(ByteView der) {
  if (der.size() < 2 || der[0] != std::byte{0x04}) return std::nullopt;
  std::size_t length = std::to_integer<std::size_t>(der[1]);
  std::size_t header = 2;
  if (length == 0x81) {
    if (der.size() < 3) return std::nullopt;
    length = std::to_integer<std::size_t>(der[2]);
    header = 3;
  } else if (length > 0x80) {
    return std::nullopt;  // longer forms never hold a point
  }
  if (header + length != der.size()) return std::nullopt;
  return der.subspan(header);
}

Result<verifier::PublicKey> from_pkey(EVP_PKEY* pkey, std::string_view what) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(pkey, &der);
  if (size <= 0) return ossl::fail(ErrorCode::kInternal, fmt::format("cannot encode {}", what));
  ossl::OpensslPtr<unsigned char> owned(der);
  return verifier::PublicKey::from_spki_der(
      ByteView(reinterpret_cast<const std::byte*>(der), static_cast<std::size_t>(size)));
}

Result<verifier::PublicKey> from_params(const char* type, OSSL_PARAM_BLD* builder,
                                        std::string_view what) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ossl::fail(ErrorCode::kToken, fmt::format("the token's {} is not valid", what));
  }
  ossl::PkeyPtr pkey(raw);
  return from_pkey(pkey.get(), what);
}

}  // namespace

ByteView ec_params_for(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256: return kP256Oid;
    case v1::ECDSA_P384_SHA384: return kP384Oid;
    case v1::ED25519: return kEd25519Oid;
    default: return {};
  }
}

Result<v1::KeyAlgorithm> algorithm_from_ec_params(ByteView ec_params) {
  if (equal(ec_params, kP256Oid)) return v1::ECDSA_P256_SHA256;
  if (equal(ec_params, kP384Oid)) return v1::ECDSA_P384_SHA384;
  if (equal(ec_params, kEd25519Oid) || equal(ec_params, kEd25519Name)) return v1::ED25519;
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("key on an unsupported curve (CKA_EC_PARAMS {}): Hallmark uses "
                          "P-256, P-384 and Ed25519",
                          to_hex(ec_params)));
}

Result<Bytes> unwrap_ec_point(v1::KeyAlgorithm algorithm, ByteView ec_point) {
  // A raw point may start with 0x04 too; the sizes tell the two forms apart.
  if (auto content = octet_string_content(ec_point);
      content && plausible_point_size(algorithm, content->size())) {
    return Bytes(content->begin(), content->end());
  }
  if (plausible_point_size(algorithm, ec_point.size())) {
    return Bytes(ec_point.begin(), ec_point.end());
  }
  return fail(ErrorCode::kToken,
              fmt::format("the token's CKA_EC_POINT ({} bytes) is neither a DER OCTET STRING "
                          "nor a raw point for this curve",
                          ec_point.size()));
}

Result<verifier::PublicKey> public_key_from_ec(ByteView ec_params, ByteView ec_point) {
  auto algorithm = algorithm_from_ec_params(ec_params);
  if (!algorithm) return std::unexpected(algorithm.error());
  auto point = unwrap_ec_point(*algorithm, ec_point);
  if (!point) return std::unexpected(point.error());

  if (*algorithm == v1::ED25519) {
    ossl::PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, uchars(*point),
                                                   point->size()));
    if (!pkey) return ossl::fail(ErrorCode::kToken, "the token's Ed25519 public key is not valid");
    return from_pkey(pkey.get(), "Ed25519 public key");
  }
  const char* group = *algorithm == v1::ECDSA_P256_SHA256 ? "prime256v1" : "secp384r1";
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot build EC key parameters");
  }
  return from_params("EC", builder.get(), "EC public key");
}

Result<verifier::PublicKey> public_key_from_rsa(ByteView modulus, ByteView public_exponent) {
  ossl::BignumPtr n(BN_bin2bn(uchars(modulus), static_cast<int>(modulus.size()), nullptr));
  ossl::BignumPtr e(
      BN_bin2bn(uchars(public_exponent), static_cast<int>(public_exponent.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::fail(ErrorCode::kInternal, "cannot build RSA key parameters");
  }
  return from_params("RSA", builder.get(), "RSA public key");
}

}  // namespace hallmark::hsm
