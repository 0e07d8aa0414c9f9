#include "signer/evidence/evidence_key.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::evidence {

Result<v1::Envelope> sign_checkpoint(const hsm::ProductionSigner& signer,
                                     const verifier::TrustedRoot& root,
                                     ByteView checkpoint_payload) {
  if (auto ok = signer.require_role(hsm::ProductionRole::kEvidence); !ok) {
    return std::unexpected(ok.error());
  }
  const auto evidence_keys = root.role_keys(v1::EVIDENCE);
  if (std::none_of(evidence_keys.begin(), evidence_keys.end(),
                   [&signer](const verifier::PublicKey& k) { return k.key_id() == signer.key_id(); })) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} (key id {}) is not the trust root's evidence key; give the "
                            "evidence key's pkcs11: URI with --key",
                            signer.name(), signer.key_id()));
  }
  return verifier::sign_envelope(verifier::payload_type_of(kCheckpointType),
                                 checkpoint_payload, signer.key_id(),
                                 [&signer](ByteView pae) { return signer.sign(pae); });
}

}  // namespace hallmark::evidence
