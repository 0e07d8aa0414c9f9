// `hallmark-verify trust-root`: walk a trust root chain (anchor first), apply revocations,
// check the newest version is fresh, and print it (text, or v1::TrustRoot as --json).
//
// Flags are declared here; the rules live in hallmark::trust (TrustedRoot). This file only
// turns files into envelopes, names the file at fault in every error, and prints the
// verdict. Reads files, never writes any. load_trust_root() is shared with other commands
// that take --trust-root.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier::cli {

struct TrustRootInputs {
  std::vector<std::filesystem::path> chain;        // anchor first
  std::string pin_digest;                          // hex SHA-256 of the anchor's payload
  std::vector<std::filesystem::path> revocations;  // applied after the chain
};

// Reads and verifies the chain and revocations; `now_unix` is when the newest version must
// be valid. Errors name the file at fault.
Result<TrustedRoot> load_trust_root(const TrustRootInputs& inputs, int64_t now_unix);

// The current time, for --at's default (the library never reads the clock).
int64_t unix_now();

struct TrustRootOptions {
  TrustRootInputs inputs;
  std::optional<int64_t> at;  // default: now
  bool json = false;          // the global --json flag
};

// Adds the `trust-root` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_trust_root_command(tool::CommandLine& command_line, TrustRootOptions& options);

Result<void> run_trust_root(const TrustRootOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
