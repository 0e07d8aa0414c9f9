#include "verifier/trust/root_index.h"

namespace hallmark::verifier::detail {

const v1::PublicKey* find_key(const v1::TrustRoot& root, std::string_view key_id) {
  for (const auto& key : root.keys()) {
    if (key.key_id() == key_id) return &key;
  }
  return nullptr;
}

const v1::RoleKeys* find_role(const v1::TrustRoot& root, v1::Role role) {
  for (const auto& entry : root.roles()) {
    if (entry.role() == role) return &entry;
  }
  return nullptr;
}

const v1::Custodian* custodian_of(const v1::TrustRoot& root, std::string_view key_id) {
  for (const auto& custodian : root.custodians()) {
    for (const auto& id : custodian.key_ids()) {
      if (id == key_id) return &custodian;
    }
  }
  return nullptr;
}

Identity identity_of(const v1::TrustRoot& root, std::string_view key_id) {
  if (const v1::Custodian* c = custodian_of(root, key_id)) return {true, c->name()};
  return {false, std::string(key_id)};
}

std::string role_name(v1::Role role) {
  const std::string& name = v1::Role_Name(role);
  return name.empty() ? "role " + std::to_string(static_cast<int>(role)) : name;
}

}  // namespace hallmark::verifier::detail
