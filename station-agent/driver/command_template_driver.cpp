#include "station-agent/driver/command_template_driver.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "verifier/io/file_io.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::device {
namespace {

using Clock = std::chrono::steady_clock;

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r") - b + 1));
}

std::string tail(const std::string& s) { return s.size() > 400 ? "..." + s.substr(s.size() - 400) : s; }

std::map<std::string, std::string> parse_lines(std::string_view text, char separator) {
  std::map<std::string, std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (trim(line).starts_with('#')) continue;
    const auto eq = line.find(separator);
    if (eq != std::string::npos) out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

}  // namespace

Result<std::uint64_t> parse_flash_size(std::string_view text) {
  const auto bad = [&] {
    return fail(ErrorCode::kIo, fmt::format("describe: flash_size '{}' is not a size (bytes, or "
                                            "a number with KB, KiB, MB or MiB)",
                                            text.substr(0, 64)));
  };
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 13) return bad();  // 2^40 has 13 digits; no overflow below 20
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 1;
  if (unit == "KB" || unit == "KiB") {
    scale = 1024;
  } else if (unit == "MB" || unit == "MiB") {
    scale = 1024 * 1024;
  } else if (!unit.empty()) {
    return bad();
  }
  if (value > (std::uint64_t{1} << 40) / scale) return bad();
  return value * scale;
}

