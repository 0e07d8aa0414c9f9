// The signer's acknowledgement that it holds a station's records: what the station asks for
// before it seals them out of its journal (station-agent/journal/journal_seal.h).
//
// The acknowledgement is a manifest file (v1::ManifestFile, `hallmark-signer manifests`) of
// one of this station's events, verified with verifier::verify_manifest_file() under the
// station's trust: countersigned into the evidence log (a checkpoint signed by the EVIDENCE
// role, an inclusion proof), from this station (its registration), for journal record N
// (station_sequence), and — matches() — carrying the very attestation that record N of this
// journal holds. The signer countersigns a station's records only in order, each export
// linked to the record before it (no gap, no fork: signer/evidence/countersign.cpp), so
// record N in the log means records 1..N of this chain are there: only those may be sealed.
// Someone holding the state directory cannot make one (the evidence key is on the signer's
// HSM) and cannot use another station's, an edited one, or one of a record this journal
// does not hold (a fork). Pure: no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "station-agent/journal/journal.h"
#include "verifier/core/error.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::station {

struct SealAcknowledgement {
  std::uint64_t sequence = 0;     // the journal record the signer countersigned
  std::uint64_t log_index = 0;    // as log entry
  std::uint64_t tree_size = 0;    // of the evidence checkpoint that proves it
  v1::Envelope attestation;       // the record's attestation, as countersigned
};

// Verifies the manifest file's text (`name` in every error) as an acknowledgement of a
// record of `station_id`. kVerificationFailed when it does not verify, kPolicyRefused when
// it is another station's.
[[nodiscard]] Result<SealAcknowledgement> verify_seal_acknowledgement(
    std::string_view manifest_json, std::string_view name, const verifier::TrustedRoot& root,
    const StationId& station_id);

// Accepts `entry` only if it is the record acknowledged (same sequence, same signed
// attestation); kPolicyRefused (a forked journal) otherwise.
[[nodiscard]] Result<void> matches(const SealAcknowledgement& ack, const JournalEntry& entry);

}  // namespace hallmark::station
