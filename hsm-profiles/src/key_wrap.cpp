#include "hsm-profiles/src/key_wrap.h"

#include <utility>

#include <fmt/format.h>

#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"

namespace hallmark::hsm {
namespace {

// The uncompressed point (EC) or the 32 key bytes (Ed25519) end a canonical SPKI (its
// BIT STRING is the last element); public_key_from_ec() checks the result gives `key` back.
std::size_t point_size(v1::KeyAlgorithm algorithm) {
  switch (algorithm) {
    case v1::ECDSA_P256_SHA256: return 65;
    case v1::ECDSA_P384_SHA384: return 97;
    case v1::ED25519: return 32;
    default: return 0;
  }
}

}  // namespace

Result<WrappingKey> WrappingKey::create(Session& session, ByteView kek, Use use) {
  if (kek.size() != kKekBytes) {
    return fail(ErrorCode::kInternal, "a key-encryption key is 32 bytes (AES-256)");
  }
  const bool wrap = use == Use::kWrapTrusted;
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_ENCRYPT, false)
      .add_bool(CKA_DECRYPT, false)
      .add_bool(CKA_SIGN, false)
      .add_bool(CKA_VERIFY, false)
      .add_bool(CKA_DERIVE, false)
      .add_bool(CKA_WRAP, wrap)
      .add_bool(CKA_UNWRAP, !wrap)
      .add_text(CKA_LABEL, "hallmark-backup-kek")
      .add_bytes(CKA_VALUE, kek);
  if (wrap) t.add_bool(CKA_TRUSTED, true);
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  const CK_RV rv =
      session.functions()->C_CreateObject(session.handle(), t.data(), t.size(), &handle);
  if (rv != CKR_OK) {
    std::string what = "making the backup's key-encryption key";
    if (wrap && rv == CKR_ATTRIBUTE_READ_ONLY) {
      what += ": only the token's security officer may mark a wrapping key trusted (log in "
              "with the SO PIN)";
    }
    return std::unexpected(session.error(rv, what));
  }
  return WrappingKey(session, handle);
}

WrappingKey::~WrappingKey() {
  if (handle_ != CK_INVALID_HANDLE) {
    session_->functions()->C_DestroyObject(session_->handle(), handle_);
  }
}

WrappingKey::WrappingKey(WrappingKey&& other) noexcept
    : session_(other.session_), handle_(std::exchange(other.handle_, CK_INVALID_HANDLE)) {}

Result<Bytes> wrap_key(Session& session, const WrappingKey& kek, CK_OBJECT_HANDLE key,
                       std::string_view what) {
  CK_MECHANISM mechanism{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  CK_ULONG size = 0;
  CK_FUNCTION_LIST* f = session.functions();
  CK_RV rv = f->C_WrapKey(session.handle(), &mechanism, kek.handle(), key, nullptr, &size);
  Bytes out;
  if (rv == CKR_OK) {
    out.resize(size);
    rv = f->C_WrapKey(session.handle(), &mechanism, kek.handle(), key,
                      reinterpret_cast<CK_BYTE_PTR>(out.data()), &size);
    out.resize(size);
  }
  if (rv != CKR_OK) {
    std::string text = fmt::format("wrapping {}", what);
    if (rv == CKR_KEY_UNEXTRACTABLE || rv == CKR_KEY_NOT_WRAPPABLE) {
      text += ": the token refuses to let this key out (it was generated never extractable: "
              "a plan backs a key up only when its entry says backup: true)";
    }
    return std::unexpected(session.error(rv, text));
  }
  return out;
}

CreatedObjects::~CreatedObjects() {
  for (CK_OBJECT_HANDLE handle : handles_) {
    session_->functions()->C_DestroyObject(session_->handle(), handle);
  }
}

Result<CK_OBJECT_HANDLE> unwrap_private_key(Session& session, const WrappingKey& kek,
                                            ByteView wrapped, const KeySpec& spec, ByteView id,
                                            CreatedObjects& created) {
  auto t = private_key_template(spec, id);
  if (!t) return fail(ErrorCode::kUsage, "no template for this key algorithm");
  t->add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, spec.algorithm == v1::RSA_PSS_3072_SHA256 ? CKK_RSA
                               : spec.algorithm == v1::ED25519           ? CKK_EC_EDWARDS
                                                                         : CKK_EC);
  CK_MECHANISM mechanism{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  Bytes copy(wrapped.begin(), wrapped.end());
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  const CK_RV rv = session.functions()->C_UnwrapKey(
      session.handle(), &mechanism, kek.handle(), reinterpret_cast<CK_BYTE_PTR>(copy.data()),
      static_cast<CK_ULONG>(copy.size()), t->data(), t->size(), &handle);
  if (rv != CKR_OK) {
    return std::unexpected(session.error(rv, fmt::format("unwrapping key '{}'", spec.label)));
  }
  created.add(handle);
  return handle;
}

Result<CK_OBJECT_HANDLE> create_public_key(Session& session, const verifier::PublicKey& key,
                                           std::string_view label, ByteView id,
                                           CreatedObjects& created) {
  const std::size_t n = point_size(key.algorithm());
  const Bytes& spki = key.spki_der();
  if (n == 0 || spki.size() <= n) {
    return fail(ErrorCode::kUsage,
                fmt::format("key {}: only EC and Ed25519 keys are restored", key.key_id()));
  }
  Bytes point;
  point.push_back(std::byte{0x04});  // DER OCTET STRING, as tokens return CKA_EC_POINT
  point.push_back(static_cast<std::byte>(n));
  point.insert(point.end(), spki.end() - static_cast<std::ptrdiff_t>(n), spki.end());
  const ByteView params = ec_params_for(key.algorithm());
  auto rebuilt = public_key_from_ec(params, point);
  if (!rebuilt || rebuilt->key_id() != key.key_id()) {
    return fail(ErrorCode::kInternal,
                fmt::format("key {}: its public point could not be taken from its SPKI",
                            key.key_id()));
  }
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, key.algorithm() == v1::ED25519 ? CKK_EC_EDWARDS : CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_VERIFY, true)
      .add_bool(CKA_ENCRYPT, false)
      .add_bool(CKA_WRAP, false)
      .add_bool(CKA_DERIVE, false)
      .add_text(CKA_LABEL, label)
      .add_bytes(CKA_ID, id)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_EC_POINT, point);
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  const CK_RV rv =
      session.functions()->C_CreateObject(session.handle(), t.data(), t.size(), &handle);
  if (rv != CKR_OK) {
    return std::unexpected(
        session.error(rv, fmt::format("creating the public half of key '{}'", label)));
  }
  created.add(handle);
  return handle;
}

}  // namespace hallmark::hsm
