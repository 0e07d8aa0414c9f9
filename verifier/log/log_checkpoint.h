// The evidence log's signed checkpoints (LogCheckpoint, payload type log-checkpoint) and
// the proof hashes that travel with manifests and segments.
//
// verify_log_checkpoint() accepts a checkpoint only when its DSSE envelope is signed by a
// threshold of the trust root's EVIDENCE role (revoked keys never count) and its verified
// payload parses as a LogCheckpoint with a 32-byte root. It parses the exact bytes that
// were verified. Pure: no I/O, no clock; thread-safe.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <string>
#include <string_view>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

inline constexpr std::string_view kLogCheckpointType = "log-checkpoint";

// Every checkpoint of the evidence log names this origin; a checkpoint naming another (a
// test log, another product's log signed with a shared key) is refused.
inline constexpr std::string_view kLogOrigin = "hallmark-evidence-log";

struct VerifiedCheckpoint {
  v1::LogCheckpoint checkpoint;
  Digest root;                       // checkpoint.root_hash as a Digest
  std::vector<std::string> key_ids;  // the EVIDENCE keys that signed it
};

[[nodiscard]] Result<VerifiedCheckpoint> verify_log_checkpoint(std::string_view envelope_json,
                                                               const TrustedRoot& root);

// Proof or edge hashes carried as protobuf bytes; kVerificationFailed naming `what` and
// the position when one is not 32 bytes.
[[nodiscard]] Result<std::vector<Digest>> digests_of(
    const google::protobuf::RepeatedPtrField<std::string>& hashes, std::string_view what);

// True when `checkpoint` names the same tree as `other` (size and root; origin and time
// may differ between two signings of one tree).
[[nodiscard]] bool same_tree(const v1::LogCheckpoint& checkpoint, const v1::LogCheckpoint& other);

}  // namespace hallmark::verifier
