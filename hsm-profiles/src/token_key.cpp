#include "hsm-profiles/src/token_key.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/spki.h"

namespace hallmark::hsm {
namespace {

std::string key_description(std::string_view label, ByteView id) {
  if (!label.empty()) return fmt::format("key '{}'", label);
  return fmt::format("key with id {}", to_hex(id));
}

// Absent provenance attributes read as false: a token that cannot say a key never left
// it does not get the benefit of the doubt.
Result<bool> flag(const Session& session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  auto value = read_bool(session, object, type);
  if (!value) return std::unexpected(value.error());
  return value->value_or(false);
}

Result<v1::KeyProvenance> read_provenance(const Session& session, CK_OBJECT_HANDLE key) {
  v1::KeyProvenance provenance;
  struct Field {
    CK_ATTRIBUTE_TYPE type;
    void (v1::KeyProvenance::*set)(bool);
  };
  static constexpr Field kFields[] = {
      {CKA_LOCAL, &v1::KeyProvenance::set_local},
      {CKA_NEVER_EXTRACTABLE, &v1::KeyProvenance::set_never_extractable},
      {CKA_ALWAYS_SENSITIVE, &v1::KeyProvenance::set_always_sensitive},
      {CKA_EXTRACTABLE, &v1::KeyProvenance::set_extractable},
      {CKA_SENSITIVE, &v1::KeyProvenance::set_sensitive},
      {CKA_ALWAYS_AUTHENTICATE, &v1::KeyProvenance::set_always_authenticate},
      {CKA_WRAP_WITH_TRUSTED, &v1::KeyProvenance::set_wrap_with_trusted},
  };
  for (const auto& field : kFields) {
    auto value = flag(session, key, field.type);
    if (!value) return std::unexpected(value.error());
    (provenance.*field.set)(*value);
  }
  return provenance;
}

// The public key object paired with `private_key`: same CKA_ID (and label, when the
// private key has one). Empty when there is none or the pairing is ambiguous.
Result<std::optional<CK_OBJECT_HANDLE>> paired_public_object(const Session& session,
                                                             std::string_view label,
                                                             ByteView id) {
  if (id.empty() && label.empty()) return std::optional<CK_OBJECT_HANDLE>();
  AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  if (!id.empty()) match.add_bytes(CKA_ID, id);
  if (!label.empty()) match.add_text(CKA_LABEL, label);
  auto found = find_objects(session, match, 2);
  if (!found) return std::unexpected(found.error());
  if (found->size() != 1) return std::optional<CK_OBJECT_HANDLE>();
  return std::optional<CK_OBJECT_HANDLE>(found->front());
}

Result<verifier::PublicKey> read_ec_public_key(const Session& session,
                                               CK_OBJECT_HANDLE private_key,
                                               std::optional<CK_OBJECT_HANDLE> public_object,
                                               std::string_view name) {
  if (public_object) {
    auto params = read_attribute(session, *public_object, CKA_EC_PARAMS);
    if (!params) return std::unexpected(params.error().context(std::string(name)));
    auto point = read_attribute(session, *public_object, CKA_EC_POINT);
    if (!point) return std::unexpected(point.error().context(std::string(name)));
    auto key = public_key_from_ec(*params, *point);
    if (!key) return std::unexpected(key.error().context(std::string(name)));
    return key;
  }
  // PKCS#11 3.0 tokens may carry the SubjectPublicKeyInfo on the private key itself.
  auto info = read_optional_attribute(session, private_key, CKA_PUBLIC_KEY_INFO);
  if (!info) return std::unexpected(info.error());
  if (*info && !(*info)->empty()) {
    auto key = verifier::PublicKey::from_spki_der(**info);
    if (!key) return std::unexpected(key.error().context(std::string(name)));
    return key;
  }
  return fail(ErrorCode::kToken,
              fmt::format("{} has no public key object with the same CKA_ID on the token: "
                          "import its public key with that id, or generate a new key",
                          name));
}

Result<verifier::PublicKey> read_rsa_public_key(const Session& session,
                                                CK_OBJECT_HANDLE private_key,
                                                std::optional<CK_OBJECT_HANDLE> public_object,
                                                std::string_view name) {
  const CK_OBJECT_HANDLE source = public_object.value_or(private_key);
  auto modulus = read_attribute(session, source, CKA_MODULUS);
  if (!modulus) return std::unexpected(modulus.error().context(std::string(name)));
  auto exponent = read_attribute(session, source, CKA_PUBLIC_EXPONENT);
  if (!exponent) return std::unexpected(exponent.error().context(std::string(name)));
  auto key = public_key_from_rsa(*modulus, *exponent);
  if (!key) return std::unexpected(key.error().context(std::string(name)));
  return key;
}

}  // namespace

TokenKey::TokenKey(CK_OBJECT_HANDLE handle, std::string label, Bytes id,
                   verifier::PublicKey public_key, v1::KeyProvenance provenance,
                   v1::TokenInfo token)
    : handle_(handle),
      label_(std::move(label)),
      id_(std::move(id)),
      public_key_(std::move(public_key)),
      provenance_(std::move(provenance)),
      token_(std::move(token)) {}

Result<TokenKey> TokenKey::find(const Session& session, const TokenUri& uri) {
  if (!uri.object_label && !uri.object_id) {
    return fail(ErrorCode::kUsage,
                fmt::format("URI {} names no key: add object=<label> or id=<%xx bytes>",
                            uri.text));
  }
  if (uri.object_class && *uri.object_class != CKO_PRIVATE_KEY) {
    return fail(ErrorCode::kUsage,
                fmt::format("URI {} names a non-private object: use type=private or leave "
                            "type out",
                            uri.text));
  }
  AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  if (uri.object_label) match.add_text(CKA_LABEL, *uri.object_label);
  if (uri.object_id) match.add_bytes(CKA_ID, *uri.object_id);
  auto found = find_objects(session, match, 8);
  if (!found) return std::unexpected(found.error());

  if (found->empty()) {
    auto error = Error{ErrorCode::kToken,
                       fmt::format("{} not found on token '{}'", uri.key_name(),
                                   session.token_label()),
                       0,
                       {}};
    if (!session.logged_in()) {
      error.message += " (not logged in: private keys are only visible after login)";
    }
    return std::unexpected(std::move(error));
  }
  if (found->size() > 1) {
    return fail(ErrorCode::kToken,
                fmt::format("{} private keys match {} on token '{}': add id= to the URI",
                            found->size(), uri.key_name(), session.token_label()));
  }
  return from_handle(session, found->front());
}

Result<TokenKey> TokenKey::from_handle(const Session& session, CK_OBJECT_HANDLE private_key) {
  auto label_bytes = read_optional_attribute(session, private_key, CKA_LABEL);
  if (!label_bytes) return std::unexpected(label_bytes.error());
  auto id = read_optional_attribute(session, private_key, CKA_ID);
  if (!id) return std::unexpected(id.error());
  std::string label(*label_bytes ? as_chars(**label_bytes) : std::string_view());
  Bytes ckaid = id->value_or(Bytes{});
  const std::string name = fmt::format("{} on token '{}'", key_description(label, ckaid),
                                       session.token_label());

  auto key_type = read_ulong(session, private_key, CKA_KEY_TYPE);
  if (!key_type) return std::unexpected(key_type.error());
  auto public_object = paired_public_object(session, label, ckaid);
  if (!public_object) return std::unexpected(public_object.error());

  Result<verifier::PublicKey> public_key = fail(ErrorCode::kInternal, "unset");
  switch (key_type->value_or(CK_UNAVAILABLE_INFORMATION)) {
    case CKK_EC:
    case CKK_EC_EDWARDS:
      public_key = read_ec_public_key(session, private_key, *public_object, name);
      break;
    case CKK_RSA:
      public_key = read_rsa_public_key(session, private_key, *public_object, name);
      break;
    default:
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("{} has a key type Hallmark does not use (CKA_KEY_TYPE 0x{:x}): "
                              "use P-256, P-384, RSA-3072 or Ed25519",
                              name, key_type->value_or(0)));
  }
  if (!public_key) return std::unexpected(public_key.error());
  const bool edwards = *key_type == CKK_EC_EDWARDS;
  if (edwards != (public_key->algorithm() == v1::ED25519)) {
    return fail(ErrorCode::kToken,
                fmt::format("{}: key type and curve disagree (CKA_KEY_TYPE 0x{:x})", name,
                            key_type->value_or(0)));
  }

