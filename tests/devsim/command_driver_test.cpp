// CommandTemplateDriver with a stand-in for esptool: a shell script that answers like the
// tool (chip id in its output, flash kept in files), so templates, placeholders, output
// parsing, exit codes and timeouts are tested without hardware.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "station-agent/driver/command_template_driver.h"
#include "station-agent/driver/device_driver.h"
#include "tests/native/native_test_support.h"

using namespace hallmark;

namespace {

// args: --port PORT COMMAND ...
constexpr const char* kFakeTool = R"SH(#!/bin/sh
dir=$(dirname "$0")
printf '%s' "$2" > "$dir/last-port"
shift 2
case "$1" in
  chip_id) echo "esptool.py v4.7.0"; echo "Chip is ESP32-S3 (revision v0.2)"; echo "MAC: 7c:df:a1:00:11:22" ;;
  write_flash) cp "$3" "$dir/flash-$2" ;;
  read_flash) head -c "$3" "$dir/flash-$2" > "$4" ;;
  burn_efuse) printf '%s=%s\n' "$2" "$3" >> "$dir/efuses" ;;
  measure) echo "boots=1"; echo "reason=ok"; echo "secure_boot=1"; echo "debug_disabled=0" ;;
  describe) echo "family=ESP32-S3"; echo "flash_size=8MB"; echo "chip_revision=v0.2"; echo "boot_formats=ESP32_SECURE_BOOT_V2, MCUBOOT" ;;
  describe_bad_size) echo "family=ESP32-S3"; echo "flash_size=8 megabytes" ;;
  describe_nothing) echo "esptool.py v4.7.0" ;;
  broken) echo "A fatal error occurred: Failed to connect to ESP32-S3: No serial data received."; exit 2 ;;
  hang) sleep 30 ;;
esac
)SH";

struct Bench {
  std::filesystem::path dir;
  Bench() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cmd-driver-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    std::ofstream(dir / "fake-esptool") << kFakeTool;
    ::chmod((dir / "fake-esptool").c_str(), 0755);
  }
  ~Bench() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::unique_ptr<device::DeviceDriver> driver(const std::string& port, const std::string& extra = "") {
    const std::string tool = (dir / "fake-esptool").string();
    std::ofstream(dir / "driver.conf")
        << "# stand-in for esptool\nport = " << port << "\ntimeout_seconds = 1\n"
        << "identify = " << tool << " --port {port} chip_id\n"
        << "identify_pattern = MAC: ([0-9a-f:]+)\n"
        << "write = " << tool << " --port {port} write_flash {offset} {file}\n"
        << "read = " << tool << " --port {port} read_flash {offset} {length} {file}\n"
        << "burn_efuse = " << tool << " --port {port} burn_efuse {name} {value}\n"
        << "measure = " << tool << " --port {port} measure\n" << extra;
    auto d = device::open_driver("cmd:" + (dir / "driver.conf").string());
    REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
    return std::move(*d);
  }
  std::string read(const char* name) const {
    std::ifstream in(dir / name);
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

}  // namespace

TEST_CASE("command driver: the hardware id is parsed from the tool's output") {
  Bench bench;
  auto id = bench.driver("/dev/ttyUSB0")->identify();
  REQUIRE(id.has_value());
  CHECK(id->str() == "7c:df:a1:00:11:22");
  CHECK(bench.read("last-port") == "/dev/ttyUSB0");
}

TEST_CASE("command driver: write then read_hash round-trips through the tool's files") {
  Bench bench;
  auto dev = bench.driver("/dev/ttyUSB0");
  const Bytes image = testing::firmware(10000, 9);
  REQUIRE(dev->write(0x10000, image, {}));
  auto h = dev->read_hash(0x10000, static_cast<std::uint32_t>(image.size()));
  REQUIRE(h.has_value());
  CHECK(*h == *verifier::sha256(image));
  auto short_read = dev->read_hash(0x10000, static_cast<std::uint32_t>(image.size() + 1));
  CHECK_FALSE(short_read.has_value());
}

TEST_CASE("command driver: a placeholder value never becomes a second argument or a shell command") {
  Bench bench;
  const std::string port = "/dev/tty x; touch pwned";
  REQUIRE(bench.driver(port)->identify());
  CHECK(bench.read("last-port") == port);
  CHECK_FALSE(std::filesystem::exists(bench.dir / "pwned"));
}

TEST_CASE("command driver: eFuse value is passed as hex, measure output is parsed") {
  Bench bench;
  auto dev = bench.driver("p");
  REQUIRE(dev->burn_efuse("secure_boot", Bytes{std::byte{1}}));
  CHECK(bench.read("efuses") == "secure_boot=01\n");
  CHECK_FALSE(dev->burn_efuse("x --do-not-confirm", Bytes{std::byte{1}}).has_value());
  auto m = dev->measure({});
  REQUIRE(m.has_value());
  CHECK(m->boot.boots);
  CHECK(m->efuses.secure_boot_enabled);
  CHECK_FALSE(m->efuses.debug_disabled);
}

