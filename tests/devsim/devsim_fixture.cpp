#include "tests/devsim/devsim_fixture.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace hallmark::testing {

DevSim::DevSim(const std::vector<std::string>& flags) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "devsim-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  socket_ = dir_ / "dev.sock";
  start(flags);
}

DevSim::~DevSim() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void DevSim::start(const std::vector<std::string>& flags) {
  std::vector<std::string> argv{HALLMARK_DEVSIM_BIN, "--socket", socket_.string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::error_code ignored;
  std::filesystem::remove(socket_, ignored);
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // The simulator prints "ready" once it is listening; EOF means it exited.
  std::string line;
  char c = 0;
  pollfd p{out[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos && ::poll(&p, 1, 5000) > 0 && ::read(out[0], &c, 1) == 1) {
    line.push_back(c);
  }
  ::close(out[0]);
  if (!line.starts_with("ready")) {
    stop();
    throw std::runtime_error("hallmark-devsim did not start: '" + line + "'");
  }
}

void DevSim::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

void DevSim::restart(const std::vector<std::string>& flags) {
  stop();
  start(flags);
}

}  // namespace hallmark::testing
