// `hallmark-verify transcript`: verify a ceremony transcript's signatures (a root quorum of
// a trust root chain, or a threshold of given public keys) and its hash chain, then print
// it for an auditor (render_transcript), or as JSON with every entry decoded.
//
// Flags are declared here; the rules live in hallmark::trust. Any edited, removed,
// inserted or reordered entry, or too few signers, is exit 1. Reads files, never writes.
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

struct TranscriptOptions {
  std::filesystem::path transcript;
  TrustRootInputs trust_root;               // either a trust root chain ...
  std::vector<std::filesystem::path> keys;  // ... or public keys (PEM) and a threshold
  std::uint32_t threshold = 0;
  std::optional<int64_t> at;  // when the trust root must be valid; default now
  bool json = false;          // the global --json flag
};

// Adds the `transcript` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_transcript_command(tool::CommandLine& command_line, TranscriptOptions& options);

Result<void> run_transcript(const TranscriptOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
