#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>

#include <doctest/doctest.h>

#include "hsm-profiles/src/pin.h"

using namespace hallmark;

namespace {

std::string_view text(const hsm::Pin& pin) {
  return {reinterpret_cast<const char*>(pin.data()), pin.size()};
}

// A file in a fresh private directory, removed with it.
class TempFile {
 public:
  TempFile(std::string_view content, mode_t mode) {
    std::string pattern = (std::filesystem::temp_directory_path() / "hallmark-pin-XXXXXX");
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    path_ = dir_ / "pin.txt";
    std::ofstream(path_) << content;
    REQUIRE(::chmod(path_.c_str(), mode) == 0);
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("PIN sources are parsed from prompt and file: fd: env: specs") {
    auto prompt = hsm::parse_pin_source("prompt");
    REQUIRE(prompt);
    CHECK(prompt->kind == hsm::PinSource::Kind::kPrompt);
    auto file = hsm::parse_pin_source("file:/run/pin");
    REQUIRE(file);
    CHECK(file->kind == hsm::PinSource::Kind::kFile);
    CHECK(file->value == "/run/pin");
    auto fd = hsm::parse_pin_source("fd:3");
    REQUIRE(fd);
    CHECK(fd->kind == hsm::PinSource::Kind::kFd);
    CHECK(fd->value == "3");
    auto env = hsm::parse_pin_source("env:HALLMARK_PIN");
    REQUIRE(env);
    CHECK(env->kind == hsm::PinSource::Kind::kEnv);
    CHECK(env->value == "HALLMARK_PIN");
  }

  TEST_CASE("a PIN typed where its source belongs is refused and not echoed") {
    for (const char* spec : {"123456", "file:", "env:", "pin:123456"}) {
      CAPTURE(spec);
      auto source = hsm::parse_pin_source(spec);
      REQUIRE_FALSE(source);
      CHECK(source.error().code == ErrorCode::kUsage);
      CHECK(source.error().message.find("123456") == std::string::npos);
    }
  }

  TEST_CASE("PIN from a private file is its first line without the newline") {
    TempFile file("4711-pin\r\nsecond line\n", 0600);
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kFile, file.path()}, "");
    REQUIRE(pin);
    CHECK(text(*pin) == "4711-pin");
  }

  TEST_CASE("a world-readable PIN file is refused") {
    TempFile file("4711\n", 0644);
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kFile, file.path()}, "");
    REQUIRE_FALSE(pin);
    CHECK(pin.error().code == ErrorCode::kPolicyRefused);
    CHECK(pin.error().message.find("chmod 600") != std::string::npos);
    CHECK(pin.error().message.find(file.path()) != std::string::npos);
  }

  TEST_CASE("a missing or empty PIN file gives an error naming it") {
    auto missing = hsm::read_pin({hsm::PinSource::Kind::kFile, "/nonexistent/hallmark.pin"}, "");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::kIo);
    CHECK(missing.error().message.find("/nonexistent/hallmark.pin") != std::string::npos);

    TempFile empty("\n", 0600);
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kFile, empty.path()}, "");
    REQUIRE_FALSE(pin);
    CHECK(pin.error().message.find("empty") != std::string::npos);
  }

  TEST_CASE("PIN from a file descriptor stops at the newline and leaves the rest") {
    std::array<int, 2> fds{};
    REQUIRE(::pipe(fds.data()) == 0);
    const std::string_view data = "fd-pin-99\nnext";
    REQUIRE(::write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    ::close(fds[1]);
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kFd, std::to_string(fds[0])}, "");
    REQUIRE(pin);
    CHECK(text(*pin) == "fd-pin-99");
    std::array<char, 8> rest{};
    CHECK(::read(fds[0], rest.data(), rest.size()) == 4);
    CHECK(std::string_view(rest.data(), 4) == "next");
    CHECK((::fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);  // never inherited
    ::close(fds[0]);
  }

  TEST_CASE("a closed or malformed PIN file descriptor is a usage error") {
    auto closed = hsm::read_pin({hsm::PinSource::Kind::kFd, "987"}, "");
    REQUIRE_FALSE(closed);
    CHECK(closed.error().message.find("not open") != std::string::npos);
    auto bad = hsm::read_pin({hsm::PinSource::Kind::kFd, "3x"}, "");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kUsage);
  }

  TEST_CASE("PIN from the environment variable the caller names") {
    REQUIRE(::setenv("HALLMARK_TEST_PIN_ENV", "env-pin-314", 1) == 0);
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kEnv, "HALLMARK_TEST_PIN_ENV"}, "");
    REQUIRE(pin);
    CHECK(text(*pin) == "env-pin-314");
    ::unsetenv("HALLMARK_TEST_PIN_ENV");
  }

  TEST_CASE("a missing PIN environment variable gives a clear error naming it") {
    ::unsetenv("HALLMARK_TEST_NO_SUCH_PIN");
    auto pin = hsm::read_pin({hsm::PinSource::Kind::kEnv, "HALLMARK_TEST_NO_SUCH_PIN"}, "");
    REQUIRE_FALSE(pin);
    CHECK(pin.error().code == ErrorCode::kUsage);
    CHECK(pin.error().message.find("HALLMARK_TEST_NO_SUCH_PIN is not set") != std::string::npos);

    auto bad_name = hsm::read_pin({hsm::PinSource::Kind::kEnv, "NOT-A-NAME"}, "");
    REQUIRE_FALSE(bad_name);
    CHECK(bad_name.error().code == ErrorCode::kUsage);
  }

  TEST_CASE("prompting without a terminal fails cleanly instead of hanging") {
    // In a child without a controlling terminal (setsid), /dev/tty cannot be opened.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::setsid();
      auto pin = hsm::read_pin({hsm::PinSource::Kind::kPrompt, {}}, "PIN: ");
      const bool ok = !pin && pin.error().message.find("no terminal") != std::string::npos;
      ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  TEST_CASE("a moved-from PIN holds nothing and a PIN cannot be copied") {
    static_assert(!std::is_copy_constructible_v<hsm::Pin>);
    static_assert(!std::is_copy_assignable_v<hsm::Pin>);
    hsm::Pin pin("secret-1");
    hsm::Pin moved(std::move(pin));
    CHECK(text(moved) == "secret-1");
    CHECK(pin.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    hsm::Pin assigned("other");
    assigned = std::move(moved);
    CHECK(text(assigned) == "secret-1");
    CHECK(moved.empty());  // NOLINT(bugprone-use-after-move)
  }
}
