// The one-time eFuse rules of a simulated chip, the one implementation behind every device
// model: hallmark-devsim's SimulatedDevice (station-agent/devsim/device.h) and the
// benchmarks' InstantDevice (bench/station/instant_device.h).
//
// burn_efuse() takes the names of station-agent/driver/device_types.h: key_digest takes 32
// bytes, secure_boot and debug_disable the single byte 01. A fuse burns once: a second
// burn is refused (kPolicyRefused) and the fuse keeps its first value; an unknown name or a
// wrong value is a usage error (kUsage). On every failure the state is unchanged. Pure
// function on the state it is given; thread-safe for distinct states.
#pragma once

#include <string_view>

#include "station-agent/driver/device_types.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::devsim {

[[nodiscard]] Result<void> burn_efuse(device::EfuseState& efuses, std::string_view name,
                                      ByteView value);

}  // namespace hallmark::devsim
