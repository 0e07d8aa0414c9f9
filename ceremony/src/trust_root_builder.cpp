#include "ceremony/src/trust_root_builder.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "verifier/trust/trusted_root.h"

namespace hallmark::ceremony {

Result<v1::TrustRoot> build_trust_root(const TrustRootParts& parts) {
  v1::TrustRoot root;
  root.set_version(parts.version);
  root.set_issued_unix(parts.issued_unix);
  root.set_expires_unix(parts.expires_unix);
  if (!parts.previous_digest.empty()) {
    root.set_previous_digest(std::string(as_chars(parts.previous_digest)));
  }
  root.set_manufacturing_ca_certificate_der(
      std::string(as_chars(parts.manufacturing_ca_certificate_der)));

  std::map<std::string, v1::PublicKey> keys;  // sorted by key id
  auto add_key = [&keys](const v1::PublicKey& key) { keys.emplace(key.key_id(), key); };
  v1::RoleKeys root_role;
  root_role.set_role(v1::ROOT);
  root_role.set_threshold(parts.root_threshold);
  v1::RoleKeys approver_role;
  approver_role.set_role(v1::APPROVER);
  approver_role.set_threshold(parts.approver_threshold);
  for (const auto& c : parts.custodians) {
    auto* custodian = root.add_custodians();
    custodian->set_name(c.name);
    *custodian->mutable_card() = c.card;
    for (const auto& key : c.keys) {
      add_key(key);
      custodian->add_key_ids(key.key_id());
      root_role.add_key_ids(key.key_id());
      approver_role.add_key_ids(key.key_id());
    }
  }
  *root.add_roles() = root_role;
  *root.add_roles() = approver_role;
  const std::pair<v1::Role, const v1::PublicKey*> signer_roles[] = {
      {v1::RELEASE, &parts.signer.release},
      {v1::EVIDENCE, &parts.signer.evidence},
      {v1::MANUFACTURING_CA, &parts.signer.manufacturing_ca}};
  for (const auto& [role, key] : signer_roles) {
    add_key(*key);
    auto* entry = root.add_roles();
    entry->set_role(role);
    entry->set_threshold(1);
    entry->add_key_ids(key->key_id());
  }
  for (const auto& [id, key] : keys) *root.add_keys() = key;

  if (auto shape = verifier::check_trust_root_shape(root); !shape) {
    return std::unexpected(shape.error().context("the trust root this ceremony built"));
  }
  return root;
}

std::vector<CustodianRecord> custodian_records(const v1::TrustRoot& root) {
  std::vector<CustodianRecord> records;
  for (const auto& c : root.custodians()) {
    CustodianRecord record{c.name(), {}, c.card()};
    for (const auto& id : c.key_ids()) {
      if (auto key = root_key(root, id)) record.keys.push_back(*key);
    }
    records.push_back(std::move(record));
  }
  return records;
}

Result<v1::PublicKey> root_key(const v1::TrustRoot& root, const std::string& key_id) {
  for (const auto& key : root.keys()) {
    if (key.key_id() == key_id) return key;
  }
  return fail(ErrorCode::kVerificationFailed,
              fmt::format("trust root v{} does not list key {}", root.version(), key_id));
}

Result<v1::PublicKey> role_key(const v1::TrustRoot& root, v1::Role role) {
  for (const auto& entry : root.roles()) {
    if (entry.role() != role) continue;
    if (entry.key_ids_size() != 1) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("trust root v{} lists {} keys for role {}; this ceremony keeps "
                              "exactly one",
                              root.version(), entry.key_ids_size(), v1::Role_Name(role)));
    }
    return root_key(root, entry.key_ids(0));
  }
  return fail(ErrorCode::kVerificationFailed,
              fmt::format("trust root v{} has no {} role", root.version(), v1::Role_Name(role)));
}

std::vector<std::string> custodian_key_ids(const v1::TrustRoot& root, const std::string& name) {
  for (const auto& c : root.custodians()) {
    if (c.name() == name) return {c.key_ids().begin(), c.key_ids().end()};
  }
  return {};
}

}  // namespace hallmark::ceremony
