#include "verifier/cli/unit_command.h"

#include <fmt/format.h>

#include <iostream>

#include "station-agent/driver/unit_reading.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/cli/manifest_command.h"
#include "verifier/inspect/inspection_render.h"
#include "verifier/inspect/manifest_source.h"
#include "verifier/tool/display_json.h"

namespace hallmark::verifier::cli {

CLI::App* add_unit_command(tool::CommandLine& command_line, UnitOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "unit",
      "Inspect a unit, read-only: its device read and compared with its manifests and the "
      "promoted bundle they name (hardware id and serial as bound, regions, eFuses, secure "
      "boot, identity certificate). Writes nothing, to the device or anywhere",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_unit(options, std::cout);
      });
  sub->add_option("--device", options.device, "the unit's device: sim:SOCKET or cmd:CONFIG")
      ->required()
      ->type_name("DEV");
  sub->add_option("--manifests", options.manifests,
                  "the unit's manifest files, or directories of *.manifest.json (hallmark-signer "
                  "manifests --out DIR); every one must verify")
      ->required()
      ->type_name("DIR|FILE");
  sub->add_option("--bundle", options.bundles,
                  "promoted bundle files; the one the evidence names is the allowlist")
      ->required()
      ->type_name("PROMOTED");
  sub->add_option("--serial", options.serial, "the serial printed on the unit's label")
      ->type_name("S");
  sub->add_option("--channel", options.channel, "the channel the bundles were promoted on")
      ->capture_default_str();
  add_trust_root_flags(*sub, options.trust_root, options.at);
  return sub;
}

Result<void> run_unit(const UnitOptions& options, std::ostream& out) {
  auto root = load_trust_root(options.trust_root, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  auto manifests = inspect::load_manifests(options.manifests, root->trust.root());
  if (!manifests) return std::unexpected(std::move(manifests).error());
  std::vector<bundle::VerifiedRelease> releases;
  const std::string channels[] = {options.channel};
  for (const auto& path : options.bundles) {
    auto release = bundle::verify_promoted_bundle(path, root->trust, channels);
    if (!release) return std::unexpected(std::move(release).error().context(path.string()));
    releases.push_back(std::move(*release));
  }
  auto driver = device::open_driver(options.device);
  if (!driver) return std::unexpected(std::move(driver).error());
  auto inspected = device::inspect_device(**driver, {&*manifests, &releases, optional_id<Serial>(options.serial)});
  if (!inspected) return std::unexpected(std::move(inspected).error());
  const inspect::Inspection& inspection = inspected->inspection;
  if (options.json) {
    const std::string json = tool::to_display_json(inspect::to_proto(inspection));
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    out << inspect::render_inspection(inspection);
    out << fmt::format("(read-only: nothing was journaled; {} manifest file(s) verified under {})\n",
                       manifests->size(), root->anchor_line());
  }
  out.flush();
  if (inspection.ok()) return {};
  return fail(ErrorCode::kVerificationFailed,
              fmt::format("unit {} does not match its evidence: {}", inspection.hardware_id,
                          inspection.summary()));
}

}  // namespace hallmark::verifier::cli
