// The rotate ceremony: trust root version N+1 from a verified chain v1..vN and a new plan.
//
// N+1 takes its custodians and thresholds from the new plan. A custodian named in vN and
// in the plan keeps their vN key(s) and card record; a custodian new in the plan has their
// card checked and key read (as at init). Signer-HSM keys are kept unless their label is
// in plan.regenerate_keys (then generated anew in the HSM under that label; a new
// manufacturing-CA key gets a new self-signed certificate). previous_digest = SHA-256 of
// vN's payload. Signatures: the present custodians, such that BOTH vN's root threshold and
// N+1's are met (checked before any card is touched; one card in both counts for both with
// one signature); custodians who leave find their card in the previous plan. A revoked key
// or custodian is never carried into N+1. The result is verified with TrustedRoot::update
// before it is returned.
#pragma once

#include <optional>
#include <span>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

struct RotateInput {
  std::span<const v1::Envelope> chain;        // v1..vN, anchor first
  std::span<const v1::Envelope> revocations;  // applied to vN before anything else
  const LoadedPlan* plan = nullptr;           // the new plan
  const LoadedPlan* previous_plan = nullptr;  // cards of custodians who leave (optional)
};

CeremonyOutcome run_rotate(const RotateInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
