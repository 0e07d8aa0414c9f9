// `hallmark-station journal seal`: the journal's records the signer acknowledged, moved into
// a segment file to archive off the station (station-agent/journal/journal_seal.h).
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_journal_commands(tool::CommandLine& cli);

}  // namespace hallmark::station
