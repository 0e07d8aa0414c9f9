// PIN hygiene against a hostile device tool (or anything else the station starts) and
// against anyone who can read a crashed or running process of the same user: a PIN read
// from a variable or a descriptor does not stay there, a device tool starts with a clean
// environment and stdio only, and a process that reads PINs is not dumpable.
// Each case runs in its own process (doctest_discover_tests), so the process-wide changes
// (environment, descriptors, dumpable flag) do not leak between them.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/secret_process.h"
#include "station-agent/driver/command_template_driver.h"

namespace hallmark::attacks {
namespace {

std::string text(const hsm::Pin& pin) {
  return std::string(reinterpret_cast<const char*>(pin.data()), pin.size());
}

// What a device tool sees: runs `script` with /bin/sh through the command driver's runner.
std::string tool_sees(const std::string& script) {
  auto out = device::run_tool({"/bin/sh", "-c", script}, std::chrono::seconds(10));
  REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
  REQUIRE_MESSAGE(out->exit_status == 0, out->output);
  return out->output;
}

std::string pipe_name(int fd) {
  std::array<char, 64> target{};
  const auto n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target.data(),
                            target.size() - 1);
  REQUIRE(n > 0);
  return std::string(target.data(), static_cast<std::size_t>(n));
}

TEST_CASE("a PIN variable is wiped where it lies and removed from the environment once read") {
  // putenv: the environment holds this very buffer, as it holds the block a process starts
  // with (/proc/PID/environ).
  static char entry[] = "HALLMARK_ATTACK_PIN=735194";
  REQUIRE(::putenv(entry) == 0);
  auto pin = hsm::read_pin({hsm::PinSource::Kind::kEnv, "HALLMARK_ATTACK_PIN"}, "");
  REQUIRE(pin);
  CHECK(text(*pin) == "735194");
  CHECK(std::getenv("HALLMARK_ATTACK_PIN") == nullptr);
  CHECK(std::string_view(entry).find("735194") == std::string_view::npos);
  // A signature PIN later in the same process still gets it, from wiped memory.
  auto again = hsm::read_pin({hsm::PinSource::Kind::kEnv, "HALLMARK_ATTACK_PIN"}, "");
  REQUIRE(again);
  CHECK(text(*again) == "735194");
}

TEST_CASE("a device tool does not inherit the PIN variable or anything else of the station's environment") {
  REQUIRE(::setenv("HALLMARK_ATTACK_PIN", "735194", 1) == 0);
  REQUIRE(::setenv("HALLMARK_CARD_PIN", "246810", 1) == 0);  // a PIN never read: still not passed
  REQUIRE(hsm::read_pin({hsm::PinSource::Kind::kEnv, "HALLMARK_ATTACK_PIN"}, ""));
  const std::string env = tool_sees("env");
  CHECK(env.find("735194") == std::string::npos);
  CHECK(env.find("246810") == std::string::npos);
  CHECK(env.find("HALLMARK") == std::string::npos);
  // Only what the driver sets (sh adds PWD itself).
  for (std::size_t at = 0; at < env.size();) {
    const std::size_t end = env.find('\n', at);
    const std::string line = env.substr(at, end - at);
    CHECK_MESSAGE((line.starts_with("PATH=") || line == "LANG=C" || line.starts_with("PWD=")),
                  line);
    at = end == std::string::npos ? env.size() : end + 1;
  }
}

TEST_CASE("a device tool does not inherit the PIN descriptor or any other descriptor but stdio") {
  // As a shell passes it: an inheritable pipe holding the PIN (twice, as for a login and a
  // signature) on fd N.
  std::array<int, 2> fds{};
  REQUIRE(::pipe(fds.data()) == 0);
  const std::string_view data = "735194\n735194\n";
  REQUIRE(::write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  const std::string pin_pipe = pipe_name(fds[0]);
  // And a descriptor some library opened without O_CLOEXEC.
  const int leaked = ::open("/etc/hostname", O_RDONLY);
  REQUIRE(leaked >= 0);

  auto pin = hsm::read_pin({hsm::PinSource::Kind::kFd, std::to_string(fds[0])}, "");
  REQUIRE(pin);
  CHECK(text(*pin) == "735194");
  // Still holding the signature's copy: open, but close-on-exec.
  CHECK((::fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(pipe_name(fds[0]) == pin_pipe);

  // The shell's own descriptors, listed by ls from outside it.
  const std::string fds_seen = tool_sees("ls -l /proc/$$/fd/");
  CHECK(fds_seen.find(pin_pipe) == std::string::npos);
  CHECK(fds_seen.find("/etc/hostname") == std::string::npos);
  CHECK(fds_seen.find(" 0 -> /dev/null") != std::string::npos);  // stdin: not the operator's terminal
  std::size_t open = 0;
  for (std::size_t at = fds_seen.find(" -> "); at != std::string::npos; at = fds_seen.find(" -> ", at + 1)) ++open;
  CHECK_MESSAGE(open == 3, fds_seen);  // 0, 1 and 2 only
  ::close(leaked);

  // The last copy read: nothing more can come, so the PIN pipe is closed.
  auto second = hsm::read_pin({hsm::PinSource::Kind::kFd, std::to_string(fds[0])}, "");
  REQUIRE(second);
  CHECK(text(*second) == "735194");
  CHECK(pipe_name(fds[0]) == "/dev/null");
  ::close(fds[0]);
}

// What a device tool started now prints, or "" if it could not run.
std::string quietly_sees(const std::string& script) {
  auto out = device::run_tool({"/bin/sh", "-c", script}, std::chrono::seconds(10));
  return out ? out->output : std::string();
}

// The dumpable checks, in a child process; 0 or the number of the check that failed.
int dump_checks() {
  // Before: a process of the same user (the device tool, here) reads its parent's environ.
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) return 10;
  if (quietly_sees("cat /proc/$PPID/environ > /dev/null && echo readable") != "readable\n") return 11;
  if (!hsm::protect_secret_process()) return 12;
  if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) return 13;
  rlimit core{};
  if (::getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) return 14;
  if (quietly_sees("cat /proc/$PPID/environ > /dev/null 2>&1 || echo refused") != "refused\n") return 15;
  if (quietly_sees("cat /proc/$PPID/mem > /dev/null 2>&1 || echo refused") != "refused\n") return 16;
  return 0;
}

TEST_CASE("a process that reads PINs writes no core dump and a device tool cannot read its memory or environment") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Root reads any process (CAP_SYS_PTRACE): check as the unprivileged account a station
    // runs under.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(20);
    ::_exit(dump_checks());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, "check " << WEXITSTATUS(status) << " failed");
}

}  // namespace
}  // namespace hallmark::attacks
