// RFC 7512 `pkcs11:` URIs naming a token and, optionally, one object on it.
//
// Parsing is p11-kit's (p11_kit_uri_parse); this file only keeps what Hallmark uses and
// refuses what it must not accept: attributes p11-kit does not recognise (a typo such as
// "lable=" would otherwise match every token), `pin-value`/`pin-source` (PINs never travel
// in argv: see pin.h) and `slot-id` (slot numbers change; tokens are chosen by label,
// serial, manufacturer and model). Pure values; thread-safe. Never opens a session.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <p11-kit/pkcs11.h>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/src/module.h"
#include "verifier/core/bytes.h"

namespace hallmark::hsm {

struct TokenUri {
  std::string text;  // as given, for messages

  // Token attributes; an absent one matches any token.
  std::optional<std::string> token_label;
  std::optional<std::string> serial;
  std::optional<std::string> manufacturer;
  std::optional<std::string> model;

  // Object attributes: CKA_LABEL ("object="), CKA_ID ("id=", percent-decoded), CKA_CLASS
  // ("type=private" etc.).
  std::optional<std::string> object_label;
  std::optional<Bytes> object_id;
  std::optional<CK_OBJECT_CLASS> object_class;

  static Result<TokenUri> parse(std::string_view text);

  bool matches(const CK_TOKEN_INFO& info) const;

  // "token 'signer-hsm'" (or the serial, or the whole URI) for messages.
  std::string token_name() const;
  // "key 'release'" (or its id in hex) for messages.
  std::string key_name() const;
};

// The one slot holding an initialised token that matches `uri` (C_GetSlotList(CK_TRUE)).
// Errors: none present ("insert the card or check the label"), several ("add serial=").
Result<CK_SLOT_ID> find_token_slot(const Module& module, const TokenUri& uri);

// pkcs11:model=...;manufacturer=...;serial=...;token=...;id=...;object=...;type=private
std::string format_key_uri(const v1::TokenInfo& token, std::string_view label, ByteView id);

}  // namespace hallmark::hsm
