// hallmark-signer's evidence commands (docs/evidence.md): countersign, query, report and
// retention export. Flags and files here; the rules live in signer/evidence and the store.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::signer {

void add_evidence_commands(tool::CommandLine& cli);

}  // namespace hallmark::signer
