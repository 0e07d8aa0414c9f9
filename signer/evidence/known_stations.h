// The stations countersign knows, from the registration files it is given: which are
// valid now, and which are not and why (expired, a revoked station or key, a device-CA
// certificate no longer valid). A registration the root quorum signed but that is not valid
// now refuses its own station's exports (REGISTRATION_INVALID, countersign.h) and nothing
// else; a document the root quorum did not sign as a registration is an error, since it
// names no station anyone vouched for. Several registrations of one station: a valid one
// wins over invalid ones, and the latest registered among the valid. Pure: no I/O;
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "signer/evidence/countersign.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

struct RegistrationFile {
  std::string name;        // the file it was read from, for messages
  v1::Envelope envelope;
};

struct KnownStations {
  StationsById valid;
  InvalidStations invalid;  // why (no valid one given)
};

[[nodiscard]] Result<KnownStations> known_stations(const std::vector<RegistrationFile>& files,
                                                   const verifier::TrustedRoot& root,
                                                   std::int64_t now_unix);

}  // namespace hallmark::evidence