TEST_CASE("command driver: the device description is parsed from the describe template's output") {
  Bench bench;
  const std::string tool = (bench.dir / "fake-esptool").string();
  auto d = bench.driver("p", "describe = " + tool + " --port {port} describe\n")->describe();
  REQUIRE_MESSAGE(d, (d ? "" : d.error().message));
  CHECK(d->family == "ESP32-S3");
  CHECK(d->flash_size == 8 * 1024 * 1024);
  CHECK(d->chip_revision == "v0.2");
  CHECK(d->boot_formats == std::vector<std::string>{"ESP32_SECURE_BOOT_V2", "MCUBOOT"});
  // A tool that says nothing about the part: an empty description (which never matches).
  auto nothing = bench.driver("p", "describe = " + tool + " --port {port} describe_nothing\n")->describe();
  REQUIRE(nothing);
  CHECK(nothing->family.empty());
  CHECK(nothing->flash_size == 0);
  auto garbled = bench.driver("p", "describe = " + tool + " --port {port} describe_bad_size\n")->describe();
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error().message.find("8 megabytes") != std::string::npos);
}

TEST_CASE("command driver: a config without a describe template cannot describe the device") {
  Bench bench;
  auto d = bench.driver("p")->describe();
  REQUIRE_FALSE(d);
  CHECK(d.error().code == ErrorCode::kUsage);
  CHECK(d.error().message.find("'describe'") != std::string::npos);
}

TEST_CASE("command driver: flash sizes are bytes or binary KB/MB, nothing else, up to 2^40") {
  CHECK(device::parse_flash_size("4194304").value_or(0) == 4194304);
  CHECK(device::parse_flash_size("4MB").value_or(0) == 4194304);
  CHECK(device::parse_flash_size("4MiB").value_or(0) == 4194304);
  CHECK(device::parse_flash_size("512KB").value_or(0) == 524288);
  CHECK(device::parse_flash_size("1099511627776").value_or(0) == (std::uint64_t{1} << 40));
  for (const char* bad : {"", "MB", "4 MB", "4mb", "4GB", "-4", "0x400000", "4.5MB",
                          "1099511627777", "1048577MB", "9999999999999", "99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(device::parse_flash_size(bad));
  }
}

TEST_CASE("command driver: a failing tool is an error quoting its output") {
  Bench bench;
  auto dev = bench.driver("p", "reset = " + (bench.dir / "fake-esptool").string() + " --port {port} broken\n");
  auto r = dev->reset();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(r.error().message.find("exit status 2") != std::string::npos);
  CHECK(r.error().message.find("Failed to connect") != std::string::npos);
}

TEST_CASE("command driver: a hanging tool is killed at the timeout") {
  Bench bench;
  auto dev = bench.driver("p", "reset = " + (bench.dir / "fake-esptool").string() + " --port {port} hang\n");
  const auto start = std::chrono::steady_clock::now();
  auto r = dev->reset();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("killed") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("command driver: an operation without a template is a usage error") {
  Bench bench;
  auto r = bench.driver("p")->generate_identity();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kUsage);
}

TEST_CASE("command driver: the device tool names the config and every program by digest, and an edited config or program changes it") {
  Bench bench;
  auto dev = bench.driver("/dev/ttyUSB0");
  const device::DeviceTool tool = dev->tool();
  CHECK(tool.driver == "cmd");
  REQUIRE(tool.config_sha256);
  CHECK(*tool.config_sha256 == *verifier::sha256(as_bytes(bench.read("driver.conf"))));
  // The fake tool is a script: it and its interpreter are both hashed, by absolute path.
  REQUIRE(tool.programs.size() == 2);
  const std::string script = (bench.dir / "fake-esptool").string();
  const auto listed = [&](const std::string& path) {
    return std::any_of(tool.programs.begin(), tool.programs.end(),
                       [&](const device::ToolProgram& p) { return p.path == path && p.sha256; });
  };
  CHECK(listed(script));
  const bool shell = listed(device::resolve_program("sh")->string()) || listed("/bin/sh") ||
                     listed("/usr/bin/sh");
  CHECK(shell);
  CHECK(dev->tool() == tool);  // nothing changed: the same identity

  // The same config with one more line is another tool.
  auto edited = bench.driver("/dev/ttyUSB0", "# read now answers from the cache\n");
  CHECK(edited->tool().config_sha256 != tool.config_sha256);
  // The program itself edited between units: its digest changes at the next unit.
  std::ofstream(bench.dir / "fake-esptool", std::ios::app) << "# patched\n";
  const device::DeviceTool patched = dev->tool();
  CHECK(patched.config_sha256 == tool.config_sha256);
  CHECK(patched.programs != tool.programs);
}

TEST_CASE("command driver: a program found on PATH is run by the absolute path it was hashed at") {
  auto resolved = device::resolve_program("sh");
  REQUIRE(resolved);
  CHECK(resolved->is_absolute());
  CHECK_FALSE(device::resolve_program("no-such-program-hallmark").has_value());
  CHECK_FALSE(device::resolve_program("").has_value());
}
