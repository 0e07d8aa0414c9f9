// `hallmark-verify bundle PROMOTED --trust-root v1.json ... [--pin-digest HEX]
// [--revocation F] [--channel C] [--at UNIX] [--station-software]`: verifies a promoted bundle completely
// (verify_promoted_bundle: trust-root chain, quorum of approvals, the channel rule, release
// signature, every image digest, native signatures, revocations) against the trust root
// the user pinned, and prints what verified, the anchor, and the release key's id mapping. Exit 1 with the entry and the rule on any failure, a bundle of the other kind
// (firmware / station software, bundle_rules.h) included. Reads files only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>

#include "verifier/cli/trust_root_command.h"
#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"

namespace hallmark::verifier::cli {

struct BundleOptions {
  std::filesystem::path bundle;
  TrustRootInputs trust_root;
  std::string channel = "production";  // the channel the bundle must have been promoted on
  std::optional<int64_t> at;  // default: now
  bool station_software = false;  // a station-software release, not firmware
  bool json = false;
};

CLI::App* add_bundle_command(tool::CommandLine& command_line, BundleOptions& options);

Result<void> run_bundle(const BundleOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
