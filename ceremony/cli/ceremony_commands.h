// `hallmark-ceremony init | enroll-station | rotate | revoke | approve | backup | restore`: flags → library → outputs.
// Each command lives in its own file; the ceremonies themselves are in ceremony/src.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::ceremony {

void add_init_command(tool::CommandLine& cli);
void add_enroll_command(tool::CommandLine& cli);
void add_rotate_command(tool::CommandLine& cli);
void add_revoke_command(tool::CommandLine& cli);
void add_approve_command(tool::CommandLine& cli);
void add_roster_command(tool::CommandLine& cli);
void add_backup_commands(tool::CommandLine& cli);

}  // namespace hallmark::ceremony
