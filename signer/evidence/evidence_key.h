// The evidence key as the evidence library signs with it: the one place that checks a
// ProductionSigner is fit to sign a log checkpoint before it does.
//
// sign_checkpoint() refuses (kPolicyRefused, naming the key) a signer opened for another
// role than the evidence key, and a key that is not among `root`'s EVIDENCE role keys; only
// then does it sign the LogCheckpoint payload into a DSSE envelope. The signer's provenance
// was checked when it was made (hsm-profiles/profile/production_signer.h), so a front end
// that opens the evidence key cannot skip either check. Touches no file; one thread.
#pragma once

#include <functional>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "verifier/core/bytes.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

inline constexpr std::string_view kCheckpointType = "log-checkpoint";

// The evidence key: open() once the batch has verified and grown the log (login: a
// refusal or a replay never asks for a PIN) hands back the key's ProductionSigner, opened
// for hsm::ProductionRole::kEvidence; countersign() then signs exactly once with it.
struct EvidenceKey {
  std::function<Result<hsm::ProductionSigner>()> open;
};

// The DSSE envelope of `checkpoint_payload` (a LogCheckpoint) signed by `signer`, after the
// role checks above.
[[nodiscard]] Result<v1::Envelope> sign_checkpoint(const hsm::ProductionSigner& signer,
                                                   const verifier::TrustedRoot& root,
                                                   ByteView checkpoint_payload);

}  // namespace hallmark::evidence
