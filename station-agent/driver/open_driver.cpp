#include <fmt/format.h>

#include "station-agent/driver/command_template_driver.h"
#include "station-agent/driver/device_driver.h"
#include "station-agent/driver/sim_driver.h"

namespace hallmark::device {

Result<std::unique_ptr<DeviceDriver>> open_driver(std::string_view uri) {
  auto up = [](auto r) -> Result<std::unique_ptr<DeviceDriver>> {
    if (!r) return std::unexpected(r.error());
    return std::unique_ptr<DeviceDriver>(std::move(*r));
  };
  if (uri.starts_with("sim:")) return up(SimDriver::connect(std::string(uri.substr(4))));
  if (uri.starts_with("cmd:")) return up(CommandTemplateDriver::from_config(std::string(uri.substr(4))));
  return fail(ErrorCode::kUsage, fmt::format("device URI '{}': expected sim:SOCKET or cmd:CONFIG", uri));
}

}  // namespace hallmark::device
