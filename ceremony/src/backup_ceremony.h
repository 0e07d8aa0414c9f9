// The backup ceremony: the signer HSM's role keys, wrapped under a key-encryption key (KEK)
// that exists afterwards only as custodian shares.
//
// Order: plan and trust root chain verified; the plan's keys with `backup: true` (at least
// one) are the trust root's role keys to back up; the custodians at the table (a root
// quorum of the trust root, checked before any card, PIN or passphrase) are the share
// holders, any plan.root_threshold() of whom can restore. The signer HSM's security officer
// logs in and a random KEK becomes a CKA_TRUSTED wrap-only session key (the HSM lets a key
// with CKA_WRAP_WITH_TRUSTED out under nothing else); the user logs in, each key is found by
// its trust root key id and wrapped by the HSM (CKM_AES_KEY_WRAP_PAD). The KEK is split
// (kek_shares.h); each custodian's share is sealed under their passphrase (typed twice); the KEK is
// rebuilt from a threshold of the shares and checked before the manifest is signed. The
// manifest (backup.proto) is signed by the custodians at the table and verified as a root
// quorum before it is returned. The KEK and the shares are wiped; the transcript names the
// custodians, share numbers and commitments, never a share or key byte.
#pragma once

#include <span>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/backup.pb.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

// Payload type name of a signed BackupManifest.
inline constexpr std::string_view kBackupManifestType = "backup-manifest";

struct BackupInput {
  std::span<const v1::Envelope> chain;        // v1..vN, anchor first
  std::span<const v1::Envelope> revocations;
  const LoadedPlan* plan = nullptr;
};

struct BackupOutcome {
  CeremonyOutcome outcome;                // document: the signed manifest
  std::vector<v1::BackupShare> shares;    // one sealed share per custodian at the table
};

BackupOutcome run_backup(const BackupInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony
