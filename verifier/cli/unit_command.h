// `hallmark-verify unit --device DEV --manifests DIR|FILE... --bundle PROMOTED... --trust-root
// F...`: the read-only inspection of a unit, for QA and EMS machines that are not stations
// (no journal, no station state, no token): the device read through the station's drivers
// (sim: or cmd:, station-agent/driver/unit_reading.h) and compared with its manifests and
// the promoted bundle they name, all verified under the pinned trust root here. Prints one
// line per check; exit 0 when every check passes, 1 when one fails (or a manifest or bundle
// does not verify), 2 usage, 4 a device or file that cannot be read.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "verifier/cli/trust_root_command.h"
#include "verifier/core/error.h"
#include "verifier/tool/command_line.h"

namespace hallmark::verifier::cli {

struct UnitOptions {
  std::string device;                             // sim:PATH or cmd:PATH
  std::vector<std::filesystem::path> manifests;   // files or directories
  std::vector<std::filesystem::path> bundles;     // promoted bundle files
  std::optional<std::string> serial;              // the label, when given
  std::string channel = "production";
  TrustRootInputs trust_root;
  std::optional<int64_t> at;
  bool json = false;
};

CLI::App* add_unit_command(tool::CommandLine& command_line, UnitOptions& options);
Result<void> run_unit(const UnitOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli
