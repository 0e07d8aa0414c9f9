// hallmark-devsim: one simulated device on a Unix socket (see server.h and device.h).
#include <csignal>
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "station-agent/devsim/server.h"
#include "verifier/tool/build_id.h"

int main(int argc, char** argv) {
  using namespace hallmark;
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"hallmark-devsim: a simulated MCU served on a Unix socket (for tests and demos)"};
  app.set_version_flag("--version", version_text("hallmark-devsim"));
  devsim::DeviceOptions device;
  devsim::ServerOptions server;
  std::uint64_t fail_write_at = 0, disconnect_at = 0;
  std::string reread_id, reread_family, state;
  app.add_option("--socket", server.socket_path, "Unix socket path to serve on")->required();
  app.add_option("--hardware-id", device.hardware_id, "hardware id (default: random)");
  app.add_option("--flash-size", device.flash_size, "flash size in bytes")->capture_default_str();
  app.add_option("--family", device.family, "chip family the device reports")->capture_default_str();
  app.add_option("--chip-revision", device.chip_revision, "chip revision the device reports")
      ->capture_default_str();
  app.add_option("--boot-formats", device.boot_formats,
                 "image formats the device reports it boots (default: none reported)");
  app.add_option("--write-kib-per-s", device.write_kib_per_s, "flash write speed; 0 = instant");
  auto* fw = app.add_option("--fail-write-at", fail_write_at, "fault: flash write error at OFFSET");
  auto* dc = app.add_option("--disconnect-at", disconnect_at, "fault: drop the connection mid-write at OFFSET (once)");
  app.add_flag("--slow", server.slow, "fault: slow link (every reply delayed)");
  auto* rr = app.add_option("--hardware-id-on-reread", reread_id, "fault: report ID on the second and later identify");
  auto* fr = app.add_option("--family-on-reread", reread_family,
                            "fault: report FAMILY on the second and later describe (a board swap)");
  app.add_flag("--efuses-burned", device.efuses_burned, "fault: eFuses already burned at start");
  auto* st = app.add_option("--state", state, "persist the device state in FILE between runs");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (fw->count() > 0) device.fail_write_at = fail_write_at;
  if (dc->count() > 0) server.disconnect_at = disconnect_at;
  if (rr->count() > 0) device.hardware_id_on_reread = reread_id;
  if (fr->count() > 0) device.family_on_reread = reread_family;
  if (st->count() > 0) device.state_file = state;
  try {
    auto dev = devsim::SimulatedDevice::create(device);
    if (!dev) {
      fmt::print(stderr, "hallmark-devsim: {}\n", dev.error().message);
      return exit_code(dev.error().code);
    }
    devsim::DeviceServer srv(std::move(*dev), server);
    auto r = srv.run([&] {
      fmt::print("ready {}\n", server.socket_path.string());
      std::fflush(stdout);
    });
    fmt::print(stderr, "hallmark-devsim: {}\n", r ? "stopped" : r.error().message);
    return r ? kExitOk : exit_code(r.error().code);
  } catch (const std::exception& e) {
    fmt::print(stderr, "hallmark-devsim: internal error: {}\n", e.what());
    return kExitInternal;
  }
}
