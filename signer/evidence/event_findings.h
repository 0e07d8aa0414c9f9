// The per-event checks of countersign (docs/design.md flow 7), in one place: what makes an
// accepted station event worth a finding. A finding never drops the event: it travels in
// the event's manifest and is stored for the weekly report.
//
// Checks: the bundle was promoted by this signer and is not revoked; the unit's claims match
// that bundle (a program or rework names its bundle; image digests, read-backs and the
// eFuse key digest are the bundle's, every image there when it passed: CLAIM_MISMATCH —
// the station's word is compared with the release, not taken); a unit event names its
// hardware id (without it the clone checks cannot run); a program or rework that PASSed
// names the device it programmed and that device is its bundle's part (family, flash size,
// images inside the flash: verifier/bundle/device_match.h, the station's own rule;
// DEVICE_MISMATCH — a FAIL naming the wrong part is the station refusing it, no finding);
// time sanity (the station's
// clock-sync flag, monotonic per station, inside the bundle's promotion validity and not
// before its promotion, not in the future beyond a tolerance); clones (a serial with
// another hardware id, a hardware id with another serial, a scrapped hardware id back);
// station drift (a config hash differing from the enrolled one; software that is not
// approved at the event's time — the enrolled build before any promoted station-software
// release is in force, a program of a release in force after: station_software.h, the
// digest named); device tool
// drift (a unit event naming no device tool, or one that differs from the station's
// previous unit event). Reads the store (entries already appended in this transaction
// included); writes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"
#include "signer/evidence/station_software.h"
#include "signer/store/evidence_store.h"
#include "verifier/bundle/device_match.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/bundle/unit_claims.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

inline constexpr std::int64_t kFutureToleranceSeconds = 300;

// What the store remembers of a promoted bundle: digest, SKU, version, promotion time and
// the validity window all its approvals share (the latest not-before, the earliest
// not-after).
[[nodiscard]] ReleaseRow release_row(const bundle::VerifiedRelease& release);

// A promoted release as countersign compares events with it.
struct KnownRelease {
  ReleaseRow row;
  std::optional<bundle::UnitClaims> claims;  // unset: its stored Bundle does not parse
  std::optional<bundle::ExpectedDevice> device;  // the part it is for (unset with claims)
  std::string claims_error;                  // why not
};

// The releases a batch names, looked up in the store once each and kept in memory (a batch
// names few bundles), so comparing every event with its bundle costs no query.
class ReleaseCache {
 public:
  explicit ReleaseCache(EvidenceStore& store) : store_(store) {}
  // nullptr when the signer did not promote it.
  [[nodiscard]] Result<const KnownRelease*> find(const verifier::Digest& bundle_digest);

 private:
  EvidenceStore& store_;
  std::map<verifier::Digest, std::optional<KnownRelease>> known_;
};

// What the checks compare an event with.
struct EventContext {
  ReleaseCache* releases = nullptr;
  const verifier::TrustedRoot* root = nullptr;      // revocations applied
  const verifier::VerifiedStation* station = nullptr;
  std::int64_t previous_event_unix = 0;             // the station's last event (0: none)
  std::int64_t now_unix = 0;
  std::uint64_t sequence = 0;                       // the event's journal record
  // The device tool of the station's previous unit event that named one (null: none).
  const v1::DeviceTool* previous_device_tool = nullptr;
  // The promoted station-software releases the evidence store holds in force (empty: only
  // the enrolled software is approved). Required: countersign() refuses to run without.
  const StationSoftwareReleases* station_software = nullptr;
};

// The device tool `event` names, if it is a unit event naming one (the next event's
// previous_device_tool).
[[nodiscard]] const v1::DeviceTool* device_tool_of(const v1::Attestation& event);

// The same driver, config and programs (field by field: no allocation per event).
[[nodiscard]] bool same_device_tool(const v1::DeviceTool& a, const v1::DeviceTool& b);

// True for the events that concern one unit (program, rework, scrap, take-over, a return).
[[nodiscard]] bool is_unit_event(v1::Attestation::Event event);

[[nodiscard]] Result<std::vector<v1::Finding>> event_findings(EvidenceStore& store,
                                                              const v1::Attestation& event,
                                                              const EventContext& context);

// "LOG_GAP" etc.: the finding kind's name, for reports and messages.
[[nodiscard]] std::string kind_name(int kind);

}  // namespace hallmark::evidence
