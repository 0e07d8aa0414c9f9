#include "station-agent/cli/inspect_command.h"

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "station-agent/cli/station_token.h"
#include "station-agent/station/unit_return.h"
#include "verifier/inspect/inspection_render.h"
#include "verifier/tool/display_json.h"

namespace hallmark::station {
namespace {

struct InspectOptions {
  LineCliOptions line;
  std::string device;
  std::vector<std::filesystem::path> manifests;
  std::vector<std::filesystem::path> bundles;
  std::optional<std::string> serial;
  std::string reason;
};

Result<void> run_inspect(const tool::CommandLine& cli, const InspectOptions& o) {
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto device = device::open_driver(o.device);
  if (!device) return std::unexpected(device.error());
  auto outcome = receive_return((*opened)->line(), **device,
                                ReturnRequest{o.manifests, o.bundles, optional_id<Serial>(o.serial), o.reason});
  if (!outcome) return std::unexpected(outcome.error());
  const inspect::Inspection& inspection = outcome->inspection;
  if (cli.json()) {
    v1::UnitInspection out = inspect::to_proto(inspection);
    out.set_journal_sequence(outcome->sequence);
    if (outcome->line_stop) out.set_line_stop_sequence(*outcome->line_stop);
    std::cout << tool::to_display_json(out);
  } else {
    std::cout << inspect::render_inspection(inspection);
    std::cout << fmt::format("RMA_RECEIVED record {} ({})\n", outcome->sequence,
                             inspection.ok() ? "PASS" : "FAIL");
  }
  std::cout.flush();
  if (outcome->line_stop) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("LINE STOPPED (record {}): the returned unit is not the unit its "
                            "evidence says; a supervisor's break-glass releases the line",
                            *outcome->line_stop));
  }
  if (inspection.ok()) return {};
  return fail(ErrorCode::kVerificationFailed,
              fmt::format("the returned unit does not match its evidence (recorded): {}",
                          inspection.summary()));
}

}  // namespace

void add_inspect_command(tool::CommandLine& cli) {
  auto o = std::make_shared<InspectOptions>();
  auto* cmd = cli.add(cli.app(), "inspect",
                      "Receive a returned unit: read its device (read-only), compare it with its "
                      "manifests and the bundle they name, journal RMA_RECEIVED with the result "
                      "and the reason; a unit that is not the one its evidence says stops the line",
                      [&cli, o] { return run_inspect(cli, *o); });
  add_line_options(*cmd, o->line);
  cmd->add_option("--device", o->device, "The device: sim:SOCKET or cmd:CONFIG")->required();
  cmd->add_option("--manifests", o->manifests,
                  "The unit's manifest files, or directories of *.manifest.json (hallmark-signer "
                  "manifests --out DIR); every one must verify")
      ->required()
      ->type_name("DIR|FILE");
  cmd->add_option("--bundle", o->bundles,
                  "Promoted bundle files beyond those this station accepted")
      ->type_name("PROMOTED");
  cmd->add_option("--serial", o->serial, "The serial printed on the unit's label");
  cmd->add_option("--reason", o->reason, "Why the unit came back")->required();
}

}  // namespace hallmark::station
