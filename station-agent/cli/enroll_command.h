// `hallmark-station enroll`: generate (or reuse) the station key and the device-CA key on
// the station's token and write the enrollment request the custodians will sign in.
// Hashes the running binary and the configuration before asking for the PIN; writes the
// request atomically, so a failure leaves nothing behind.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_enroll_command(tool::CommandLine& cli);

}  // namespace hallmark::station
