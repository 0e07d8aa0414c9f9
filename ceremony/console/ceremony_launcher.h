// Running one ceremony from the console's inputs: load the files the CLI flags name, check
// the output is free, run the library's ceremony through the given CeremonyUi, write the
// outcome (transcript always; the document only when it verified).
//
// This is wiring, not policy: every rule (quorum, order, retries, refusals) is the ceremony
// library's. Never throws; never holds a PIN. Not thread-safe (one ceremony at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ceremony/src/approve_ceremony.h"
#include "ceremony/src/ceremony.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/revoke_ceremony.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony::console {

enum class CeremonyKind { kInit, kApprove, kEnrollStation, kRotate, kRevoke };

inline constexpr CeremonyKind kAllKinds[] = {CeremonyKind::kInit, CeremonyKind::kApprove,
                                             CeremonyKind::kEnrollStation, CeremonyKind::kRotate,
                                             CeremonyKind::kRevoke};

// "init", "approve", "enroll-station", "rotate", "revoke" (the CLI's command names).
std::string_view kind_name(CeremonyKind kind);

// What `hallmark-ceremony <kind>` takes as flags (PIN sources excepted: the console asks).
struct CeremonyRequest {
  CeremonyKind kind = CeremonyKind::kInit;
  std::string plan;                      // every kind (rotate: the new plan)
  std::string previous_plan;             // rotate, optional
  std::vector<std::string> trust_roots;  // all but init: v1.json ... vN.json
  std::vector<std::string> revocations;  // all but init, optional
  // approve
  std::string bundle;
  std::string against;  // optional
  std::string history;  // optional (not with `against`)
  std::string custodian;
  std::string channel;
  std::string request_id;
  std::uint32_t valid_days = kDefaultApprovalDays;
  // enroll-station
  std::string enrollment_request;
  // revoke
  RevokeRequest revoke;
  std::vector<std::string> present;  // empty: everyone
  // init and rotate: a directory (trust-root-vN.json goes there); others: the output file.
  std::string out;
};

struct LaunchResult {
  CeremonyOutcome outcome;
  std::optional<WrittenOutputs> written;  // absent when writing failed (write_error)
  std::optional<Error> write_error;
};

// Runs the ceremony. An error means it could not start (bad input file, output taken);
// a ceremony that ran returns its outcome, refused or not.
Result<LaunchResult> launch_ceremony(const CeremonyRequest& request, CeremonyUi& ui,
                                     const Clock& clock);

}  // namespace hallmark::ceremony::console
