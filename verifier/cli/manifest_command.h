// `hallmark-verify manifest FILE.manifest.json... --trust-root v1.json ...`: verifies each
// per-serial provisioning manifest offline (verify_manifest_file: evidence checkpoint,
// inclusion in the log, station registration, the station's attestation) and prints what
// the unit received, where and when. FILE is a v1::ManifestFile in protobuf JSON mapping.
// Exit 1 naming the file and the rule on any failure. Reads files only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "verifier/cli/trust_root_command.h"
#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"

namespace hallmark::verifier::cli {

struct ManifestOptions {
  std::vector<std::filesystem::path> files;  // from the command line: each verified in turn
  std::filesystem::path file;                // the one run_manifest / run_device verify
  TrustRootInputs trust_root;
  std::optional<int64_t> at;  // default: now
  bool json = false;          // the global --json flag: the verified ProvisioningManifest
  std::filesystem::path pem_out;  // device: write the certificate and its chain as PEM here
};

// Adds the `manifest` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_manifest_command(tool::CommandLine& command_line, ManifestOptions& options);

Result<void> run_manifest(const ManifestOptions& options, std::ostream& out);

// `hallmark-verify device FILE.manifest.json`: the manifest as above, then the unit's
// identity certificate inside its attestation (verify_device_certificate) against the
// station's device-CA certificate and key from the registration the manifest carries.
CLI::App* add_device_command(tool::CommandLine& command_line, ManifestOptions& options);
Result<void> run_device(const ManifestOptions& options, std::ostream& out);

// The trust-root flags shared by `manifest` and `log` (--trust-root, --pin-digest,
// --revocation, --at).
void add_trust_root_flags(CLI::App& sub, TrustRootInputs& inputs, std::optional<int64_t>& at);

}  // namespace hallmark::verifier::cli
