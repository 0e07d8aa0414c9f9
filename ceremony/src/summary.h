// Human summaries of what custodians sign: shown with the payload's SHA-256 before any PIN
// that authorises the signature. They restate the payload's fields that matter to a
// custodian (versions, validity, who holds which role, what is revoked, which station with
// which keys); the digest, which each custodian can compare across screens, is what binds
// the summary to the bytes. Pure functions; thread-safe.
#pragma once

#include <string>

#include "hallmark/station.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/core/sha256.h"

namespace hallmark::ceremony {

std::string trust_root_summary(const v1::TrustRoot& root);
std::string revocation_summary(const v1::Revocation& revocation);
std::string registration_summary(const v1::StationRegistration& registration,
                                  const v1::StationEnrollment& enrollment,
                                  const verifier::Digest& request_digest);
std::string transcript_summary(const v1::CeremonyTranscript& transcript, bool refused,
                               const std::string& outcome);

// "generated on token yes, never extractable yes, ..." for a provenance.
std::string provenance_text(const v1::KeyProvenance& provenance);

}  // namespace hallmark::ceremony
