// hallmark-signer's commands that only read the evidence store (docs/evidence.md): query,
// report and retention export. No token, no trust root: what they print was verified when it
// was countersigned. Flags and output here; the rules live in signer/evidence and the store.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "signer/store/evidence_store.h"
#include "verifier/tool/command_line.h"

namespace hallmark::signer {

// query, report, retention export, in that order (add_evidence_commands adds them after
// countersign and manifests).
void add_store_commands(tool::CommandLine& cli);

// --store, required: a SQLite file or a PostgreSQL connection. Every evidence command takes
// it through this one struct: the flag's name and help are written in add_store_flag() and
// the store is opened only through open().
struct StoreFlag {
  std::string location;  // as given: a path, sqlite:PATH, postgresql://... or postgres:CONNINFO

  // The store the flag names (evidence::open_store: the schema is created or checked).
  [[nodiscard]] Result<std::unique_ptr<evidence::EvidenceStore>> open() const {
    return evidence::open_store(location);
  }
};

void add_store_flag(CLI::App& cmd, StoreFlag& store);

}  // namespace hallmark::signer
