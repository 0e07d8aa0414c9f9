// CommandTemplateDriver: the DeviceDriver for real hardware, driving vendor programmers
// (esptool, espefuse, openocd) through command templates from a config file.
//
// Config: `key = value` lines, `#` comments. Keys: `port`, `timeout_seconds`, and one
// template per operation: `identify` (with `identify_pattern`, a regex whose first group
// is the hardware id in the tool's output), `write` (reads {file}), `read` (must write
// {length} bytes at {offset} into {file}; the driver hashes it), `generate_identity`
// (writes the public key DER into {file}), `install_certificate` (reads {file}),
// `burn_efuse` ({name}, {value} as hex, and {file} holding the value), `reset` and
// `measure` (output lines `boots=0|1`, `reason=...`, `key_digest=HEX`, `secure_boot=0|1`,
// `debug_disabled=0|1`) and `describe` (output lines `family=NAME`, `flash_size=N` in bytes
// or with a binary KB/KiB/MB/MiB suffix as flash tools print it, `chip_revision=...`,
// `boot_formats=A,B`; a wrapper script turns the vendor tool's report into these lines;
// a config without `describe` cannot program: an unknown part is not the SKU's). Placeholders: {port} {offset} {length} {file} {name} {value};
// offsets are written 0x-hex. A template is split into arguments at spaces BEFORE
// placeholders are filled, and run with fork/execvp — never a shell — so a value can never
// become another argument or a command; the program is run by the absolute path
// resolve_program() finds (device_tool.h), the one tool() hashes. A tool that exits non-zero, or runs past the
// timeout (then it is killed), is a kIo Error quoting the end of its output. An operation
// without a template is kUsage. Tools run with a clean environment and stdio only, and
// their output is bounded (run_tool below). Temporary files live in a private directory removed with
// the driver. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "station-agent/driver/device_driver.h"

namespace hallmark::device {

class CommandTemplateDriver final : public DeviceDriver {
 public:
  static Result<std::unique_ptr<CommandTemplateDriver>> from_config(const std::filesystem::path& config);
  ~CommandTemplateDriver() override;
  CommandTemplateDriver(const CommandTemplateDriver&) = delete;
  CommandTemplateDriver& operator=(const CommandTemplateDriver&) = delete;

  Result<HardwareId> identify() override;
  Result<DeviceDescription> describe() override;
  Result<void> write(std::uint32_t offset, ByteView data, const WriteProgress& progress) override;
  Result<verifier::Digest> read_hash(std::uint32_t offset, std::uint32_t length) override;
  Result<Bytes> generate_identity() override;
  Result<void> install_certificate(ByteView der) override;
  Result<void> burn_efuse(std::string_view name, ByteView value) override;
  Result<Measurement> measure(const std::vector<Region>& regions) override;
  Result<BootVerdict> reset() override;
  // "cmd", the config file's digest as loaded, and every template's program (hashed now).
  DeviceTool tool() override;

 private:
  using Values = std::map<std::string, std::string>;
  CommandTemplateDriver(std::map<std::string, std::string> config, std::filesystem::path tmp,
                        std::chrono::milliseconds timeout, verifier::Digest config_sha256)
      : config_(std::move(config)), tmp_(std::move(tmp)), timeout_(timeout),
        config_sha256_(config_sha256) {}
  // Runs the template `op` with `values` (plus {port} and {file}); returns its output.
  Result<std::string> run(const std::string& op, Values values);
  [[nodiscard]] std::filesystem::path file() const { return tmp_ / "data.bin"; }

  std::map<std::string, std::string> config_;
  std::filesystem::path tmp_;
  std::chrono::milliseconds timeout_;
  verifier::Digest config_sha256_;
};

// A device tool's output (stdout and stderr together) beyond this is refused: the tool is
// killed and the operation fails (kIo) before the buffer grows further.
inline constexpr std::size_t kMaxToolOutputBytes = 1024 * 1024;
// The tool's PATH when the station has none.
inline constexpr const char* kToolPath = "/usr/local/bin:/usr/bin:/bin";

// Runs argv[0] (PATH lookup) with argv, stdout and stderr captured together, killed after
// `timeout`. The tool gets a clean environment (PATH and LANG=C only), /dev/null as stdin
// and no descriptor but stdio, so nothing of the station's (a PIN variable or descriptor,
// the journal, a token session) reaches it. Output past kMaxToolOutputBytes is kIo. Exposed
// for tests.
struct ToolOutput {
  int exit_status = -1;  // exit code, or -1 when killed by a signal or the timeout
  bool timed_out = false;
  std::string output;
};
// `flash_size=` of a describe output: decimal bytes, or with a KB/KiB/MB/MiB suffix (all
// binary: 4MB is 4194304, as esptool and nrfjprog mean it). kIo for anything else or a
// size past 2^40. Exposed for tests.
[[nodiscard]] Result<std::uint64_t> parse_flash_size(std::string_view text);

[[nodiscard]] Result<ToolOutput> run_tool(const std::vector<std::string>& argv,
                                          std::chrono::milliseconds timeout);

}  // namespace hallmark::device
