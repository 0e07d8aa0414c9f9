// Promotion (docs/design.md flow 3; docs/release.md): an approved bundle becomes a promoted
// bundle, signed with the release key, carrying its trust-root chain and approvals.
//
// Two steps, so that a refusal never asks for a PIN: prepare_promotion() reads the bundle
// (every image digest), loads the trust root (load_trust: chain and revocations at
// `now_unix`), refuses a revoked or already promoted bundle, applies check_approvals() and
// check_channel() (the same rules every verifier applies) and anti-rollback against the promotion history, whose lock it
// then holds. finish_promotion() checks the key is the trust root's RELEASE key, signs the
// native images (ESP32 Secure Boot V2, MCUboot; raw images are not signed natively) and
// the PromotedRelease, writes the archive (bundle.pb, images, native/, trust-root chain,
// approvals, release.json) to a temporary file beside the output, runs
// verify_promoted_bundle() on it, renames it into place (never replacing a file) and only
// then stores the promoted manifest and appends to the history. Any failure leaves no
// output, no temporary file and the history unchanged; one writing the archive (a full
// disk) names the output asked for and says the temporary file was removed. Holds no key material: it signs
// only through a ProductionSigner opened for the release role. One thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/release.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "signer/native/sign_function.h"
#include "verifier/native/mcuboot.h"
#include "verifier/bundle/promotion_history.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/public_key.h"
#include "verifier/trust/trust.h"

namespace hallmark::promote {

struct PromoteInput {
  std::filesystem::path bundle;
  std::vector<bundle::NamedEnvelope> approvals;
  std::vector<v1::Envelope> chain;        // trust root v1 .. vN, in order
  std::vector<v1::Envelope> revocations;  // applied after the chain
  std::string channel;
  std::filesystem::path history_dir;
  std::filesystem::path out;
  std::int64_t now_unix = 0;
};

// The release key as promotion uses it: a ProductionSigner, which only exists for a key
// whose provenance passed the production-role rule (hsm-profiles/profile/production_signer.h);
// finish_promotion() refuses one opened for another role than kRelease, and a key that is
// not the trust root's RELEASE key. Its CKA_ID is recorded for the key-id mapping.
struct ReleaseKey {
  hsm::ProductionSigner signer;
  // The token holding it, as hsm::choose_profile() stamped it (profile, software_token):
  // recorded in the release (PromotedRelease.release_token) for the auditor.
  v1::TokenInfo token;
};

// Everything checked before the release key is touched.
struct PreparedPromotion {
  PromoteInput input;
  bundle::BundleContents contents;
  verifier::Trust trust;  // the signing host's trust root, revocations applied
  bundle::ApprovalQuorum quorum;
  PromotionHistory history;
  HistoryRecord record;  // what the history will say once promoted
};

struct PromoteResult {
  bundle::VerifiedRelease verified;
  std::uint64_t archive_bytes = 0;
};

// Called with the temporary archive before it is verified (tests inject faults here).
using BeforeVerifyHook = std::function<void(const std::filesystem::path& temp)>;

[[nodiscard]] Result<PreparedPromotion> prepare_promotion(PromoteInput input);

// The trust load_trust() gets on the signing host (its own anchor, unpinned).
[[nodiscard]] verifier::TrustInputs signing_host_trust(const PromoteInput& input);

[[nodiscard]] Result<PromoteResult> finish_promotion(PreparedPromotion& prepared,
                                                     const ReleaseKey& key,
                                                     const BeforeVerifyHook& hook = {});

// MCUboot's header version from a bundle version "major.minor.revision[.build]".
[[nodiscard]] Result<native::McubootVersion> mcuboot_version(std::string_view version);

}  // namespace hallmark::promote
