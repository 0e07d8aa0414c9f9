#include "signer/evidence/event_findings.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/core/printable.h"
#include "verifier/core/sha256.h"
#include "verifier/core/time_format.h"
#include "verifier/log/event_answer.h"

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

// A program or rework writes a bundle: it must name it.
bool writes_bundle(v1::Attestation::Event event) {
  return event == v1::Attestation::PROGRAM || event == v1::Attestation::REWORK;
}

// What the station says it wrote, read back and burned, against the release it names.
void check_claims(const v1::Attestation& event, const KnownRelease& release, Collector& out) {
  if (!release.claims) {
    out.add(v1::Finding::CLAIM_MISMATCH,
            fmt::format("the store's record of bundle {} {} cannot be read ({}): its claims "
                        "are not checked", release.row.sku, release.row.version,
                        release.claims_error));
    return;
  }
  const auto mismatches = bundle::claim_mismatches(event, *release.claims,
                                                   event.result() == v1::Attestation::PASS);
  if (mismatches.empty()) return;
  std::string detail = fmt::format("differs from bundle {} {}: ", release.row.sku, release.row.version);
  for (std::size_t i = 0; i < mismatches.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += mismatches[i];
  }
  out.add(v1::Finding::CLAIM_MISMATCH, std::move(detail));
}

// A unit that passed was the bundle's part: the device it names is compared with the SKU
// by the rule the station applies before writing (verifier/bundle/device_match.h).
void check_device(const v1::Attestation& event, const KnownRelease& release, Collector& out) {
  if (event.result() != v1::Attestation::PASS) return;
  if (!release.device) {
    out.add(v1::Finding::DEVICE_MISMATCH,
            fmt::format("the store's record of bundle {} {} cannot be read ({}): the device is "
                        "not checked", release.row.sku, release.row.version, release.claims_error));
    return;
  }
  if (!event.has_device()) {
    out.add(v1::Finding::DEVICE_MISMATCH,
            fmt::format("a {} PASS of serial '{}' names no device description: nothing shows "
                        "the unit is SKU {}'s part", v1::Attestation::Event_Name(event.event()),
                        event.serial(), release.row.sku));
    return;
  }
  const auto mismatches = bundle::device_mismatches(event.device(), *release.device);
  if (mismatches.empty()) return;
  std::string detail = fmt::format("serial '{}' passed with bundle {} {} on a device that is not "
                                   "its part ({}; found {}): ", event.serial(), release.row.sku,
                                   release.row.version, bundle::describe_part(*release.device),
                                   bundle::describe_device(event.device()));
  for (std::size_t i = 0; i < mismatches.size(); ++i) detail += (i > 0 ? "; " : "") + mismatches[i];
  out.add(v1::Finding::DEVICE_MISMATCH, std::move(detail));
}

Result<void> check_bundle(const v1::Attestation& event, Collector& out) {
  if (event.bundle_digest().empty()) {
    if (writes_bundle(event.event())) {
      out.add(v1::Finding::CLAIM_MISMATCH,
              fmt::format("a {} event ({}) names no bundle: what the unit received cannot be "
                          "checked", v1::Attestation::Event_Name(event.event()),
                          v1::Attestation::Result_Name(event.result())));
    }
    return {};
  }
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
  if (*release == nullptr) {
    out.add(v1::Finding::UNPROMOTED_BUNDLE,
            fmt::format("bundle {} was not promoted by this signer (or its promoted bundle "
                        "was not given with --release)", digest->hex()));
    return {};
  }
  const ReleaseRow& r = (*release)->row;
  const std::int64_t t = event.time_unix();
  if (t < r.promoted_unix || t < r.not_before_unix || (r.not_after_unix != 0 && t > r.not_after_unix)) {
    out.add(v1::Finding::OUTSIDE_VALIDITY,
            fmt::format("event at {} is outside bundle {} {}'s validity (promoted {}, valid "
                        "{} to {})", verifier::format_utc(t), r.sku, r.version,
                        verifier::format_utc(r.promoted_unix), verifier::format_utc(r.not_before_unix),
                        verifier::format_utc(r.not_after_unix)));
  }
  if (writes_bundle(event.event())) {
    check_claims(event, **release, out);
    check_device(event, **release, out);
  }
  return {};
}

// Without a hardware id a unit escapes the label-swap and clone checks.
void check_hardware_id(const v1::Attestation& event, Collector& out) {
  if (!is_unit_event(event.event()) || !event.hardware_id().empty()) return;
  out.add(v1::Finding::CLAIM_MISMATCH,
          fmt::format("a {} event ({}) names no hardware id: the label-swap and clone checks "
                      "cannot run for serial '{}'", v1::Attestation::Event_Name(event.event()),
                      v1::Attestation::Result_Name(event.result()), event.serial()));
}

std::string describe_tool(const v1::DeviceTool& tool) {
  if (tool.driver().empty()) return "(none)";
  std::string out = tool.driver();
  out += tool.config_sha256().empty() ? ", no config"
                                       : ", config " + verifier::digest_hex(tool.config_sha256());
  for (const auto& program : tool.programs()) {
    out += fmt::format(", {} {}", program.path(),
                       program.sha256().empty() ? "(not hashed)" : verifier::digest_hex(program.sha256()));
  }
  return out;
}

