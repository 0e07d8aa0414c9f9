// The enroll-station ceremony: a station's enrollment request in, a StationRegistration
// signed by a root quorum out, with the station's device-CA certificate issued by the
// manufacturing CA inside the signer HSM.
//
// The request must verify (verify_enrollment_request: signed by both station keys, keys
// generated on the token and never extractable). A revoked station id, or a revoked
// station or device-CA key, is refused. A station id that was registered before is NOT
// refused: the ceremony host keeps no registry, and re-enrolment (new token, new
// software) is legitimate; the custodians see the keys in the summary, and the way to
// retire an id is a revocation. The registration carries the exact request payload bytes
// and is verified with verify_station_registration before it is returned.
#pragma once

#include <span>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

struct EnrollInput {
  std::span<const v1::Envelope> chain;
  std::span<const v1::Envelope> revocations;
  const LoadedPlan* plan = nullptr;  // custodians' cards, signer HSM, validity
  const v1::Envelope* request = nullptr;
};

CeremonyOutcome run_enroll_station(const EnrollInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
