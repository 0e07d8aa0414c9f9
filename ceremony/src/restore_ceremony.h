// The restore ceremony: a backup's keys into a fresh, empty signer HSM, under a custodian
// quorum.
//
// Order — every check before anything is imported: plan and trust root chain verified; the
// manifest verified as signed by a root quorum of the current trust root; every backed-up
// key's id is the key the current trust root names for its role (a rotated-away key is
// refused); the custodians who brought a share must be at the table and number at least the
// manifest's threshold (else refused before any passphrase: "needs N, have M: bring K
// more"); each share must belong to this backup and its custodian, open under its
// custodian's passphrase, and match the manifest's commitment; the rebuilt KEK must match
// the manifest's check value; the target token must hold no private key. Then each key is
// unwrapped with its label and CKA_ID, its public half is made from the trust root's key,
// and a test signature proves the pair (SignerHsm::restore). Anything failing destroys
// what was imported. The transcript is signed by the custodians at the table; the outcome's
// document is the manifest restored from.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/backup.pb.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

struct ShareFile {
  std::string origin;  // file name, for messages
  v1::BackupShare share;
};

struct RestoreInput {
  std::span<const v1::Envelope> chain;
  std::span<const v1::Envelope> revocations;
  const LoadedPlan* plan = nullptr;  // signer.uri names the fresh token; custodians' cards
  const v1::Envelope* manifest = nullptr;
  std::span<const ShareFile> shares;
};

CeremonyOutcome run_restore(const RestoreInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
