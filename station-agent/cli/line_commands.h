// The programming line's commands: program, rework, scrap, take-over, operator add, login,
// logout, break-glass, status, and card init (a person's key made on their card).
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::station {

void add_line_commands(tool::CommandLine& cli);

}  // namespace hallmark::station
