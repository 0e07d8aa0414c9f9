// `hallmark-verify registration FILE --trust-root v1.json ...`: verifies a station
// registration (verify_station_registration: a root quorum signed it, the station is not
// revoked, its enrollment request verifies, its device-CA certificate chains to the
// manufacturing CA) and shows what is inside: the station, its two keys and where they were
// generated, the software and configuration it was enrolled with, the trust root version,
// when it was registered and until when it is valid, and the device-CA certificate. With
// --json: {"registration": ..., "enrollment": ...} in the display JSON of
// verifier/tool/display_json.h. Exit 1 naming the file on any failure. Reads files only.
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

struct RegistrationOptions {
  std::filesystem::path file;
  TrustRootInputs trust_root;
  std::optional<int64_t> at;  // default: now
  bool json = false;
};

// Adds the `registration` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_registration_command(tool::CommandLine& command_line, RegistrationOptions& options);

Result<void> run_registration(const RegistrationOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
