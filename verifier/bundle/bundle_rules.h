// The rules every Bundle obeys, checked when a bundle is created and again when one is
// read: a station must not run a plan that the signer would have refused to build.
//
// check_bundle_rules() checks the Bundle message alone (no files, no catalog): a version,
// images with unique names, a role, a non-zero size and a 32-byte digest field (or, when
// `require_digests` is false, none yet), each image inside the declared flash, no two
// images overlapping (the message names both and the overlapping range in hex), a plan
// whose steps name existing images and eFuses, read-back only after a write, every image
// written, every eFuse burnt exactly once, eFuse burns last (only MEASURE steps may follow
// them), and a certificate profile when the plan provisions an identity. Failures are
// kPolicyRefused. Pure; thread-safe.
#pragma once

#include <string>

#include "hallmark/release.pb.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

[[nodiscard]] Result<void> check_bundle_rules(const v1::Bundle& bundle,
                                              bool require_digests = true);

// "write app", "burn-efuse secure-boot-enable", ... — how a plan step reads in messages.
[[nodiscard]] std::string describe_step(const v1::ProvisioningStep& step);
// "0x10000"
[[nodiscard]] std::string hex_address(std::uint64_t value);

}  // namespace hallmark::bundle
