#include "station-agent/driver/unit_reading.h"

#include <fmt/format.h>

namespace hallmark::device {
namespace {

Result<inspect::UnitReading> read_unit(DeviceDriver& device, HardwareId hardware_id,
                                       const bundle::UnitClaims* claims) {
  inspect::UnitReading reading;
  reading.hardware_id = std::move(hardware_id);
  std::vector<Region> regions;
  if (claims != nullptr) {
    for (const auto& image : claims->written) {
      regions.push_back({static_cast<std::uint32_t>(image.address),
                         static_cast<std::uint32_t>(image.size)});
    }
  }
  auto measured = device.measure(regions);
  if (!measured) return std::unexpected(std::move(measured).error().context("measuring the unit"));
  reading.region_digests = measured->region_digests;
  reading.key_digest_burned = measured->efuses.key_digest_burned;
  reading.key_digest = measured->efuses.key_digest;
  reading.secure_boot_enabled = measured->efuses.secure_boot_enabled;
  reading.debug_disabled = measured->efuses.debug_disabled;
  reading.boots = measured->boot.boots;
  reading.boot_reason = measured->boot.reason;
  if (measured->identity_present) {
    // The device already holds its key: this hands back its public half, it makes none.
    auto spki = device.generate_identity();
    if (!spki) return std::unexpected(std::move(spki).error().context("reading the identity key"));
    auto key = verifier::PublicKey::from_spki_der(*spki);
    if (!key) return std::unexpected(std::move(key).error().context("the device's identity key"));
    reading.identity_key = std::move(*key);
  }
  return reading;
}

}  // namespace

Result<DeviceInspection> inspect_device(DeviceDriver& device, const InspectionSources& sources) {
  if (sources.manifests == nullptr || sources.releases == nullptr) {
    return fail(ErrorCode::kUsage, "an inspection needs the unit's manifests and bundles");
  }
  DeviceInspection out;
  out.tool = device.tool();
  auto identified = device.identify();
  if (!identified) {
    return std::unexpected(std::move(identified).error().context("reading the unit's hardware id"));
  }
  if (identified->empty()) {
    return fail(ErrorCode::kIo, "the device reported no hardware id: it cannot be inspected");
  }
  const auto evidence =
      inspect::find_unit_evidence(*sources.manifests, *identified, sources.label);
  const bundle::VerifiedRelease* release = nullptr;
  for (const auto& r : *sources.releases) {
    if (evidence.bundle_digest && r.bundle_digest == *evidence.bundle_digest) release = &r;
  }
  std::optional<bundle::UnitClaims> claims;
  if (release != nullptr) {
    auto regions = inspect::inspected_regions(*release);
    if (!regions) return std::unexpected(std::move(regions).error());
    claims = std::move(*regions);
  }
  auto reading = read_unit(device, *identified, claims ? &*claims : nullptr);
  if (!reading) return std::unexpected(std::move(reading).error());
  out.inspection = inspect::inspect_unit(evidence, sources.label, release,
                                         claims ? &*claims : nullptr, *reading);
  return out;
}

}  // namespace hallmark::device
