// Test-only builders for the trust tests: named in-process keys (custodians, a stranger,
// signer-HSM roles), trust roots and their chains, signed documents, station enrollment
// requests and X.509 device-CA certificates made with OpenSSL. For tests and benchmarks only
// (testkit/CMakeLists.txt): no product links it.
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "hallmark/trust.pb.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/bytes.h"

namespace hallmark::trust_testing {

namespace ht = hallmark::verifier::testing;
using Key = ht::TestKey;
using Signers = std::vector<const Key*>;

// The fixed reference time of every test.
inline constexpr int64_t kNow = 1'750'000'000;
inline constexpr int64_t kDay = 86'400;
inline constexpr int64_t kYear = 365 * kDay;

const Key& alice();         // custodian (P-256)
const Key& alice_backup();  // alice's second card (P-256)
const Key& bob();           // custodian (Ed25519)
const Key& carol();         // custodian (P-256)
const Key& dave();          // custodian who replaces carol (P-256)
const Key& erin();          // custodian (P-256)
const Key& frank();         // custodian (Ed25519)
const Key& mallory();       // a stranger (P-384)
const Key& release_key();   // signer HSM (P-256)
const Key& mfg_ca();        // manufacturing CA (P-256)
const Key& station_key();   // a station's token (P-256)
const Key& device_ca();     // the station's device-CA key (P-256)

struct CustodianSpec {
  std::string name;
  Signers keys;
};

struct RootSpec {
  uint64_t version = 1;
  int64_t issued = kNow - kDay;
  int64_t expires = kNow + kYear;
  std::vector<CustodianSpec> custodians;  // root and approver roles hold all their keys
  uint32_t root_threshold = 2;
  uint32_t approver_threshold = 2;
  Signers release = {&release_key()};
  Signers manufacturing_ca = {&mfg_ca()};
  std::string previous_digest;  // raw 32 bytes
};

// alice, bob, carol; 2 of 3.
RootSpec default_spec();
v1::TrustRoot make_root(const RootSpec& spec);

// Signs the deterministic bytes of `message` as payload type `type_name` by each signer.
v1::Envelope sign(std::string_view type_name, const google::protobuf::MessageLite& message,
                  const Signers& signers);
v1::Envelope sign_root(const RootSpec& spec, const Signers& signers);

// Raw SHA-256 of an envelope's payload (what the next version names as previous_digest).
std::string payload_digest(const v1::Envelope& envelope);

// A chain v1..vN where each spec gets previous_digest of the one before, signed by `signers`
// per version.
std::vector<v1::Envelope> make_chain(std::vector<RootSpec> specs,
                                     const std::vector<Signers>& signers);

v1::Revocation revocation(uint64_t trust_root_version);

v1::KeyProvenance token_provenance();  // generated on the token, never extractable
v1::StationEnrollment enrollment(std::string station_id, const Key& station, const Key& ca);

struct CertSpec {
  std::string cn = "Hallmark device CA st-1";
  bool ca = true;
  long pathlen = 0;  // < 0: absent
  bool basic_constraints_critical = true;
  bool key_usage = true;
  bool key_usage_critical = true;
  bool key_cert_sign = true;
  int64_t not_before = kNow - kDay;
  int64_t not_after = kNow + kYear;
  int pss_salt = 32;  // RSA issuers only
};

// A DER certificate for `subject`'s public key, signed by `issuer`'s private key.
Bytes make_certificate(const Key& subject, const Key& issuer, const CertSpec& spec = {});

v1::StationRegistration registration(const v1::StationEnrollment& enrollment,
                                     const Bytes& certificate_der);

}  // namespace hallmark::trust_testing
