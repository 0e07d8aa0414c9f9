// `hallmark-signer promote`: flags → hallmark::promote. Every check that needs no key runs
// before the release-key PIN is asked for; the PIN comes from --pin (prompt, env:, file:,
// fd:), never from argv. Exit codes as docs/design.md §8: 1 refused, 3 token, 4 I/O.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::signer {

void add_promote_command(tool::CommandLine& cli);

}  // namespace hallmark::signer
