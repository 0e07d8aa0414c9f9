// Flags every ceremony command shares (--pin NAME=SOURCE, --signer-pin, --present) and the
// one way a command ends: write the outcome (transcript always, document only when it
// verified), print the document's JSON with --json, and turn a refusal into its exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/plan.h"
#include "ceremony/src/terminal_ui.h"
#include "ceremony/src/trust_files.h"

namespace hallmark::ceremony {

struct CeremonyOptions {
  std::vector<std::string> pins;  // NAME=SOURCE
  std::string signer_pin = "prompt";
  std::vector<std::string> present;
};

void add_ceremony_options(CLI::App& cmd, CeremonyOptions& options, bool signer_hsm);

// What every ceremony after init starts from (ceremony/src/trust_files.h, loaded by
// load_trust_files() there): --plan, and --trust-root / --revocation (verifier/tool).
void add_trust_file_options(CLI::App& cmd, TrustFiles& files, const std::string& plan_help);

// A terminal UI on stderr; every --pin name must be a custodian of one of `plans`.
Result<TerminalUi> make_terminal_ui(const CeremonyOptions& options,
                                    std::initializer_list<const LoadedPlan*> plans);

// Writes the outcome next to `out`, reports on stderr, prints JSON on stdout with `json`.
Result<void> finish_ceremony(const CeremonyOutcome& outcome, const std::filesystem::path& out,
                             bool json);

// check_output_free() is the ceremony library's (ceremony/src/outputs.h), shared with the
// custodian console.

}  // namespace hallmark::ceremony
