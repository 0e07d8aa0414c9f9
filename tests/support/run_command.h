// Test-only: runs a shell command and captures its exit code, stdout and stderr.
#pragma once

#include <string>

namespace hallmark::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandResult run_command(const std::string& command);
std::string shell_quote(const std::string& s);

}  // namespace hallmark::testing
