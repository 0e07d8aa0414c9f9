#include "signer/evidence/event_findings.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/core/sha256.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence {
namespace {

using Kind = v1::Finding::Kind;

struct Collector {
  const EventContext& context;
  std::vector<v1::Finding> findings;

  v1::Finding& add(Kind kind, std::string detail) {
    v1::Finding& f = findings.emplace_back();
    f.set_kind(kind);
    f.set_detail(std::move(detail));
    f.set_station_id(context.station->enrollment.enrollment.station_id());
    f.add_station_sequences(context.sequence);
    f.set_time_unix(context.now_unix);
    return f;
  }
};

std::string hex_of(const std::string& bytes) {
  auto digest = verifier::Digest::from_bytes(as_bytes(bytes));
  return digest ? digest->hex() : "(malformed)";
}

Result<void> check_bundle(const v1::Attestation& event, Collector& out) {
  if (event.bundle_digest().empty()) return {};
  auto digest = verifier::Digest::from_bytes(as_bytes(event.bundle_digest()));
  if (!digest) {
    out.add(v1::Finding::UNPROMOTED_BUNDLE, "the bundle digest is not 32 bytes");
    return {};
  }
  if (out.context.root->bundle_revoked(digest->bytes())) {
    out.add(v1::Finding::REVOKED_BUNDLE, fmt::format("bundle {} is revoked", digest->hex()));
  }
  auto release = out.context.releases->find(*digest);
  if (!release) return std::unexpected(std::move(release).error());
  if (!*release) {
    out.add(v1::Finding::UNPROMOTED_BUNDLE,
            fmt::format("bundle {} was not promoted by this signer (or its promoted bundle "
                        "was not given with --release)", digest->hex()));
    return {};
  }
  const ReleaseRow& r = **release;
  const std::int64_t t = event.time_unix();
  if (t < r.promoted_unix || t < r.not_before_unix || (r.not_after_unix != 0 && t > r.not_after_unix)) {
    out.add(v1::Finding::OUTSIDE_VALIDITY,
            fmt::format("event at {} is outside bundle {} {}'s validity (promoted {}, valid "
                        "{} to {})", verifier::format_utc(t), r.sku, r.version,
                        verifier::format_utc(r.promoted_unix), verifier::format_utc(r.not_before_unix),
                        verifier::format_utc(r.not_after_unix)));
  }
  return {};
}

void check_time(const v1::Attestation& event, Collector& out) {
  const EventContext& c = out.context;
  if (!event.clock_synced()) {
    out.add(v1::Finding::CLOCK_UNSYNCED, "the station's clock was not synchronised");
  }
  if (c.previous_event_unix != 0 && event.time_unix() < c.previous_event_unix) {
    out.add(v1::Finding::TIME_NOT_MONOTONIC,
            fmt::format("event at {} is earlier than the station's previous event at {}",
                        verifier::format_utc(event.time_unix()),
                        verifier::format_utc(c.previous_event_unix)));
  }
  if (event.time_unix() > c.now_unix + kFutureToleranceSeconds) {
    out.add(v1::Finding::TIME_IN_FUTURE,
            fmt::format("event at {} is in the future of the signer's clock ({})",
                        verifier::format_utc(event.time_unix()), verifier::format_utc(c.now_unix)));
  }
}

Result<void> check_clones(EvidenceStore& store, const v1::Attestation& event, Collector& out) {
  if (!is_unit_event(event.event()) || event.serial().empty() || event.hardware_id().empty()) {
    return {};
  }
  auto seen = store.unit_sightings(event.serial(), event.hardware_id());
  if (!seen) return std::unexpected(std::move(seen).error());
  for (const SeenWith& other : seen->hardware_ids_of_serial) {
    if (other.value == event.hardware_id()) continue;
    out.add(v1::Finding::SERIAL_CLONE,
            fmt::format("serial {} was countersigned with hardware id {} (log entry {}), now "
                        "with {}", event.serial(), other.value, other.log_index, event.hardware_id()))
        .add_log_indexes(other.log_index);
  }
  for (const SeenWith& other : seen->serials_of_hardware_id) {
    if (other.value == event.serial()) continue;
    out.add(v1::Finding::HARDWARE_CLONE,
            fmt::format("hardware id {} was countersigned as serial {} (log entry {}), now as "
                        "{}", event.hardware_id(), other.value, other.log_index, event.serial()))
        .add_log_indexes(other.log_index);
  }
  if (event.event() != v1::Attestation::SCRAP && seen->scrap) {
    out.add(v1::Finding::SCRAPPED_RETURNED,
            fmt::format("hardware id {} was scrapped (log entry {}) and is back",
                        event.hardware_id(), *seen->scrap))
        .add_log_indexes(*seen->scrap);
  }
  return {};
}

void check_drift(const v1::Attestation& event, Collector& out) {
  const v1::StationEnrollment& enrolled = out.context.station->enrollment.enrollment;
  if (event.software_sha256() != enrolled.software_sha256()) {
    out.add(v1::Finding::STATION_DRIFT,
            fmt::format("station software {} differs from the enrolled {}",
                        hex_of(event.software_sha256()), hex_of(enrolled.software_sha256())));
  }
  if (event.config_sha256() != enrolled.config_sha256()) {
    out.add(v1::Finding::STATION_DRIFT,
            fmt::format("station configuration {} differs from the enrolled {}",
                        hex_of(event.config_sha256()), hex_of(enrolled.config_sha256())));
  }
}

}  // namespace

ReleaseRow release_row(const bundle::VerifiedRelease& release) {
  ReleaseRow row;
  row.bundle_digest = release.bundle_digest;
  row.sku = release.release.sku();
  row.version = release.release.version();
  row.promoted_unix = release.release.promoted_unix();
  for (const auto& approval : release.approvals.approvals) {
    row.not_before_unix = std::max(row.not_before_unix, approval.statement.not_before_unix());
    const std::int64_t until = approval.statement.not_after_unix();
    if (until != 0 && (row.not_after_unix == 0 || until < row.not_after_unix)) {
      row.not_after_unix = until;
    }
  }
  return row;
}

Result<std::optional<ReleaseRow>> ReleaseCache::find(const verifier::Digest& bundle_digest) {
  auto known = known_.find(bundle_digest);
  if (known != known_.end()) return known->second;
  auto release = store_.release(bundle_digest);
  if (!release) return std::unexpected(std::move(release).error());
  known_.emplace(bundle_digest, *release);
  return *release;
}

bool is_unit_event(v1::Attestation::Event event) {
  return event == v1::Attestation::PROGRAM || event == v1::Attestation::REWORK ||
         event == v1::Attestation::SCRAP || event == v1::Attestation::TAKE_OVER;
}

Result<std::vector<v1::Finding>> event_findings(EvidenceStore& store, const v1::Attestation& event,
                                                const EventContext& context) {
  Collector out{context, {}};
  if (auto ok = check_bundle(event, out); !ok) return std::unexpected(std::move(ok).error());
  check_time(event, out);
  if (auto ok = check_clones(store, event, out); !ok) return std::unexpected(std::move(ok).error());
  check_drift(event, out);
  return std::move(out.findings);
}

std::string kind_name(int kind) {
  if (!v1::Finding::Kind_IsValid(kind)) return fmt::format("KIND_{}", kind);
  return v1::Finding::Kind_Name(static_cast<v1::Finding::Kind>(kind));
}

}  // namespace hallmark::evidence
