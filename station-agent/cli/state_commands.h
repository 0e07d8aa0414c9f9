// `hallmark-station install-registration` and `hallmark-station intake`: thin commands over
// hallmark::station (station-agent/station). install-registration pins the trust root and
// stores the signed registration; intake verifies a promoted bundle under the pinned root
// and station policy and stages it read-only in the cache; install-revocation keeps a
// revocation in the state directory and journals it (StationLine::install_revocation). No logic beyond flags → library
// → report; never reads key material (the token is consulted for public key ids only).
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_install_registration_command(tool::CommandLine& cli);
void add_intake_command(tool::CommandLine& cli);
void add_install_revocation_command(tool::CommandLine& cli);

}  // namespace hallmark::station
