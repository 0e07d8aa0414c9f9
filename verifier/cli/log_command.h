// `hallmark-verify log DAY.segment --trust-root v1.json ... [--previous EARLIER.segment]`:
// verifies a retention segment of the evidence log offline (verify_log_segment: evidence
// checkpoints, every entry folded into the signed root, consistency with the tree before).
// With --previous the earlier segment is verified first and this one must continue exactly
// the tree it ends with, so a missing segment or a fork between them is refused. SEGMENT is
// a v1::LogSegment in binary protobuf. Reads files only.
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

struct LogOptions {
  std::filesystem::path segment;
  std::optional<std::filesystem::path> previous;
  TrustRootInputs trust_root;
  std::optional<int64_t> at;  // default: now
  bool json = false;          // the global --json flag: the segment's verified LogCheckpoint
};

// Adds the `log` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_log_command(tool::CommandLine& command_line, LogOptions& options);

Result<void> run_log(const LogOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
