// hallmark-signer's commands that only read the evidence store (docs/evidence.md): query,
// report and retention export. No token, no trust root: what they print was verified when it
// was countersigned. Flags and output here; the rules live in signer/evidence and the store.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "verifier/tool/command_line.h"

namespace hallmark::signer {

// query, report, retention export, in that order (add_evidence_commands adds them after
// countersign and manifests).
void add_store_commands(tool::CommandLine& cli);

// --store, required: a SQLite file or a PostgreSQL connection, as every evidence command
// takes it.
void add_store_flag(CLI::App& cmd, std::string& store);

}  // namespace hallmark::signer
