// Ceremony plans: the textproto the custodians agree on before a ceremony (custodians and
// their cards, thresholds, the signer HSM, key algorithms, validity).
//
// Loading parses with protobuf's TextFormat (errors name the file, line and column),
// applies the documented defaults and validates: distinct custodian names and card URIs,
// 1 <= threshold <= number of custodians, parseable pkcs11: URIs. The plan digest
// (SHA-256 of the file's exact bytes) goes into every transcript, so an auditor can tell
// which plan a ceremony ran from. Never touches a token. Thread-safe: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "hallmark/ceremony.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::ceremony {

inline constexpr uint32_t kDefaultThreshold = 2;
inline constexpr uint32_t kDefaultValidityDays = 365;
inline constexpr std::string_view kDefaultCustodianKeyLabel = "custodian";
inline constexpr std::string_view kDefaultReleaseLabel = "release";
inline constexpr std::string_view kDefaultEvidenceLabel = "evidence";
inline constexpr std::string_view kDefaultManufacturingCaLabel = "manufacturing-ca";
inline constexpr std::string_view kDefaultOrganisation = "Hallmark";

struct LoadedPlan {
  v1::CeremonyPlan plan;      // defaults applied, validated
  verifier::Digest digest;    // SHA-256 of the plan file's bytes
  std::string origin;         // file name, for messages
  // The plan file's name without its directories: what a transcript records (the digest
  // identifies the plan; the machine's paths are nobody's business).
  [[nodiscard]] std::string file_name() const {
    return std::filesystem::path(origin).filename().string();
  }
};

// Parses `text` (from `origin`), applies defaults, validates.
Result<LoadedPlan> parse_plan(ByteView text, std::string_view origin);
// Reads and parses a plan file.
Result<LoadedPlan> load_plan(const std::filesystem::path& path);

// Fills in every default (thresholds 2/2, key labels, ECDSA P-256, 365 days, custodian key
// label "custodian"). No profile default: an empty profile is detected from the token
// (hsm-profiles/profile/profile_choice.h). Idempotent.
void apply_defaults(v1::CeremonyPlan& plan);

// Checks a plan with defaults applied; errors name `origin` and the custodian at fault.
Result<void> validate_plan(const v1::CeremonyPlan& plan, std::string_view origin);

// The plan entry of custodian `name`, or nullptr.
const v1::PlanCustodian* find_custodian(const v1::CeremonyPlan& plan, std::string_view name);

}  // namespace hallmark::ceremony
