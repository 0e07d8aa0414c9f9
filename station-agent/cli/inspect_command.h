// `hallmark-station inspect --token URI --device DEV --manifests DIR --reason T`: receive a
// returned unit (station-agent/station/unit_return.h): inspect it against its evidence,
// journal RMA_RECEIVED, stop the line when it is not the unit its evidence says. Exit 0
// when every check passed, 1 when one failed (recorded) or the line stopped.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_inspect_command(tool::CommandLine& cli);

}  // namespace hallmark::station
