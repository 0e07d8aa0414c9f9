// `hallmark-station export`: the journal's records since the last export, with a checkpoint
// signed by the station key on the token, as one StationExport file for the signer.
// Idempotent and resumable (station-agent/journal/journal_export.h): the export file is
// written atomically before the export state advances, so a crash repeats the range.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_export_command(tool::CommandLine& cli);

}  // namespace hallmark::station
