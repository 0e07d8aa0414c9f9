#include "tests/verifier/run_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>

#include "tests/verifier/test_support.h"

namespace hallmark::verifier::testing {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  TempDir dir;
  const auto err_path = dir.path() / "stderr";
  const std::string full = command + " 2>" + shell_quote(err_path.string());
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  CommandResult result;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = read_text(err_path);
  return result;
}

}  // namespace hallmark::verifier::testing
