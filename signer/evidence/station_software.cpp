#include "signer/evidence/station_software.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence {

Result<std::size_t> record_station_software(EvidenceStore& store,
                                            const std::vector<std::filesystem::path>& files,
                                            const verifier::Trust& trust) {
  if (files.empty()) return std::size_t{0};
  std::vector<StationSoftwareRow> rows;
  for (const auto& file : files) {  // every file verifies before anything is written
    auto release = bundle::verify_station_software_release(file, trust);
    if (!release) return std::unexpected(std::move(release).error());
    StationSoftwareRow row;
    row.bundle_digest = release->bundle_digest;
    row.version = release->bundle.version();
    row.promoted_unix = release->release.promoted_unix();
    row.recorded_unix = trust.now_unix();
    row.bundle = std::move(release->promotion.bundle);
    row.promotion = std::move(release->promotion.entries);
    rows.push_back(std::move(row));
  }
  if (auto ok = store.begin(); !ok) return std::unexpected(std::move(ok).error());
  std::size_t added = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto fresh = store.put_station_software(rows[i]);
    if (!fresh) {
      store.rollback();
      return std::unexpected(std::move(fresh).error().context(files[i].string()));
    }
    if (*fresh) ++added;
  }
  if (auto ok = store.commit(); !ok) {
    store.rollback();
    return std::unexpected(std::move(ok).error());
  }
  return added;
}

Result<StationSoftwareReleases> StationSoftwareReleases::in_force(
    EvidenceStore& store, const std::vector<std::filesystem::path>& offered,
    const verifier::Trust& trust) {
  if (auto ok = record_station_software(store, offered, trust); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  auto rows = store.station_software_releases();
  if (!rows) return std::unexpected(std::move(rows).error());
  StationSoftwareReleases out;
  for (const StationSoftwareRow& row : *rows) {
    const std::string where = fmt::format("{}: station-software release {} ({})",
                                          store.location(), row.bundle_digest.hex(), row.version);
    if (auto ok = trust.refuse_revoked_bundle(row.bundle_digest.bytes()); !ok) {
      out.passed_over_.push_back(fmt::format("{}: approves nothing: {}", where,
                                             ok.error().message));
      continue;
    }
    // Verified again from its promotion record: a row is never trusted by itself.
    auto release = bundle::verify_station_software_record({row.bundle, row.promotion}, trust,
                                                          "the stored record");
    if (release && release->bundle_digest != row.bundle_digest) {
      release = fail(ErrorCode::kVerificationFailed,
                     "its record is of bundle " + release->bundle_digest.hex());
    }
    if (!release) {
      out.passed_over_.push_back(fmt::format(
          "{}: approves nothing: its record does not verify ({}); the store was changed "
          "outside Hallmark, or the release was promoted under another trust root",
          where, release.error().message));
      continue;
    }
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
                       "and no promoted station-software release recorded was in force at the "
                       "event's time ({})",
                       verifier::digest_hex(event_sha256), verifier::digest_hex(enrolled_sha256),
                       verifier::format_utc(event_unix));
  }
  if (find(event_sha256, event_unix) != nullptr) return std::nullopt;
  if (event_sha256 == enrolled_sha256) {
    return fmt::format("station software {} is not approved: it is the station's enrolled "
                       "software, which is approved only until a station-software release is "
                       "in force (the first recorded was promoted {}), and no release in force "
                       "lists it: install a promoted release",
                       verifier::digest_hex(event_sha256), verifier::format_utc(first_promoted_unix_));
  }
  return fmt::format("station software {} is not approved: it is no program of the promoted "
                     "station-software releases in force at the event's time ({}) and not "
                     "the enrolled {}",
                     verifier::digest_hex(event_sha256), verifier::format_utc(event_unix),
                     verifier::digest_hex(enrolled_sha256));
}

}  // namespace hallmark::evidence
