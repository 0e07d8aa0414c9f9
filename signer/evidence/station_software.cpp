#include "signer/evidence/station_software.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence {
namespace {

std::string hex_of(const std::string& bytes) {
  auto digest = verifier::Digest::from_bytes(as_bytes(std::string_view(bytes)));
  return digest ? digest->hex() : "(malformed)";
}

}  // namespace

Result<StationSoftwareReleases> StationSoftwareReleases::load(
    const std::vector<std::filesystem::path>& files, const verifier::Trust& trust) {
  StationSoftwareReleases out;
  for (const auto& file : files) {
    auto release = bundle::verify_station_software_release(file, trust);
    if (!release) return std::unexpected(std::move(release).error());
    const std::int64_t promoted = release->release.promoted_unix();
    for (const auto& binary : release->bundle.station_software().binaries()) {
      out.programs_.emplace(binary.sha256(),
                            ApprovedProgram{binary.path(), release->bundle.version(),
                                            release->bundle_digest, promoted});
    }
    out.first_promoted_unix_ = std::min(out.first_promoted_unix_, promoted);
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

std::optional<std::string> StationSoftwareReleases::unapproved_software(
    const std::string& enrolled_sha256, const std::string& event_sha256,
    std::int64_t event_unix) const {
  if (event_unix < first_promoted_unix_) {  // no release in force yet: the enrolled software
    if (event_sha256 == enrolled_sha256) return std::nullopt;
    return fmt::format("station software {} is not approved: it differs from the enrolled {} "
                       "and no promoted station-software release given was in force at the "
                       "event's time ({})",
                       hex_of(event_sha256), hex_of(enrolled_sha256),
                       verifier::format_utc(event_unix));
  }
  if (find(event_sha256, event_unix) != nullptr) return std::nullopt;
  if (event_sha256 == enrolled_sha256) {
    return fmt::format("station software {} is not approved: it is the station's enrolled "
                       "software, which is approved only until a station-software release is "
                       "in force (the first given was promoted {}), and no release in force "
                       "lists it: install a promoted release",
                       hex_of(event_sha256), verifier::format_utc(first_promoted_unix_));
  }
  return fmt::format("station software {} is not approved: it is no program of the promoted "
                     "station-software releases in force at the event's time ({}) and not "
                     "the enrolled {}",
                     hex_of(event_sha256), verifier::format_utc(event_unix),
                     hex_of(enrolled_sha256));
}

}  // namespace hallmark::evidence
