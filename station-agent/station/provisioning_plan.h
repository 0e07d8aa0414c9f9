// Running a bundle's provisioning plan on one device (used by program_unit()).
//
// Images are read from the cached bundle for every unit — the entries located once when
// the release was loaded (cached_entries.h), re-read and hashed as they are read — and
// their digests and the bundle digest re-checked before any byte reaches the device; an
// image with a native (signed) form is written in that form. The plan's steps run in
// the bundle's order (the bundle rules already put eFuse burns last); then a final
// measurement of every written region, the eFuse state and the boot ROM's verdict, which
// must all be as planned. Fills the attestation's image and measured digests and device
// certificate; returns the first fault as an Error naming the step. Never reads key
// material. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "hallmark/station.pb.h"
#include "station-agent/driver/device_driver.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/unit_programmer.h"
#include "verifier/bundle/bundle_rules.h"
#include "verifier/core/error.h"

namespace hallmark::station {

// One image as it goes to the device: its native (signed) form when it has one.
struct ImageToWrite {
  const v1::Image* image = nullptr;
  std::string entry;  // the bundle entry whose bytes go to the device
  verifier::Digest sha256;
  Bytes bytes;
};
using PlanImages = std::map<std::string, ImageToWrite>;  // by image name

// Where hallmark/bundle.pb and every entry the plan writes lie in the cached file (for
// LoadedRelease::entries; load_release() calls it once, after verifying the bundle).
[[nodiscard]] Result<std::map<std::string, CachedEntry>> plan_entries(
    const LoadedRelease& release);

// Reads every image to write from the cached bundle, re-checking each one's digest and the
// bundle digest (kVerificationFailed when the cached copy changed since it was verified).
[[nodiscard]] Result<PlanImages> load_plan_images(const LoadedRelease& release);

struct PlanContext {
  StationLine& line;
  const LoadedRelease& release;
  device::DeviceDriver& device;
  const Serial& serial;
  const HardwareId& hardware_id;
  const StepObserver& observe;
  PlanImages images;
};

// The bundle's eFuse names: verifier/bundle/bundle_rules.h.
using bundle::kReleaseKeyDigestValue;
inline constexpr std::string_view kBundleKeyDigest = bundle::kEfuseKeyDigest;
inline constexpr std::string_view kBundleSecureBoot = bundle::kEfuseSecureBoot;
inline constexpr std::string_view kBundleDebugDisable = bundle::kEfuseDebugDisable;

[[nodiscard]] Result<void> run_provisioning_plan(PlanContext& context, v1::Attestation& event);

}  // namespace hallmark::station
