#include "signer/evidence/station_software.h"

#include "verifier/bundle/promoted_bundle.h"

namespace hallmark::evidence {

Result<StationSoftwareReleases> StationSoftwareReleases::load(
    const std::vector<std::filesystem::path>& files, const verifier::Trust& trust) {
  StationSoftwareReleases out;
  for (const auto& file : files) {
    auto release = bundle::verify_station_software_release(file, trust);
    if (!release) return std::unexpected(std::move(release).error());
    for (const auto& binary : release->bundle.station_software().binaries()) {
      out.programs_.emplace(binary.sha256(),
                            ApprovedProgram{binary.path(), release->bundle.version(),
                                            release->bundle_digest,
                                            release->release.promoted_unix()});
    }
    ++out.releases_;
  }
  return out;
}

const ApprovedProgram* StationSoftwareReleases::find(const std::string& sha256_bytes,
                                                     std::int64_t event_unix) const {
  auto [first, last] = programs_.equal_range(sha256_bytes);
  for (auto it = first; it != last; ++it) {
    if (it->second.promoted_unix <= event_unix) return &it->second;
  }
  return nullptr;
}

}  // namespace hallmark::evidence
