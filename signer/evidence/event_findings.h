// The per-event checks of countersign (DESIGN.md flow 7), in one place: what makes an
// accepted station event worth a finding. A finding never drops the event: it travels in
// the event's manifest and is stored for the weekly report.
//
// Checks: the bundle was promoted by this signer and is not revoked; time sanity (the
// station's clock-sync flag, monotonic per station, inside the bundle's promotion validity
// and not before its promotion, not in the future beyond a tolerance); clones (a serial with
// another hardware id, a hardware id with another serial, a scrapped hardware id back);
// station drift (software or config hash differing from the enrolled ones). Reads the store
// (entries already appended in this transaction included); writes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"
#include "signer/store/evidence_store.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::evidence {

inline constexpr std::int64_t kFutureToleranceSeconds = 300;

// What the store remembers of a promoted bundle: digest, SKU, version, promotion time and
// the validity window all its approvals share (the latest not-before, the earliest
// not-after).
[[nodiscard]] ReleaseRow release_row(const bundle::VerifiedRelease& release);

// The releases a batch names, looked up in the store once each (a batch names few bundles).
class ReleaseCache {
 public:
  explicit ReleaseCache(EvidenceStore& store) : store_(store) {}
  [[nodiscard]] Result<std::optional<ReleaseRow>> find(const verifier::Digest& bundle_digest);

 private:
  EvidenceStore& store_;
  std::map<verifier::Digest, std::optional<ReleaseRow>> known_;
};

// What the checks compare an event with.
struct EventContext {
  ReleaseCache* releases = nullptr;
  const verifier::TrustedRoot* root = nullptr;      // revocations applied
  const verifier::VerifiedStation* station = nullptr;
  std::int64_t previous_event_unix = 0;             // the station's last event (0: none)
  std::int64_t now_unix = 0;
  std::uint64_t sequence = 0;                       // the event's journal record
};

// True for the events that concern one unit (program, rework, scrap, take-over).
[[nodiscard]] bool is_unit_event(v1::Attestation::Event event);

[[nodiscard]] Result<std::vector<v1::Finding>> event_findings(EvidenceStore& store,
                                                              const v1::Attestation& event,
                                                              const EventContext& context);

// "LOG_GAP" etc.: the finding kind's name, for reports and messages.
[[nodiscard]] std::string kind_name(int kind);

}  // namespace hallmark::evidence
