// `hallmark-ceremony token …` and `key …`: what a custodian does with a card outside a
// ceremony — initialise a rehearsal token, see its PIN state, generate a key inside it,
// inspect a key's provenance and export its public key.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::ceremony {

void add_token_commands(tool::CommandLine& cli);

}  // namespace hallmark::ceremony
