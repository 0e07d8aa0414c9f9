// What an auditor asks of one logged event, in one place: who (the operator logged in; for
// a break-glass, the supervisor whose card signed it), why (the reason given, or the
// station's detail of a failure or line stop) and which findings it carries, by kind.
// `hallmark-verify manifest` and `hallmark-signer query` (text, CSV and JSON) print these.
//
// Pure: reads the attestation and manifest it is given (the caller verified them; the
// supervisor's name is read from the break-glass statement the attestation carries, which
// countersign verified against the roster). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"

namespace hallmark::evidence {

struct EventAnswer {
  std::string operator_name;               // empty: nobody was logged in
  std::string supervisor_name;             // BREAK_GLASS only
  std::string why;                         // empty: nothing was given
  std::vector<std::string> finding_kinds;  // "CLOCK_UNSYNCED", ... in the manifest's order
};

[[nodiscard]] EventAnswer answer_of(const v1::Attestation& attestation,
                                    const v1::ProvisioningManifest& manifest);

// "operator olga", "supervisor sam (operator olga)", or "-".
[[nodiscard]] std::string who_text(const EventAnswer& answer);
// "CLOCK_UNSYNCED, CLAIM_MISMATCH" or "none"; `separator` between kinds.
[[nodiscard]] std::string kinds_text(const EventAnswer& answer, const std::string& separator);
// A finding kind's name ("KIND_<n>" for a number this build does not know).
[[nodiscard]] std::string finding_kind_name(int kind);

}  // namespace hallmark::evidence
