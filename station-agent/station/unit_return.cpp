#include "station-agent/station/unit_return.h"

#include <fmt/format.h>

#include "station-agent/station/intake.h"
#include "station-agent/station/unit_programmer.h"
#include "verifier/inspect/manifest_source.h"

namespace hallmark::station {
namespace {

using Event = v1::Attestation;

// A detail goes into a signed record: bounded, whatever the device and the files said.
constexpr std::size_t kMaxDetail = 4096;

// The bundles an inspection may compare with: those given, verified under the line's trust
// (an error when one does not verify), then those this station accepted and caches (one
// that no longer verifies — revoked since, say — is simply not offered).
Result<std::vector<bundle::VerifiedRelease>> releases_for(const StationLine& line,
                                                          const ReturnRequest& request) {
  std::vector<bundle::VerifiedRelease> out;
  const auto channels = accepted_channels(line.policy());
  for (const auto& path : request.bundles) {
    auto release = bundle::verify_promoted_bundle(path, line.trust(), channels);
    if (!release) return std::unexpected(std::move(release).error().context(path.string()));
    out.push_back(std::move(*release));
  }
  auto ledger = read_ledger(line.dir());
  if (!ledger) return std::unexpected(std::move(ledger).error());
  for (const auto& accepted : ledger->accepted()) {
    auto digest = verifier::Digest::from_bytes(as_bytes(accepted.bundle_digest()));
    if (!digest) continue;
    auto release = bundle::verify_promoted_bundle(cached_path(line.dir(), *digest), line.trust(), channels);
    if (release) out.push_back(std::move(*release));
  }
  return out;
}

// This station's own records of the unit: scrapped here, or bound here otherwise.
void check_station_history(const StationLine& line, inspect::Inspection& inspection) {
  const Serial& serial = !inspection.label.empty() ? inspection.label : inspection.serial;
  auto conflict = line.history().binding_conflict(serial, inspection.hardware_id);
  if (!conflict || *conflict) {
    inspection.checks.push_back(
        {"station history", inspect::CheckStatus::kFail,
         conflict ? **conflict : fmt::format("this station's history cannot say: {}", conflict.error().message)});
    inspection.identity_mismatch = true;
    return;
  }
  inspection.checks.push_back({"station history", inspect::CheckStatus::kPass,
                               "no conflicting record at this station"});
}

}  // namespace

Result<ReturnOutcome> receive_return(StationLine& line, device::DeviceDriver& device,
                                     const ReturnRequest& request) {
  if (request.reason.empty()) {
    return fail(ErrorCode::kUsage, "receiving a returned unit needs a reason (--reason)");
  }
  if (request.label) {
    if (auto ok = check_serial(request.label->str()); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = line.require_running(); !ok) return std::unexpected(ok.error());
  if (auto session = line.require_session(); !session) return std::unexpected(session.error());
  if (auto ok = line.refuse_revoked(std::nullopt); !ok) return std::unexpected(ok.error());
  auto clock = line.clock_for_unit();
  if (!clock) return std::unexpected(clock.error());
  auto manifests = inspect::load_manifests(request.manifests, line.trust().root());
  if (!manifests) return std::unexpected(std::move(manifests).error());
  auto releases = releases_for(line, request);
  if (!releases) return std::unexpected(std::move(releases).error());
  auto inspected = device::inspect_device(device, {&*manifests, &*releases, request.label});
  if (!inspected) return std::unexpected(std::move(inspected).error());
  inspect::Inspection& inspection = inspected->inspection;
  if (auto ok = check_hardware_id(inspection.hardware_id.str()); !ok) {
    return std::unexpected(ok.error());
  }
  check_station_history(line, inspection);

  ReturnOutcome outcome;
  Event event;
  event.set_event(Event::RMA_RECEIVED);
  event.set_serial((!inspection.serial.empty() ? inspection.serial : inspection.label).str());
  event.set_hardware_id(inspection.hardware_id.str());
  event.set_result(inspection.ok() ? Event::PASS : Event::FAIL);
  event.set_detail(inspection.summary().substr(0, kMaxDetail));
  event.set_reason(request.reason);
  record_device_tool(event, inspected->tool);
  auto found = line.history().unit(inspection.hardware_id);
  if (found && *found != nullptr) {
    for (auto sequence : (*found)->sequences) event.add_linked_sequences(sequence);
  }
  auto sequence = line.record(event, *clock);
  if (!sequence) return std::unexpected(sequence.error());
  outcome.sequence = *sequence;
  outcome.attestation = event;
  if (inspection.identity_mismatch) {
    Event stop;
    stop.set_event(Event::LINE_STOP);
    stop.set_serial(event.serial());
    stop.set_hardware_id(inspection.hardware_id.str());
    stop.set_detail(fmt::format("returned unit (record {}) is not the unit its evidence says: {}",
                                *sequence, event.detail())
                        .substr(0, kMaxDetail));
    auto stopped = line.record(stop, *clock);
    if (!stopped) return std::unexpected(stopped.error());
    outcome.line_stop = *stopped;
  }
  outcome.inspection = std::move(inspection);
  return outcome;
}

}  // namespace hallmark::station
