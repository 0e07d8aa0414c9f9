// The init ceremony: trust root version 1 from a ceremony plan.
//
// Steps (each in the transcript): check that at least the root threshold of distinct
// custodians is present (else refuse before any card is touched); check every custodian's
// card (login, key found or generated on the card, provenance; one card or key presented
// for two custodians is refused); generate the release, evidence and manufacturing-CA keys
// inside the signer HSM (a label already present is refused) and check their provenance;
// self-sign the manufacturing CA certificate with the HSM key; build TrustRoot v1; show
// each present custodian the summary and SHA-256, then collect their signatures; verify
// the result with TrustedRoot::from_anchor. On any refusal the keys generated in the HSM
// are destroyed again and only the transcript is produced.
#pragma once

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"

namespace hallmark::ceremony {

CeremonyOutcome run_init(const LoadedPlan& plan, CeremonyContext& context);

}  // namespace hallmark::ceremony