Result<ToolOutput> run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) return fail(ErrorCode::kUsage, "empty command");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, fmt::format("pipe: {}", std::strerror(errno)));
  fileio::UniqueFd read_end(fds[0]), write_end(fds[1]);
  fileio::UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) return fail(ErrorCode::kIo, fmt::format("/dev/null: {}", std::strerror(errno)));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The tool's whole environment, built here: nothing inherited (a PIN variable, a token
  // module path, a proxy) reaches it.
  const char* path = std::getenv("PATH");
  std::string path_entry = std::string("PATH=") + (path != nullptr && *path != '\0' ? path : kToolPath);
  std::string lang_entry = "LANG=C";
  char* const env[] = {path_entry.data(), lang_entry.data(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::kIo, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    ::dup2(null_in.get(), STDIN_FILENO);
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::dup2(write_end.get(), STDERR_FILENO);
    // Only stdio crosses into the tool, whatever was opened without O_CLOEXEC.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    }
    ::execvpe(args[0], args.data(), env);
    ::_exit(127);
  }
  write_end.close();
  null_in.close();
  ToolOutput result;
  const auto deadline = Clock::now() + timeout;
  bool flooded = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (result.output.size() + static_cast<std::size_t>(n) > kMaxToolOutputBytes) {
      flooded = true;  // refused before the buffer grows past the limit
      ::kill(pid, SIGKILL);
      break;
    }
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (flooded) {
    return fail(ErrorCode::kIo,
                fmt::format("device tool {}: its output passed the {} byte limit; the tool was "
                            "killed and its output refused (check the tool and its template)",
                            argv[0], kMaxToolOutputBytes));
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

Result<std::unique_ptr<CommandTemplateDriver>> CommandTemplateDriver::from_config(
    const std::filesystem::path& config) {
  auto text = fileio::read_file(config, 1 << 20);
  if (!text) return std::unexpected(text.error());
  auto values = parse_lines(as_chars(*text), '=');
  std::chrono::milliseconds timeout = kDefaultTimeout;
  if (auto it = values.find("timeout_seconds"); it != values.end()) {
    char* end = nullptr;
    const long s = std::strtol(it->second.c_str(), &end, 10);
    if (*end != '\0' || s <= 0 || s > 3600) {
      return fail(ErrorCode::kUsage, fmt::format("{}: timeout_seconds must be 1..3600", config.string()));
    }
    timeout = std::chrono::seconds(s);
  }
  auto config_sha256 = verifier::sha256(*text);  // the bytes parsed above
  if (!config_sha256) return std::unexpected(config_sha256.error());
  std::string tmpl = (std::filesystem::temp_directory_path() / "hallmark-driver-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(ErrorCode::kIo, fmt::format("mkdtemp: {}", std::strerror(errno)));
  return std::unique_ptr<CommandTemplateDriver>(
      new CommandTemplateDriver(std::move(values), tmpl, timeout, *config_sha256));
}

CommandTemplateDriver::~CommandTemplateDriver() {
  std::error_code ignored;
  std::filesystem::remove_all(tmp_, ignored);
}

Result<std::string> CommandTemplateDriver::run(const std::string& op, Values values) {
  auto it = config_.find(op);
  if (it == config_.end() || it->second.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("command driver: no '{}' template configured", op));
  }
  values["port"] = config_.count("port") ? config_.at("port") : "";
  values["file"] = file().string();
  std::vector<std::string> argv;
  std::istringstream words(it->second);
  for (std::string word; words >> word;) {
    for (const auto& [key, value] : values) {
      const std::string placeholder = "{" + key + "}";
      for (auto at = word.find(placeholder); at != std::string::npos; at = word.find(placeholder, at + value.size())) {
        word.replace(at, placeholder.size(), value);
      }
    }
    argv.push_back(std::move(word));
  }
  if (argv.empty()) return fail(ErrorCode::kUsage, fmt::format("command driver: the '{}' template is empty", op));
  auto program = resolve_program(argv[0]);  // run what tool() hashed
  if (!program) return std::unexpected(program.error());
  argv[0] = program->string();
  auto out = run_tool(argv, timeout_);
  if (!out) return std::unexpected(out.error());
  if (out->timed_out) {
    return fail(ErrorCode::kIo, fmt::format("{} ({}): no result within {} ms; killed. Output: {}", op,
                                            argv[0], timeout_.count(), tail(out->output)));
  }
  if (out->exit_status != 0) {
    return fail(ErrorCode::kIo, fmt::format("{} ({}) failed with exit status {}: {}", op, argv[0],
                                            out->exit_status, tail(out->output)));
  }
  return out->output;
}

Result<HardwareId> CommandTemplateDriver::identify() {
  auto out = run("identify", {});
  if (!out) return std::unexpected(out.error());
  const std::string pattern = config_.count("identify_pattern") ? config_.at("identify_pattern") : "";
  std::smatch m;
  try {
    if (!pattern.empty() && std::regex_search(*out, m, std::regex(pattern)) && m.size() > 1 && m[1].length() > 0) {
      return HardwareId{m[1].str()};
    }
  } catch (const std::regex_error& e) {
    return fail(ErrorCode::kUsage, fmt::format("identify_pattern: {}", e.what()));
  }
  return fail(ErrorCode::kIo, fmt::format("identify: no hardware id in the tool's output: {}", tail(*out)));
}

Result<DeviceDescription> CommandTemplateDriver::describe() {
  auto out = run("describe", {});
  if (!out) return std::unexpected(out.error());
  auto fields = parse_lines(*out, '=');
  DeviceDescription d;
  d.family = fields["family"];
  d.chip_revision = fields["chip_revision"];
  if (const std::string& size = fields["flash_size"]; !size.empty()) {
    auto bytes = parse_flash_size(size);
    if (!bytes) return std::unexpected(bytes.error());
    d.flash_size = *bytes;
  }
  std::istringstream formats(fields["boot_formats"]);
  for (std::string f; std::getline(formats, f, ',');) {
    if (auto t = trim(f); !t.empty()) d.boot_formats.push_back(std::move(t));
  }
  return d;
}

Result<void> CommandTemplateDriver::write(std::uint32_t offset, ByteView data, const WriteProgress& progress) {
  if (auto w = fileio::write_file_atomic(file(), data, 0600); !w) return w;
  auto out = run("write", {{"offset", fmt::format("0x{:x}", offset)}, {"length", std::to_string(data.size())}});
  if (!out) return std::unexpected(std::move(out.error()).context(fmt::format("writing at 0x{:x}", offset)));
  if (progress) progress(data.size(), data.size());
  return {};
}

Result<verifier::Digest> CommandTemplateDriver::read_hash(std::uint32_t offset, std::uint32_t length) {
  std::error_code ignored;
  std::filesystem::remove(file(), ignored);
  auto out = run("read", {{"offset", fmt::format("0x{:x}", offset)}, {"length", std::to_string(length)}});
  if (!out) return std::unexpected(out.error());
  auto data = fileio::read_file(file(), std::size_t{length} + 1);
  if (!data) return std::unexpected(data.error());
  if (data->size() != length) {
    return fail(ErrorCode::kIo, fmt::format("read at 0x{:x}: the tool returned {} bytes, expected {}", offset,
                                            data->size(), length));
  }
  return verifier::sha256(*data);
}

Result<Bytes> CommandTemplateDriver::generate_identity() {
  std::error_code ignored;
  std::filesystem::remove(file(), ignored);
  auto out = run("generate_identity", {});
  if (!out) return std::unexpected(out.error());
  return fileio::read_file(file(), 1 << 16);
}

Result<void> CommandTemplateDriver::install_certificate(ByteView der) {
  if (auto w = fileio::write_file_atomic(file(), der, 0600); !w) return w;
  auto r = run("install_certificate", {});
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<void> CommandTemplateDriver::burn_efuse(std::string_view name, ByteView value) {
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                          std::string_view::npos) {
    return fail(ErrorCode::kUsage, fmt::format("eFuse name '{}' is not a plain identifier", name));
  }
  if (auto w = fileio::write_file_atomic(file(), value, 0600); !w) return w;
  auto r = run("burn_efuse", {{"name", std::string(name)}, {"value", to_hex(value)}});
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<Measurement> CommandTemplateDriver::measure(const std::vector<Region>& regions) {
  auto out = run("measure", {});
  if (!out) return std::unexpected(out.error());
  auto fields = parse_lines(*out, '=');
  Measurement m;
  m.boot = {fields["boots"] == "1", fields["reason"]};
  if (!fields["key_digest"].empty()) {
    auto d = verifier::Digest::from_hex(fields["key_digest"]);
    if (!d) return std::unexpected(std::move(d.error()).context("measure: key_digest"));
    m.efuses.key_digest_burned = *d != verifier::Digest{};
    m.efuses.key_digest = *d;
  }
  m.efuses.secure_boot_enabled = fields["secure_boot"] == "1";
  m.efuses.debug_disabled = fields["debug_disabled"] == "1";
  for (const auto& r : regions) {
    auto d = read_hash(r.offset, r.length);
    if (!d) return std::unexpected(d.error());
    m.region_digests.push_back(*d);
  }
  return m;
}

DeviceTool CommandTemplateDriver::tool() {
  std::vector<std::string> programs;
  for (const char* op : {"identify", "describe", "write", "read", "generate_identity", "install_certificate",
                         "burn_efuse", "measure", "reset"}) {
    auto it = config_.find(op);
    if (it == config_.end()) continue;
    std::istringstream words(it->second);
    if (std::string program; words >> program) programs.push_back(program);
  }
  return DeviceTool{"cmd", config_sha256_, identify_programs(programs)};
}

Result<BootVerdict> CommandTemplateDriver::reset() {
  auto out = run("reset", {});
  if (!out) return std::unexpected(out.error());
  return BootVerdict{true, trim(*out)};
}

}  // namespace hallmark::device