// The device tool is what reads back and measures: a change of driver, config or program
// changes what "read back" means, so every change is a finding.
void check_device_tool(const v1::Attestation& event, Collector& out) {
  if (!is_unit_event(event.event())) return;
  const v1::DeviceTool& tool = event.device_tool();
  if (tool.driver().empty()) {
    // A scrap may name the hardware id by hand, with no device attached.
    if (event.event() == v1::Attestation::SCRAP) return;
    out.add(v1::Finding::DEVICE_TOOL_DRIFT,
            fmt::format("a {} event names no device tool: what talked to the device is unknown",
                        v1::Attestation::Event_Name(event.event())));
    return;
  }
  const bool unhashed = std::any_of(tool.programs().begin(), tool.programs().end(),
                                    [](const auto& p) { return p.sha256().size() != 32; });
  if ((tool.driver() == "cmd" && tool.config_sha256().size() != 32) || unhashed) {
    out.add(v1::Finding::DEVICE_TOOL_DRIFT,
            fmt::format("the device tool is not fully identified ({})", describe_tool(tool)));
  }
  const v1::DeviceTool* previous = out.context.previous_device_tool;
  if (previous == nullptr || same_device_tool(*previous, tool)) return;
  out.add(v1::Finding::DEVICE_TOOL_DRIFT,
          fmt::format("the device tool changed since the station's previous unit event: was "
                      "{}; now {}", describe_tool(*previous), describe_tool(tool)));
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
  const Serial serial(event.serial());
  const HardwareId hardware_id(event.hardware_id());
  auto seen = store.unit_sightings(serial, hardware_id);
  if (!seen) return std::unexpected(std::move(seen).error());
  for (const SeenWith<HardwareId>& other : seen->hardware_ids_of_serial) {
    if (other.value == hardware_id) continue;
    out.add(v1::Finding::SERIAL_CLONE,
            fmt::format("serial {} was countersigned with hardware id {} (log entry {}), now "
                        "with {}", event.serial(), other.value, other.log_index, event.hardware_id()))
        .add_log_indexes(other.log_index);
  }
  for (const SeenWith<Serial>& other : seen->serials_of_hardware_id) {
    if (other.value == serial) continue;
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
  // Approved software: the enrolled build until a promoted station-software release is in
  // force, then only released programs (the one rule: StationSoftwareReleases). Without the
  // releases (countersign() refuses to run so) nothing is approved.
  if (out.context.station_software == nullptr) {
    out.add(v1::Finding::STATION_DRIFT,
            fmt::format("station software {} was not compared with the station-software "
                        "releases (none were read from the evidence store)",
                        verifier::digest_hex(event.software_sha256())));
  } else if (auto why = out.context.station_software->unapproved_software(
                 enrolled.software_sha256(), event.software_sha256(), event.time_unix())) {
    out.add(v1::Finding::STATION_DRIFT, std::move(*why));
  }
  if (event.config_sha256() != enrolled.config_sha256()) {
    out.add(v1::Finding::STATION_DRIFT,
            fmt::format("station configuration {} differs from the enrolled {}",
                        verifier::digest_hex(event.config_sha256()),
                        verifier::digest_hex(enrolled.config_sha256())));
  }
}

}  // namespace

ReleaseRow release_row(const bundle::VerifiedRelease& release) {
  ReleaseRow row;
  row.bundle = to_bytes(release.bundle.SerializeAsString());
  row.promoted = to_bytes(release.release.SerializeAsString());
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

Result<const KnownRelease*> ReleaseCache::find(const verifier::Digest& bundle_digest) {
  auto known = known_.find(bundle_digest);
  if (known == known_.end()) {
    auto row = store_.release(bundle_digest);
    if (!row) return std::unexpected(std::move(row).error());
    std::optional<KnownRelease> release;
    if (*row) {
      release.emplace();
      release->row = std::move(**row);
      v1::Bundle bundle;
      v1::PromotedRelease promoted;
      const auto& r = release->row;
      if (!bundle.ParseFromArray(r.bundle.data(), static_cast<int>(r.bundle.size())) ||
          !promoted.ParseFromArray(r.promoted.data(), static_cast<int>(r.promoted.size()))) {
        release->claims_error = "its Bundle or PromotedRelease does not parse";
      } else if (auto claims = bundle::unit_claims(bundle, promoted); !claims) {
        release->claims_error = claims.error().message;
      } else {
        release->claims = std::move(*claims);
        release->device = bundle::expected_device(bundle, *release->claims);
      }
    }
    known = known_.emplace(bundle_digest, std::move(release)).first;
  }
  return known->second ? &*known->second : nullptr;
}

const v1::DeviceTool* device_tool_of(const v1::Attestation& event) {
  if (!is_unit_event(event.event()) || event.device_tool().driver().empty()) return nullptr;
  return &event.device_tool();
}

bool same_device_tool(const v1::DeviceTool& a, const v1::DeviceTool& b) {
  if (a.driver() != b.driver() || a.config_sha256() != b.config_sha256() ||
      a.programs_size() != b.programs_size()) {
    return false;
  }
  for (int i = 0; i < a.programs_size(); ++i) {
    if (a.programs(i).path() != b.programs(i).path() ||
        a.programs(i).sha256() != b.programs(i).sha256()) {
      return false;
    }
  }
  return true;
}

bool is_unit_event(v1::Attestation::Event event) {
  return event == v1::Attestation::PROGRAM || event == v1::Attestation::REWORK ||
         event == v1::Attestation::SCRAP || event == v1::Attestation::TAKE_OVER ||
         event == v1::Attestation::RMA_RECEIVED;
}

Result<std::vector<v1::Finding>> event_findings(EvidenceStore& store, const v1::Attestation& event,
                                                const EventContext& context) {
  Collector out{context, {}};
  if (auto ok = check_bundle(event, out); !ok) return std::unexpected(std::move(ok).error());
  check_hardware_id(event, out);
  check_time(event, out);
  if (auto ok = check_clones(store, event, out); !ok) return std::unexpected(std::move(ok).error());
  check_drift(event, out);
  check_device_tool(event, out);
  return std::move(out.findings);
}

std::string kind_name(int kind) { return finding_kind_name(kind); }

}  // namespace hallmark::evidence
