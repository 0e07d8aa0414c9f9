// `hallmark-verify journal`: check a station journal export offline with the station's
// public key (and, optionally, the export it continues).
//
// The work is verifier::verify_station_export(); this file turns files into inputs and the
// verdict into text. With --previous the earlier export is verified first and its head is
// where this export's chain must start, so a gap or overlap between exports is refused.
// Reads files, never writes any.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>

#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"

namespace hallmark::verifier::cli {

struct JournalOptions {
  std::filesystem::path export_file;
  std::filesystem::path station_key;
  std::optional<std::filesystem::path> previous;
};

// Adds the `journal` subcommand; `options` and `command_line` must outlive run().
void add_journal_command(tool::CommandLine& command_line, JournalOptions& options);

// Verifies and prints the station id, sequence range, head hash and record count to `out`.
Result<void> run_journal(const JournalOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
