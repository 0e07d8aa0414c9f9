// The manifests an inspection compares a unit with, read from files or directories of
// `*.manifest.json` (what `hallmark-signer manifests --out DIR` and countersign
// `--manifests DIR` write) and verified one by one under the trust root
// (verify_manifest_file). A file that does not verify — forged, tampered, cut short, of
// another log — refuses the whole inspection, naming the file: evidence that does not
// verify is never silently left out, nor used. Reads files; no clock; thread-safe.
#pragma once

#include <filesystem>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/log/manifest_file.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::inspect {

// The most manifest files one inspection reads (a directory of a whole store's manifests is
// the signer's job, not QA's: take the unit's with `hallmark-signer manifests --serial S`).
inline constexpr std::size_t kMaxManifestFiles = 100000;

// kUsage when `sources` is empty or names no manifest file; kIo when one cannot be read;
// kVerificationFailed naming the first file that does not verify.
[[nodiscard]] Result<std::vector<verifier::VerifiedManifest>> load_manifests(
    const std::vector<std::filesystem::path>& sources, const verifier::TrustedRoot& root);

}  // namespace hallmark::inspect
