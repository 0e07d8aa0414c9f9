// The station software countersign accepts (docs/release.md "Station software"): the
// programs of the promoted station-software releases in force, by digest, and the one rule
// that says whether the software an event names is approved (unapproved_software()).
//
// The signer remembers: a release shown to countersign (--station-software) or to promote
// (--store) is recorded in the evidence store (record_station_software), and in_force() —
// the only way to make a StationSoftwareReleases — reads every release the store holds, so
// countersign compares with them whether or not a release file is given again. Nothing is
// trusted because it is in the store: each file is verified before it is recorded
// (verify_station_software_release: trust-root chain, revocations, the 2-of-3 quorum of
// approvals and the release key; a firmware bundle is refused: release_kind,
// bundle_rules.h), and each stored row is verified again from its promotion record under
// the caller's trust at every in_force() (verify_station_software_record): a row written
// behind the signer's back, or revoked since, approves nothing and is listed in
// passed_over(). A program is approved for an event from its release's promotion time on; a
// newer release does not withdraw an older one (stations update one by one): revoking the
// bundle digest in the trust root does.
//
// The station's enrolled software (the digest in its registration) is approved only until
// the first release in force: once software is released, only released software is
// approved, so a station kept on its enrollment build (say one a release replaced for a
// flaw) is drift unless a release in force lists that build too. The event's time is the
// station's own clock, held by the monotonic-time and clock-sync findings (event_findings.h)
// like a firmware release's validity.
//
// Lookups are a map search (countersign's per-event cost). Holds no key material;
// read-only once made, so its methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signer/store/evidence_store.h"
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

// Verifies each promoted station-software release file under `trust` and records those
// the store does not hold yet, in one transaction: a file that does not verify is refused
// (naming it) and nothing is recorded. Returns how many were new (a release recorded twice
// is stored once). The recording time is trust.now_unix().
[[nodiscard]] Result<std::size_t> record_station_software(
    EvidenceStore& store, const std::vector<std::filesystem::path>& files,
    const verifier::Trust& trust);

class StationSoftwareReleases {
 public:
  // record_station_software(store, offered, trust), then every release the store holds,
  // each verified again under `trust`.
  [[nodiscard]] static Result<StationSoftwareReleases> in_force(
      EvidenceStore& store, const std::vector<std::filesystem::path>& offered,
      const verifier::Trust& trust);

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
  // Stored releases that approve nothing, each with why (revoked, or its record does not
  // verify): for the operator (countersign prints them).
  [[nodiscard]] const std::vector<std::string>& passed_over() const { return passed_over_; }

 private:
  StationSoftwareReleases() = default;

  // By digest (raw 32 bytes); a program in several releases is kept once per release.
  std::multimap<std::string, ApprovedProgram> programs_;
  std::size_t releases_ = 0;
  // The earliest promotion among the releases (none: never).
  std::int64_t first_promoted_unix_ = std::numeric_limits<std::int64_t>::max();
  std::vector<std::string> passed_over_;
};

}  // namespace hallmark::evidence
