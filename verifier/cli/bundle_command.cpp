#include "verifier/cli/bundle_command.h"

#include <iostream>

#include "verifier/bundle/promoted_bundle.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"
#include "verifier/tool/trust_root_flags.h"

namespace hallmark::verifier::cli {

CLI::App* add_bundle_command(tool::CommandLine& command_line, BundleOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "bundle",
      "Verify a promoted bundle: trust root chain, approval quorum, release signature, "
      "image digests, native signatures, revocations",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_bundle(options, std::cout);
      });
  sub->add_option("bundle", options.bundle, "promoted bundle file")->required();
  tool::add_trust_root_flags(*sub, options.trust_root, tool::TrustRootFlagUse::kPinned);
  sub->add_option("--channel", options.channel,
                  "the channel the bundle must have been promoted on")
      ->capture_default_str();
  sub->add_flag("--station-software", options.station_software,
               "the bundle is a station-software release (the packages a station installs), "
               "not firmware");
  tool::add_time_option(*sub, "--at", options.at,
                        "verify at this time instead of now (ISO 8601 UTC, or Unix "
                        "seconds)");
  return sub;
}

Result<void> run_bundle(const BundleOptions& options, std::ostream& out) {
  const int64_t now = options.at.value_or(unix_now());
  auto root = load_trust_root(options.trust_root, now);
  if (!root) return std::unexpected(std::move(root).error());
  const std::string channels[] = {options.channel};
  auto verified = bundle::verify_promoted_release(
      options.bundle, root->trust, channels,
      options.station_software ? bundle::ReleaseKind::kStationSoftware
                               : bundle::ReleaseKind::kFirmware);
  if (!verified) return std::unexpected(std::move(verified).error());
  if (options.json) {
    const std::string json = tool::to_display_json(verified->release);
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    out << bundle::render_verified_release(*verified);
    out << "Pinned\n  " << root->anchor_line() << "\n";
  }
  return {};
}

}  // namespace hallmark::verifier::cli