  auto provenance = read_provenance(session, private_key);
  if (!provenance) return std::unexpected(provenance.error());
  auto token = session.token_info();
  if (!token) return std::unexpected(token.error());
  return TokenKey(private_key, std::move(label), std::move(ckaid), std::move(*public_key),
                  std::move(*provenance), std::move(*token));
}

std::string TokenKey::uri() const { return format_key_uri(token_, label_, id_); }

std::string TokenKey::name() const {
  return fmt::format("{} on token '{}'", key_description(label_, id_), token_.label());
}

v1::TokenKey TokenKey::to_proto() const {
  v1::TokenKey out;
  out.set_uri(uri());
  out.set_label(label_);
  out.set_ckaid(std::string(as_chars(id_)));
  *out.mutable_public_key() = public_key_.to_proto();
  *out.mutable_provenance() = provenance_;
  *out.mutable_token() = token_;
  return out;
}

Result<verifier::PublicKey> read_public_key_object(const Session& session,
                                                   std::string_view label) {
  const std::string name = fmt::format("public key '{}' on token '{}'", label, session.token_label());
  auto object = paired_public_object(session, label, {});
  if (!object) return std::unexpected(object.error());
  if (!*object) return fail(ErrorCode::kToken, name + " not found (or not unique)");
  auto key_type = read_ulong(session, **object, CKA_KEY_TYPE);
  if (!key_type) return std::unexpected(key_type.error());
  switch (key_type->value_or(CK_UNAVAILABLE_INFORMATION)) {
    case CKK_EC:
    case CKK_EC_EDWARDS:
      return read_ec_public_key(session, **object, *object, name);
    case CKK_RSA:
      return read_rsa_public_key(session, **object, *object, name);
    default:
      return fail(ErrorCode::kToken, name + " is of a key type Hallmark does not use");
  }
}

}  // namespace hallmark::hsm
