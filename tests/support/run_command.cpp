#include "tests/support/run_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hallmark::testing {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  const char* tmp = std::getenv("TMPDIR");
  std::string err_path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                         "/hallmark-stderr-XXXXXX";
  const int fd = ::mkstemp(err_path.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed for " + err_path);
  ::close(fd);
  const std::string full = command + " 2>" + shell_quote(err_path) + " </dev/null";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  CommandResult result;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  ::unlink(err_path.c_str());
  return result;
}

}  // namespace hallmark::testing
