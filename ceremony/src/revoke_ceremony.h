// The revoke ceremony: a Revocation of keys, custodians, stations and/or bundle digests,
// signed by a root quorum of the current trust root version.
//
// What is revoked must exist where it can be checked (a key or custodian of the current
// trust root; a 32-byte bundle digest; a non-empty station id) and a reason is required.
// A revocation takes effect at `effective_unix` (default: now): evidence the signer
// countersigned before then still verifies, later evidence does not; a future time is
// refused (docs/design.md, "Revocations"). The signed revocation is verified with TrustedRoot::add_revocation, and its effect
// (every named key/custodian/station/bundle now refused) is checked before it is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

struct RevokeRequest {
  std::vector<std::string> key_ids;
  std::vector<std::string> custodians;
  std::vector<std::string> station_ids;
  std::vector<std::string> bundle_digests_hex;
  std::string reason;
  // From when (UNIX seconds): at most now — backdate it to when a compromise may have begun.
  // None: now (the revocation's issued time).
  std::optional<std::int64_t> effective_unix;
};

struct RevokeInput {
  std::span<const v1::Envelope> chain;
  std::span<const v1::Envelope> revocations;  // earlier revocations, applied first
  const LoadedPlan* plan = nullptr;           // where the custodians' cards are
  RevokeRequest request;
};

CeremonyOutcome run_revoke(const RevokeInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
