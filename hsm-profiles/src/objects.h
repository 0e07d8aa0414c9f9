// Object search and attribute access on a Session, with storage that owns itself.
//
// AttributeTemplate keeps every value it points at, so a template can be built in one
// function and passed to C_FindObjectsInit / C_GenerateKeyPair in another. ObjectSearch
// pairs C_FindObjectsInit with C_FindObjectsFinal (also on early return). Attribute reads
// use the two-call size query and return owned bytes; a sensitive or unknown attribute is
// an error carrying CKR_ATTRIBUTE_SENSITIVE / CKR_ATTRIBUTE_TYPE_INVALID, or an empty
// optional with read_optional_attribute(). Thread-safety: as the Session; an ObjectSearch
// must not outlive its Session (or see it moved).
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "hsm-profiles/src/session.h"
#include "verifier/core/bytes.h"

namespace hallmark::hsm {

class AttributeTemplate {
 public:
  AttributeTemplate& add_bool(CK_ATTRIBUTE_TYPE type, bool value);
  AttributeTemplate& add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  AttributeTemplate& add_ulongs(CK_ATTRIBUTE_TYPE type, std::span<const CK_ULONG> values);
  AttributeTemplate& add_bytes(CK_ATTRIBUTE_TYPE type, ByteView value);
  AttributeTemplate& add_text(CK_ATTRIBUTE_TYPE type, std::string_view value);

  // Pointers stay valid until the template is changed or destroyed.
  CK_ATTRIBUTE* data();
  CK_ULONG size() const noexcept { return static_cast<CK_ULONG>(values_.size()); }

 private:
  std::vector<std::pair<CK_ATTRIBUTE_TYPE, Bytes>> values_;
  std::vector<CK_ATTRIBUTE> attributes_;
};

class ObjectSearch {
 public:
  static Result<ObjectSearch> start(const Session& session, AttributeTemplate& match);
  ~ObjectSearch();
  ObjectSearch(ObjectSearch&& other) noexcept;
  ObjectSearch& operator=(ObjectSearch&&) = delete;
  ObjectSearch(const ObjectSearch&) = delete;
  ObjectSearch& operator=(const ObjectSearch&) = delete;

  // Up to `max` more handles; empty when the search is done.
  Result<std::vector<CK_OBJECT_HANDLE>> next(std::size_t max);

 private:
  explicit ObjectSearch(const Session& session) : session_(session.share()) {}
  Session session_;     // shared: the search cannot outlive the session it runs in
  bool active_ = true;  // false once moved from
};

// Every object matching `match` (at most `limit`; more are not looked for).
Result<std::vector<CK_OBJECT_HANDLE>> find_objects(const Session& session,
                                                   AttributeTemplate& match,
                                                   std::size_t limit = 64);

Result<Bytes> read_attribute(const Session& session, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_TYPE type);
// Empty when the token does not have it, will not reveal it, or the object lacks it.
Result<std::optional<Bytes>> read_optional_attribute(const Session& session,
                                                     CK_OBJECT_HANDLE object,
                                                     CK_ATTRIBUTE_TYPE type);
Result<std::optional<bool>> read_bool(const Session& session, CK_OBJECT_HANDLE object,
                                      CK_ATTRIBUTE_TYPE type);
Result<std::optional<CK_ULONG>> read_ulong(const Session& session, CK_OBJECT_HANDLE object,
                                           CK_ATTRIBUTE_TYPE type);

}  // namespace hallmark::hsm
