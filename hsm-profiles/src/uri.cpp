#include "hsm-profiles/src/uri.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <p11-kit/uri.h>

namespace hallmark::hsm {
namespace {

struct UriDeleter {
  void operator()(P11KitUri* uri) const noexcept { p11_kit_uri_free(uri); }
};
using UriPtr = std::unique_ptr<P11KitUri, UriDeleter>;

// p11-kit leaves fields the URI did not mention zero-filled and space-pads the others.
std::optional<std::string> uri_field(const unsigned char* field, std::size_t size) {
  if (field[0] == 0) return std::nullopt;
  return padded_field(field, size);
}

bool field_matches(const std::optional<std::string>& wanted, const unsigned char* field,
                   std::size_t size) {
  return !wanted || *wanted == padded_field(field, size);
}

// Space-pads `value` into a fixed PKCS#11 text field; longer values are cut to fit.
void set_field(unsigned char* field, std::size_t size, std::string_view value) {
  std::memset(field, ' ', size);
  std::memcpy(field, value.data(), std::min(size, value.size()));
}

}  // namespace

Result<TokenUri> TokenUri::parse(std::string_view text) {
  const std::string input(text);
  UriPtr uri(p11_kit_uri_new());
  if (!uri) return fail(ErrorCode::kInternal, "p11_kit_uri_new failed");
  int rc = p11_kit_uri_parse(input.c_str(), P11_KIT_URI_FOR_ANY, uri.get());
  if (rc != P11_KIT_URI_OK) {
    return fail(ErrorCode::kUsage,
                fmt::format("malformed PKCS#11 URI '{}': {} (expected for example "
                            "pkcs11:token=signer-hsm;object=release)",
                            input, p11_kit_uri_message(rc)));
  }
  if (p11_kit_uri_any_unrecognized(uri.get()) != 0) {
    return fail(ErrorCode::kUsage,
                fmt::format("PKCS#11 URI '{}' has an attribute Hallmark does not know: use "
                            "token, serial, manufacturer, model, object, id and type",
                            input));
  }
  if (p11_kit_uri_get_pin_value(uri.get()) != nullptr ||
      p11_kit_uri_get_pin_source(uri.get()) != nullptr) {
    return fail(ErrorCode::kUsage,
                "PKCS#11 URI carries a PIN (pin-value/pin-source): remove it and give the "
                "PIN with --pin prompt, file:PATH, fd:N or env:NAME");
  }
  if (p11_kit_uri_get_slot_id(uri.get()) != static_cast<CK_SLOT_ID>(-1)) {
    return fail(ErrorCode::kUsage,
                fmt::format("PKCS#11 URI '{}' names a slot id: slot ids change, select the "
                            "token by token= label or serial= instead",
                            input));
  }

  TokenUri out;
  out.text = input;
  const CK_TOKEN_INFO* token = p11_kit_uri_get_token_info(uri.get());
  out.token_label = uri_field(token->label, sizeof token->label);
  out.serial = uri_field(token->serialNumber, sizeof token->serialNumber);
  out.manufacturer = uri_field(token->manufacturerID, sizeof token->manufacturerID);
  out.model = uri_field(token->model, sizeof token->model);

  if (const CK_ATTRIBUTE* label = p11_kit_uri_get_attribute(uri.get(), CKA_LABEL)) {
    out.object_label.emplace(static_cast<const char*>(label->pValue), label->ulValueLen);
  }
  if (const CK_ATTRIBUTE* id = p11_kit_uri_get_attribute(uri.get(), CKA_ID)) {
    const auto* begin = static_cast<const std::byte*>(id->pValue);
    out.object_id.emplace(begin, begin + id->ulValueLen);
  }
  if (const CK_ATTRIBUTE* type = p11_kit_uri_get_attribute(uri.get(), CKA_CLASS)) {
    if (type->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
      CK_OBJECT_CLASS object_class = 0;
      std::memcpy(&object_class, type->pValue, sizeof object_class);
      out.object_class = object_class;
    }
  }
  return out;
}

bool TokenUri::matches(const CK_TOKEN_INFO& info) const {
  return field_matches(token_label, info.label, sizeof info.label) &&
         field_matches(serial, info.serialNumber, sizeof info.serialNumber) &&
         field_matches(manufacturer, info.manufacturerID, sizeof info.manufacturerID) &&
         field_matches(model, info.model, sizeof info.model);
}

std::string TokenUri::token_name() const {
  if (token_label) return fmt::format("token '{}'", *token_label);
  if (serial) return fmt::format("token with serial {}", *serial);
  return fmt::format("token matching {}", text);
}

std::string TokenUri::key_name() const {
  if (object_label) return fmt::format("key '{}'", *object_label);
  if (object_id) return fmt::format("key with id {}", to_hex(*object_id));
  return "key";
}

Result<CK_SLOT_ID> find_token_slot(const Module& module, const TokenUri& uri) {
  auto slots = module.slots_with_token();
  if (!slots) return std::unexpected(slots.error());
  std::vector<CK_SLOT_ID> matching;
  std::vector<std::string> serials;
  for (CK_SLOT_ID slot : *slots) {
    auto info = module.token_info(slot);
    // A token can leave between the two calls; it is then simply not a candidate.
    if (!info) continue;
    if ((info->flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (!uri.matches(*info)) continue;
    matching.push_back(slot);
    serials.push_back(padded_field(info->serialNumber, sizeof info->serialNumber));
  }
  if (matching.empty()) {
    return fail(ErrorCode::kToken,
                fmt::format("no token matching {} is present: insert the card or check the "
                            "label",
                            uri.text));
  }
  if (matching.size() > 1) {
    return fail(ErrorCode::kToken,
                fmt::format("{} tokens match {}: add serial= to choose one (serials: {})",
                            matching.size(), uri.text, fmt::join(serials, ", ")));
  }
  return matching.front();
}

std::string format_key_uri(const v1::TokenInfo& token, std::string_view label, ByteView id) {
  UriPtr uri(p11_kit_uri_new());
  if (!uri) return {};
  CK_TOKEN_INFO* info = p11_kit_uri_get_token_info(uri.get());
  set_field(info->label, sizeof info->label, token.label());
  set_field(info->serialNumber, sizeof info->serialNumber, token.serial());
  set_field(info->manufacturerID, sizeof info->manufacturerID, token.manufacturer());
  set_field(info->model, sizeof info->model, token.model());

  std::string label_copy(label);
  Bytes id_copy(id.begin(), id.end());
  CK_OBJECT_CLASS object_class = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE attributes[] = {
      {CKA_LABEL, label_copy.data(), label_copy.size()},
      {CKA_ID, id_copy.data(), id_copy.size()},
      {CKA_CLASS, &object_class, sizeof object_class},
  };
  for (auto& attribute : attributes) {
    if (attribute.type == CKA_ID && id_copy.empty()) continue;
    p11_kit_uri_set_attribute(uri.get(), &attribute);
  }
  char* formatted = nullptr;
  if (p11_kit_uri_format(uri.get(), P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &formatted) !=
      P11_KIT_URI_OK) {
    return {};
  }
  std::string result(formatted);
  std::free(formatted);
  return result;
}

}  // namespace hallmark::hsm
