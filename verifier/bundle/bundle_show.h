// What a person reads before approving a bundle: a summary of one Bundle and the changes
// from another Bundle of the same SKU (normally the last one promoted).
//
// Pure functions over parsed Bundles returning text: no I/O, no signatures checked (the
// caller has read the bundle with read_bundle(), which checked every digest). Full
// SHA-256 digests are printed, never shortened, because custodians compare them.
// Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "hallmark/release.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

// SKU, family, version, security counter, requester, creation time, images table (role,
// format, address range, size, SHA-256), provisioning plan, eFuse plan, certificate
// profile, and the bundle digest.
[[nodiscard]] std::string render_summary(const v1::Bundle& bundle,
                                         const verifier::Digest& bundle_digest);

// What changed from `before` to `after`: version, security counter, images added, removed
// or changed (digest, address, size, role, format), plan steps (as a line diff), eFuses,
// certificate profile. kUsage when the two bundles are for different SKUs.
[[nodiscard]] Result<std::string> render_diff(const v1::Bundle& before,
                                              const v1::Bundle& after);

// What a bundle is compared against: an earlier bundle file, or the last one promoted.
struct Baseline {
  v1::Bundle bundle;
  verifier::Digest digest;
  std::string description;  // "old.bundle", "the last promoted for SKU x (...)"
};

// A heading naming the baseline and its digest, then render_diff(); with no baseline (the
// SKU was never promoted), says that this would be the first promotion for the SKU. A
// baseline with the same digest says the bundle is the baseline itself.
[[nodiscard]] Result<std::string> render_changes(const std::optional<Baseline>& baseline,
                                                 const v1::Bundle& bundle,
                                                 const verifier::Digest& bundle_digest);

}  // namespace hallmark::bundle
