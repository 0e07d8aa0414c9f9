// Building a TrustRoot from what a ceremony gathered: custodians with their keys and
// cards, role thresholds, the signer HSM's keys and the manufacturing CA's certificate.
//
// Roles: root and approver are held by the custodian keys with the plan's thresholds;
// release, evidence and manufacturing CA by one signer-HSM key each, threshold 1. Keys are
// listed once, sorted by key id, so the same inputs give the same bytes. Pure; the result
// is checked with verifier::check_trust_root_shape. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hallmark/trust.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

struct CustodianRecord {
  std::string name;
  std::vector<v1::PublicKey> keys;
  v1::TokenInfo card;
};

struct SignerKeys {
  v1::PublicKey release;
  v1::PublicKey evidence;
  v1::PublicKey manufacturing_ca;
};

struct TrustRootParts {
  uint64_t version = 1;
  int64_t issued_unix = 0;
  int64_t expires_unix = 0;
  std::vector<CustodianRecord> custodians;
  uint32_t root_threshold = 0;
  uint32_t approver_threshold = 0;
  SignerKeys signer;
  Bytes manufacturing_ca_certificate_der;
  Bytes previous_digest;  // empty for version 1
};

Result<v1::TrustRoot> build_trust_root(const TrustRootParts& parts);

// The custodians of a trust root as records (rotation keeps them).
std::vector<CustodianRecord> custodian_records(const v1::TrustRoot& root);
// The public key with `key_id` in `root`, or an error naming the key.
Result<v1::PublicKey> root_key(const v1::TrustRoot& root, const std::string& key_id);
// The single key of a signer role (release, evidence, manufacturing CA).
Result<v1::PublicKey> role_key(const v1::TrustRoot& root, v1::Role role);
// Key ids of the custodian `name` in `root` (empty when not a custodian there).
std::vector<std::string> custodian_key_ids(const v1::TrustRoot& root, const std::string& name);

}  // namespace hallmark::ceremony
