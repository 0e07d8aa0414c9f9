// The ceremonies' side of a throwaway world, for the tests and the benchmarks: the SoftHSM
// tokens the ceremonies sign on (custodian cards, the signer HSM, a station, person cards),
// plans written for them, a trust root made by the init ceremony, and an enrollment request
// made on the station token the way `hallmark-station enroll` makes it. Everything goes
// through the product's libraries (ceremony/, station-agent/enrollment); nothing here signs
// by itself. Operations return Result; CeremonyTokens throws std::runtime_error when a token
// cannot be made (as SoftHsmFixture does). Never used by a product (docs/architecture.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "testkit/softhsm_fixture.h"

namespace hallmark::testing {

// Tokens custodian-alice, -bob, -carol, -dave, signer-hsm, station-1 and the person cards
// of sam, olga, otto and mallory (a person no roster lists).
struct CeremonyTokens {
  SoftHsmFixture hsm{{"custodian-alice", "custodian-bob", "custodian-carol", "custodian-dave",
                      "signer-hsm", "station-1", "person-sam", "person-olga", "person-otto",
                      "person-mallory"}};
  std::filesystem::path path(const std::string& name) const { return hsm.dir() / name; }
  // The token's serial number; throws std::runtime_error when the token cannot be read.
  std::string serial(const std::string& token) const;
};

struct PlanCustodianSpec {
  std::string name;
  std::string card_uri;  // default pkcs11:token=custodian-<name>
  bool always_authenticate = false;  // a generated key asks for the PIN on every signature
};

// A plan textproto for `custodians` (all generate_if_missing) with the given thresholds.
std::string plan_text(const std::vector<PlanCustodianSpec>& custodians, uint32_t root_threshold,
                      uint32_t approver_threshold = 0, const std::string& extra = "");
// plan_text() parsed as `hallmark-ceremony` parses a plan.
Result<ceremony::LoadedPlan> parse_test_plan(const std::vector<PlanCustodianSpec>& custodians,
                                             uint32_t root_threshold,
                                             uint32_t approver_threshold = 0,
                                             const std::string& extra = "");
std::vector<PlanCustodianSpec> names(std::initializer_list<const char*> list);

ceremony::Clock fixed_clock(int64_t now);

// The init ceremony on `plan` at `now`, everyone present, PINs from the fixture.
Result<v1::Envelope> init_trust_root(const ceremony::LoadedPlan& plan, int64_t now);

// An enrollment request made on the "station-1" token the way `hallmark-station enroll` makes
// it: station and device-CA keys generated there (labels `<prefix>station`,
// `<prefix>device-ca`), the software and config digests the test line runs with (an empty
// software digest, the policy allowing combo-1), created at `now_unix`.
struct TestEnrollment {
  v1::Envelope request;
  std::string station_key_id;
  std::string device_ca_key_id;
};
Result<TestEnrollment> request_enrollment(const CeremonyTokens& tokens,
                                          const std::string& station_id, std::int64_t now_unix,
                                          const std::string& label_prefix = "");

}  // namespace hallmark::testing
