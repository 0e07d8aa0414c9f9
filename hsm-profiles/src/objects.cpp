#include "hsm-profiles/src/objects.h"

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace hallmark::hsm {
namespace {

template <class T>
Bytes value_bytes(const T& value) {
  Bytes bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

}  // namespace

AttributeTemplate& AttributeTemplate::add_bool(CK_ATTRIBUTE_TYPE type, bool value) {
  const CK_BBOOL flag = value ? CK_TRUE : CK_FALSE;
  values_.emplace_back(type, value_bytes(flag));
  return *this;
}

AttributeTemplate& AttributeTemplate::add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  values_.emplace_back(type, value_bytes(value));
  return *this;
}

AttributeTemplate& AttributeTemplate::add_ulongs(CK_ATTRIBUTE_TYPE type,
                                                 std::span<const CK_ULONG> values) {
  Bytes bytes(values.size_bytes());
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), values.size_bytes());
  values_.emplace_back(type, std::move(bytes));
  return *this;
}

AttributeTemplate& AttributeTemplate::add_bytes(CK_ATTRIBUTE_TYPE type, ByteView value) {
  values_.emplace_back(type, Bytes(value.begin(), value.end()));
  return *this;
}

AttributeTemplate& AttributeTemplate::add_text(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return add_bytes(type, as_bytes(value));
}

CK_ATTRIBUTE* AttributeTemplate::data() {
  attributes_.clear();
  for (auto& [type, bytes] : values_) {
    attributes_.push_back(CK_ATTRIBUTE{type, bytes.empty() ? nullptr : bytes.data(),
                                       static_cast<CK_ULONG>(bytes.size())});
  }
  return attributes_.empty() ? nullptr : attributes_.data();
}

Result<ObjectSearch> ObjectSearch::start(const Session& session, AttributeTemplate& match) {
  CK_RV rv = session.functions()->C_FindObjectsInit(session.handle(), match.data(),
                                                    match.size());
  if (rv != CKR_OK) return std::unexpected(session.error(rv, "C_FindObjectsInit"));
  return ObjectSearch(session);
}

ObjectSearch::ObjectSearch(ObjectSearch&& other) noexcept
    : session_(std::move(other.session_)), active_(std::exchange(other.active_, false)) {}

ObjectSearch::~ObjectSearch() {
  if (active_) session_.functions()->C_FindObjectsFinal(session_.handle());
}

Result<std::vector<CK_OBJECT_HANDLE>> ObjectSearch::next(std::size_t max) {
  std::vector<CK_OBJECT_HANDLE> handles(max);
  CK_ULONG found = 0;
  CK_RV rv = session_.functions()->C_FindObjects(session_.handle(), handles.data(),
                                                  static_cast<CK_ULONG>(max), &found);
  if (rv != CKR_OK) return std::unexpected(session_.error(rv, "C_FindObjects"));
  handles.resize(found);
  return handles;
}

Result<std::vector<CK_OBJECT_HANDLE>> find_objects(const Session& session,
                                                   AttributeTemplate& match,
                                                   std::size_t limit) {
  auto search = ObjectSearch::start(session, match);
  if (!search) return std::unexpected(search.error());
  std::vector<CK_OBJECT_HANDLE> all;
  while (all.size() < limit) {
    auto batch = search->next(limit - all.size());
    if (!batch) return std::unexpected(batch.error());
    if (batch->empty()) break;
    all.insert(all.end(), batch->begin(), batch->end());
  }
  return all;
}

Result<Bytes> read_attribute(const Session& session, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE query{type, nullptr, 0};
  const auto what = fmt::format("reading attribute 0x{:x}", type);
  CK_RV rv = session.functions()->C_GetAttributeValue(session.handle(), object, &query, 1);
  if (rv != CKR_OK) return std::unexpected(session.error(rv, what));
  if (query.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return std::unexpected(session.error(CKR_ATTRIBUTE_TYPE_INVALID, what));
  }
  Bytes value(query.ulValueLen);
  query.pValue = value.empty() ? nullptr : value.data();
  rv = session.functions()->C_GetAttributeValue(session.handle(), object, &query, 1);
  if (rv != CKR_OK) return std::unexpected(session.error(rv, what));
  value.resize(query.ulValueLen);
  return value;
}

Result<std::optional<Bytes>> read_optional_attribute(const Session& session,
                                                     CK_OBJECT_HANDLE object,
                                                     CK_ATTRIBUTE_TYPE type) {
  auto value = read_attribute(session, object, type);
  if (value) return std::optional<Bytes>(std::move(*value));
  const auto rv = value.error().ck_rv;
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) {
    return std::optional<Bytes>();
  }
  return std::unexpected(value.error());
}

Result<std::optional<bool>> read_bool(const Session& session, CK_OBJECT_HANDLE object,
                                      CK_ATTRIBUTE_TYPE type) {
  auto value = read_optional_attribute(session, object, type);
  if (!value) return std::unexpected(value.error());
  if (!*value || (*value)->size() != sizeof(CK_BBOOL)) return std::optional<bool>();
  return std::optional<bool>((*value)->front() != std::byte{0});
}

Result<std::optional<CK_ULONG>> read_ulong(const Session& session, CK_OBJECT_HANDLE object,
                                           CK_ATTRIBUTE_TYPE type) {
  auto value = read_optional_attribute(session, object, type);
  if (!value) return std::unexpected(value.error());
  if (!*value || (*value)->size() != sizeof(CK_ULONG)) return std::optional<CK_ULONG>();
  CK_ULONG number = 0;
  std::memcpy(&number, (*value)->data(), sizeof number);
  return std::optional<CK_ULONG>(number);
}

}  // namespace hallmark::hsm
