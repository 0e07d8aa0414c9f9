// `hallmark-signer sign`: sign a document into a DSSE envelope with a key held in a token,
// or add a co-signature to an existing envelope. Shows what is about to be signed (type,
// size, SHA-256) before asking for the PIN, and refuses keys that are or were extractable.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::signer {

void add_sign_command(tool::CommandLine& cli);

}  // namespace hallmark::signer
