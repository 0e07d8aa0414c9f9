#include "hsm-profiles/src/keygen.h"

#include <array>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"

namespace hallmark::hsm {
namespace {

constexpr std::size_t kDefaultIdBytes = 16;
constexpr CK_ULONG kRsaBits = 3072;
constexpr std::array kRsaExponent{std::byte{0x01}, std::byte{0x00}, std::byte{0x01}};

std::string_view algorithm_name(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256: return "ECDSA P-256";
    case v1::ECDSA_P384_SHA384: return "ECDSA P-384";
    case v1::RSA_PSS_3072_SHA256: return "RSA-3072";
    case v1::ED25519: return "Ed25519";
    default: return "unknown";
  }
}

// Optional because CKM_RSA_PKCS_KEY_PAIR_GEN is 0.
std::optional<CK_MECHANISM_TYPE> generation_mechanism(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256:
    case v1::ECDSA_P384_SHA384: return CKM_EC_KEY_PAIR_GEN;
    case v1::RSA_PSS_3072_SHA256: return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case v1::ED25519: return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    default: return std::nullopt;
  }
}

Result<void> refuse_existing_label(const Session& session, const std::string& label) {
  AttributeTemplate match;
  match.add_text(CKA_LABEL, label);
  auto found = find_objects(session, match, 1);
  if (!found) return std::unexpected(found.error());
  if (!found->empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("token '{}' already has an object labelled '{}': choose another "
                            "label (Hallmark never reuses or overwrites a key label)",
                            session.token_label(), label));
  }
  return {};
}

}  // namespace

std::optional<CK_MECHANISM_TYPE> signing_mechanism(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256:
    case v1::ECDSA_P384_SHA384: return CKM_ECDSA;
    case v1::RSA_PSS_3072_SHA256: return CKM_RSA_PKCS_PSS;
    case v1::ED25519: return CKM_EDDSA;
    default: return std::nullopt;
  }
}

std::optional<AttributeTemplate> private_key_template(const KeySpec& spec, ByteView id) {
  const auto sign = signing_mechanism(spec.algorithm);
  if (!sign) return std::nullopt;
  const std::array<CK_ULONG, 1> allowed{*sign};
  AttributeTemplate private_template;
  private_template.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_UNWRAP, false)
      .add_bool(CKA_DERIVE, false)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, spec.backup)
      .add_ulongs(CKA_ALLOWED_MECHANISMS, allowed)
      .add_text(CKA_LABEL, spec.label)
      .add_bytes(CKA_ID, id);
  if (spec.always_authenticate) private_template.add_bool(CKA_ALWAYS_AUTHENTICATE, true);
  if (spec.backup) private_template.add_bool(CKA_WRAP_WITH_TRUSTED, true);
  if (!spec.token_sets_encrypt_decrypt) private_template.add_bool(CKA_DECRYPT, false);
  return private_template;
}

Result<TokenKey> generate_key(Session& session, const KeySpec& spec) {
  const auto generate = generation_mechanism(spec.algorithm);
  const auto sign = signing_mechanism(spec.algorithm);
  if (!generate || !sign) {
    return fail(ErrorCode::kUsage, "choose a key algorithm: P-256, P-384, RSA-3072 or Ed25519");
  }
  if (spec.label.empty()) {
    return fail(ErrorCode::kUsage, "a new key needs a label (CKA_LABEL)");
  }
  if (auto unique = refuse_existing_label(session, spec.label); !unique) {
    return std::unexpected(unique.error());
  }

  Bytes id = spec.id;
  if (id.empty()) {
    id.resize(kDefaultIdBytes);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size())) !=
        1) {
      return fail(ErrorCode::kInternal, "no randomness for the key id");
    }
  }

  AttributeTemplate public_template;
  public_template.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_VERIFY, true)
      .add_bool(CKA_WRAP, false)
      .add_bool(CKA_DERIVE, false)
      .add_text(CKA_LABEL, spec.label)
      .add_bytes(CKA_ID, id);
  if (spec.algorithm == v1::RSA_PSS_3072_SHA256) {
    public_template.add_ulong(CKA_MODULUS_BITS, kRsaBits)
        .add_bytes(CKA_PUBLIC_EXPONENT, kRsaExponent);
  } else {
    public_template.add_bytes(CKA_EC_PARAMS, ec_params_for(spec.algorithm));
  }

  auto private_template = private_key_template(spec, id);
  if (!private_template) return fail(ErrorCode::kUsage, "no template for this key algorithm");
  if (!spec.token_sets_encrypt_decrypt) public_template.add_bool(CKA_ENCRYPT, false);

  CK_MECHANISM mechanism{*generate, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_RV rv = session.functions()->C_GenerateKeyPair(
      session.handle(), &mechanism, public_template.data(), public_template.size(),
      private_template->data(), private_template->size(), &public_key, &private_key);
  if (rv != CKR_OK) {
    auto what = fmt::format("generating {} key '{}' ({})", algorithm_name(spec.algorithm),
                            spec.label, ck_mechanism_name(*generate));
    if (rv == CKR_MECHANISM_INVALID) what += ": the token does not support this algorithm";
    if (rv == CKR_USER_NOT_LOGGED_IN) what += ": log in first";
    return std::unexpected(session.error(rv, what));
  }
  return TokenKey::from_handle(session, private_key);
}

}  // namespace hallmark::hsm
