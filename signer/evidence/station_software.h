// The station software countersign accepts (docs/release.md "Station software"): the
// programs of the promoted station-software releases in force, by digest, and the one rule
// that says whether the software an event names is approved (unapproved_software()).
//
// load() verifies each file with verify_station_software_release() (trust-root chain,
// revocations, the 2-of-3 quorum of approvals and the release key: the same checks as a
// firmware bundle, and a firmware bundle is refused: release_kind, bundle_rules.h) under
// the caller's trust, so a revoked release is refused by name and nothing is loaded. A
// program is approved for an event from its release's promotion time on; a newer release
// does not withdraw an older one (stations update one by one): revoking the bundle digest
// in the trust root does.
//
// The station's enrolled software (the digest in its registration) is approved only until
// the first release given is in force: once software is released, only released software
// is approved, so a station kept on its enrollment build (say one a release replaced for a
// flaw) is drift unless a release in force lists that build too. The event's time is the
// station's own clock, held by the monotonic-time and clock-sync findings (event_findings.h)
// like a firmware release's validity.
//
// Lookups are a map search (countersign's per-event cost). Holds no key material;
// read-only after load(), so its methods may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trust.h"

namespace hallmark::evidence {

// One program of a promoted station-software release.
struct ApprovedProgram {
  std::string path;                // "/usr/bin/hallmark-station"
  std::string version;             // the release's version
  verifier::Digest bundle_digest;  // the release's bundle digest
  std::int64_t promoted_unix = 0;
};

class StationSoftwareReleases {
 public:
  StationSoftwareReleases() = default;  // none: only the enrolled software is approved

  [[nodiscard]] static Result<StationSoftwareReleases> load(
      const std::vector<std::filesystem::path>& files, const verifier::Trust& trust);

  // The approved program with this digest promoted no later than `event_unix`; nullptr
  // when there is none.
  [[nodiscard]] const ApprovedProgram* find(const std::string& sha256_bytes,
                                            std::int64_t event_unix) const;

  // The rule: why software `event_sha256` (raw 32 bytes) at `event_unix` is not approved
  // for a station enrolled with `enrolled_sha256` (a STATION_DRIFT detail naming the
  // digest), or nullopt when it is approved: before the first release is in force, when it
  // is the enrolled software; from then on, when it is a program of a release in force.
  [[nodiscard]] std::optional<std::string> unapproved_software(
      const std::string& enrolled_sha256, const std::string& event_sha256,
      std::int64_t event_unix) const;

  [[nodiscard]] std::size_t release_count() const { return releases_; }

 private:
  // By digest (raw 32 bytes); a program in several releases is kept once per release.
  std::multimap<std::string, ApprovedProgram> programs_;
  std::size_t releases_ = 0;
  // The earliest promotion among the releases (none: never).
  std::int64_t first_promoted_unix_ = std::numeric_limits<std::int64_t>::max();
};

}  // namespace hallmark::evidence
