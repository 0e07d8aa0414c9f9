// `hallmark-verify envelope`: verify one DSSE envelope file against public-key PEM files.
//
// Flags are declared here, the work is done by the verifier library (verify_envelope) and
// file I/O (read_file); this file only turns files into inputs and a verdict into text or
// protobuf JSON (v1::EnvelopeVerification). Reads files, never writes any.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"

namespace hallmark::verifier::cli {

struct EnvelopeOptions {
  std::filesystem::path envelope;
  std::vector<std::filesystem::path> keys;
  std::uint32_t threshold = 1;
  std::string payload_type;
  bool json = false;  // the global --json flag
};

// Adds the `envelope` subcommand; its action runs run_envelope() on std::cout.
// `options` and `command_line` must outlive command_line.run().
CLI::App* add_envelope_command(tool::CommandLine& command_line, EnvelopeOptions& options);

// Verifies, writes the verdict to `out` (with --json also on failure), and returns the
// error for the caller to report on stderr and map to an exit code.
Result<void> run_envelope(const EnvelopeOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
