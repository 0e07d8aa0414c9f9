// Keeping a process that handles PINs from handing its memory to anyone else.
//
// protect_secret_process() turns core dumps off (RLIMIT_CORE 0, so a crash writes no core
// file holding a PIN or a session) and marks the process not dumpable
// (prctl PR_SET_DUMPABLE 0: no core, and other processes of the same user — a device tool
// the station starts, a script on the host — can neither ptrace it nor read its
// /proc/PID/mem or /proc/PID/environ). Every main that may read a PIN calls it first:
// hallmark-station, hallmark-signer, hallmark-ceremony and the two Qt consoles. Never reads
// a PIN itself. Process-wide; call from main before any thread starts.
#pragma once

#include "verifier/core/error.h"

namespace hallmark::hsm {

// kInternal (naming the call and errno's text) if either setting could not be made.
[[nodiscard]] Result<void> protect_secret_process();

// For main(): protect_secret_process(), or a message on stderr and false (exit then).
[[nodiscard]] bool protect_secret_process_or_report(const char* program);

}  // namespace hallmark::hsm
