// Inspecting a unit through its device driver: the device's hardware id, the regions the
// evidence's bundle writes, its eFuses, its boot ROM's verdict and its identity key, read
// and never written — no flash write, no eFuse burn, no key made (the identity key is asked
// for only when the device says it holds one) — then compared with the unit's evidence
// (verifier/inspect/unit_inspection.h). One function for every front end: the station's
// `inspect` (which journals the result) and `hallmark-verify unit` (read-only, for QA or an
// EMS machine that is not a station). Not thread-safe (one driver, one thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "station-agent/driver/device_driver.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/inspect/unit_inspection.h"

namespace hallmark::device {

struct InspectionSources {
  const std::vector<verifier::VerifiedManifest>* manifests = nullptr;  // verified
  const std::vector<bundle::VerifiedRelease>* releases = nullptr;      // verified
  std::optional<Serial> label;  // the serial printed on the unit, when given
};

struct DeviceInspection {
  inspect::Inspection inspection;
  DeviceTool tool;  // what read the device
};

// kIo when the device cannot be read (no hardware id, a measurement that fails); kUsage
// when a source is missing. A unit that does not match its evidence is NOT an error: it is
// an inspection whose ok() is false.
[[nodiscard]] Result<DeviceInspection> inspect_device(DeviceDriver& device,
                                                      const InspectionSources& sources);

}  // namespace hallmark::device
