#include "station-agent/station/unit_programmer.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "station-agent/station/intake.h"
#include "station-agent/station/provisioning_plan.h"
#include "station-agent/station/station_state.h"
#include "verifier/bundle/device_match.h"

namespace hallmark::station {
namespace {

using Event = v1::Attestation;

Result<verifier::Digest> digest_selector(std::string_view selector) {
  if (selector.size() != 64) return fail(ErrorCode::kUsage, "not a digest");
  return verifier::Digest::from_hex(selector);
}

Result<v1::AcceptedBundle> pick_accepted(const std::filesystem::path& dir,
                                         std::string_view selector) {
  auto ledger = read_ledger(dir);
  if (!ledger) return std::unexpected(ledger.error());
  const v1::AcceptedBundle* best = nullptr;
  auto digest = digest_selector(selector);
  for (const auto& accepted : ledger->accepted()) {
    if (digest) {
      if (accepted.bundle_digest() == as_chars(digest->bytes())) {
        best = &accepted;
      }
    } else if (accepted.sku() == selector) {
      best = &accepted;  // intake only accepts increasing versions: the last is the newest
    }
  }
  if (best == nullptr) {
    return fail(ErrorCode::kUsage,
                fmt::format("no bundle {} was accepted at this station: take it in first with "
                            "hallmark-station intake",
                            selector));
  }
  return *best;
}

// The unit's own fields; the line fills the rest.
Event unit_event(Event::Event kind, std::string_view serial, std::string_view hardware_id) {
  Event event;
  event.set_event(kind);
  event.set_serial(std::string(serial));
  event.set_hardware_id(std::string(hardware_id));
  return event;
}

Result<UnitOutcome> stop_the_line(StationLine& line, const ClockState& clock,
                                  const Serial& serial, const HardwareId& hardware_id,
                                  std::string cause) {
  Event event = unit_event(Event::LINE_STOP, serial.str(), hardware_id.str());
  event.set_detail(cause);
  auto sequence = line.record(event, clock);
  if (!sequence) return std::unexpected(sequence.error());
  UnitOutcome outcome;
  outcome.verdict = UnitVerdict::kLineStopped;
  outcome.sequence = *sequence;
  outcome.hardware_id = hardware_id;
  outcome.detail = std::move(cause);
  outcome.attestation = std::move(event);
  return outcome;
}

void set_device_tool(Event& event, device::DeviceDriver& device) {
  record_device_tool(event, device.tool());
}

// The device's hardware id, checked: an unreadable or empty one is an Error naming why.
Result<HardwareId> read_hardware_id(device::DeviceDriver& device, std::string_view serial) {
  auto identified = device.identify();
  if (!identified) {
    return std::unexpected(identified.error().context(
        fmt::format("reading the hardware id of the unit labelled {}", serial)));
  }
  if (auto ok = check_hardware_id(identified->str()); !ok) {
    return std::unexpected(ok.error().context(fmt::format("the unit labelled {}", serial)));
  }
  return std::move(*identified);
}

// What a device tool prints is untrusted and goes into a signed record: each field is cut
// to a bound first. A family cut is still longer than bundle::kMaxFamilyLength, so it never
// matches; fewer boot formats can only refuse more.
constexpr std::size_t kMaxDescriptionField = 2 * bundle::kMaxFamilyLength;
constexpr int kMaxBootFormats = 8;

v1::DeviceDescription to_proto(const device::DeviceDescription& d) {
  v1::DeviceDescription out;
  out.set_family(d.family.substr(0, kMaxDescriptionField));
  out.set_flash_size(d.flash_size);
  out.set_chip_revision(d.chip_revision.substr(0, kMaxDescriptionField));
  for (const auto& f : d.boot_formats) {
    if (out.boot_formats_size() == kMaxBootFormats) break;
    out.add_boot_formats(f.substr(0, kMaxDescriptionField));
  }
  return out;
}

// Reads what the device is into the event and compares it with the bundle's part
// (verifier/bundle/device_match.h): why the unit must not be programmed, or "" when it is
// the bundle's part. A driver that cannot describe the device is a refusal too: an
// unknown part is not a match.
std::string wrong_device(device::DeviceDriver& device, const bundle::ExpectedDevice& expected,
                         Event& event) {
  auto described = device.describe();
  if (!described) {
    return fmt::format("the device cannot say what part it is ({}): unknown is not a match",
                       described.error().message);
  }
  *event.mutable_device() = to_proto(*described);
  const auto mismatches = bundle::device_mismatches(event.device(), expected);
  std::string out;
  for (const auto& m : mismatches) out += (out.empty() ? "" : "; ") + m;
  return out;
}

// After the plan: the same device (hardware id and description) as at the start, or ""
// naming what changed — a board swapped mid-run voids the evidence.
std::string device_changed(device::DeviceDriver& device, const Event& event) {
  auto again = device.identify();
  if (!again || again->str() != event.hardware_id()) {
    const std::string seen = again ? again->str() : "no answer (" + again.error().message + ")";
    return fmt::format("hardware id changed during programming: {} then {}", event.hardware_id(),
                       seen);
  }
  auto described = device.describe();
  if (!described) {
    return fmt::format("the device description cannot be read again after programming ({}): "
                       "it may not be the device that was programmed",
                       described.error().message);
  }
  const v1::DeviceDescription now = to_proto(*described);
  if (!bundle::same_device(now, event.device())) {
    return fmt::format("device description changed during programming: {} then {}",
                       bundle::describe_device(event.device()), bundle::describe_device(now));
  }
  return {};
}

UnitOutcome recorded_failure(Event event, std::uint64_t sequence) {
  UnitOutcome outcome;
  outcome.verdict = UnitVerdict::kFail;
  outcome.sequence = sequence;
  outcome.hardware_id = HardwareId(event.hardware_id());
  outcome.detail = event.detail();
  outcome.attestation = std::move(event);
  return outcome;
}

Result<void> ready_for_unit(const StationLine& line) {
  if (auto running = line.require_running(); !running) return running;
  if (auto session = line.require_session(); !session) return std::unexpected(session.error());
  return {};
}

}  // namespace

Result<void> check_serial(std::string_view serial) {
  const bool printable = std::all_of(serial.begin(), serial.end(),
                                     [](char c) { return c > 0x20 && c < 0x7f; });
  if (serial.empty() || serial.size() > 64 || !printable) {
    return fail(ErrorCode::kUsage,
                fmt::format("serial '{}' is not a printed label (1 to 64 printable characters, "
                            "no spaces): scan the label again",
                            printable ? serial : "<unprintable>"));
  }
  return {};
}

Result<void> check_hardware_id(std::string_view hardware_id) {
  const bool printable = std::all_of(hardware_id.begin(), hardware_id.end(),
                                     [](char c) { return c > 0x20 && c < 0x7f; });
  if (hardware_id.empty() || hardware_id.size() > 128 || !printable) {
    return fail(ErrorCode::kIo,
                fmt::format("the device reported {} as its hardware id (1 to 128 printable "
                            "characters expected): without it the unit cannot be told from "
                            "another; check the device and its driver",
                            hardware_id.empty() ? "nothing" : printable ? hardware_id : "an unprintable value"));
  }
  return {};
}

Result<LoadedRelease> load_release(const StationLine& line, std::string_view selector) {
  auto accepted = pick_accepted(line.dir(), selector);
  if (!accepted) return std::unexpected(accepted.error());
  auto digest = verifier::Digest::from_bytes(as_bytes(accepted->bundle_digest()));
  if (!digest) return std::unexpected(digest.error());
  // Refused before any device is opened: a revoked station, key or bundle.
  if (auto ok = line.refuse_revoked(*digest); !ok) return std::unexpected(ok.error());
  auto cached = recheck_cached(line.dir(), *digest);
  if (!cached) return std::unexpected(cached.error());
  const auto path = cached_path(line.dir(), *digest);
  const auto channels = accepted_channels(line.policy());
  auto release = bundle::verify_promoted_bundle(path, line.trust(), channels);
  if (!release) return std::unexpected(release.error());
  if (release->bundle_digest != *digest) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("cached bundle {} is not bundle {}", path.string(), digest->hex()));
  }
  if (auto ok = check_release_policy(line.dir(), line.policy(), release->release); !ok) {
    return std::unexpected(ok.error());
  }
  LoadedRelease loaded{std::move(*release), path, {}};
  auto entries = plan_entries(loaded);
  if (!entries) return std::unexpected(entries.error());
  loaded.entries = std::move(*entries);
  // Read and checked once here, so a location that does not hold what the verified archive
  // held refuses the release now rather than every unit.
  if (auto images = load_plan_images(loaded); !images) return std::unexpected(images.error());
  return loaded;
}

Result<ClockState> unit_may_start(const StationLine& line, const LoadedRelease& release,
                                  const UnitRequest& request) {
  if (auto ok = check_serial(request.serial.str()); !ok) return std::unexpected(ok.error());
  const bool rework = request.mode == UnitMode::kRework;
  if (rework && request.reason.empty()) {
    return fail(ErrorCode::kUsage, "a rework needs a reason (--reason)");
  }
  if (auto ok = ready_for_unit(line); !ok) return std::unexpected(ok.error());
  // Nothing revoked programs: this station, its keys, the bundle (the release was loaded
  // under the same trust, but the check is here, where the device is about to be touched).
  if (auto ok = line.refuse_revoked(release.release.bundle_digest); !ok) {
    return std::unexpected(ok.error().context(
        fmt::format("unit {} not {}", request.serial, rework ? "reworked" : "programmed")));
  }
  return line.clock_for_unit();
}

namespace {

// The unit's history here, as the mode needs it: none for a first programming, some for a
// rework.
Result<const UnitHistory*> unit_for_mode(const StationHistory& history,
                                         const UnitRequest& request,
                                         const HardwareId& hardware_id) {
  auto found = history.unit(hardware_id);
  if (!found) return found;
  const UnitHistory* known = *found;
  const bool rework = request.mode == UnitMode::kRework;
  if (!rework && known != nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("unit {} (device {}) already has {} record(s) here, the last one "
                            "{}: use `hallmark-station rework` to program it again",
                            request.serial, hardware_id, known->sequences.size(),
                            known->sequences.back()));
  }
  if (rework && known == nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("unit {} (device {}) has no record at this station: program it, or "
                            "take it over from the station that started it",
                            request.serial, hardware_id));
  }
  return known;
}

// The provisioning plan run on the identified device and its attestation recorded: PASS
// when every step ran on the same device from the first read to the last, FAIL naming the
// step otherwise (a device that changed stops the line).
Result<UnitOutcome> run_plan_and_record(StationLine& line, const ClockState& clock,
                                        const LoadedRelease& release,
                                        device::DeviceDriver& device, const UnitRequest& request,
                                        const HardwareId& hardware_id,
                                        const StepObserver& observe, PlanImages images,
                                        Event event) {
  PlanContext context{line, release, device, request.serial, hardware_id, observe,
                      std::move(images)};
  auto ran = run_provisioning_plan(context, event);
  const bool token_fault = !ran && ran.error().code == ErrorCode::kToken;
  if (!ran) {
    // A device fault, or the station token failing mid-plan (the device-CA key): the unit
    // is recorded as failed, naming the step, then reworkable.
    event.set_result(Event::FAIL);
    event.set_detail(ran.error().message);
  } else {
    // The same device from the first read to the last, or the evidence is void.
    if (std::string changed = device_changed(device, event); !changed.empty()) {
      event.set_result(Event::FAIL);
      event.set_detail(std::move(changed));
      auto failed = line.record(event, clock);
      if (!failed) return std::unexpected(failed.error());
      return stop_the_line(line, clock, request.serial, hardware_id, event.detail());
    }
    event.set_result(Event::PASS);
    event.set_detail(fmt::format("{} plan steps done, measured", release.release.bundle.plan_size()));
  }
  auto sequence = line.record(event, clock);
  if (!sequence) return std::unexpected(sequence.error());
  UnitOutcome outcome;
  outcome.verdict = event.result() == Event::PASS ? UnitVerdict::kPass : UnitVerdict::kFail;
  outcome.token_fault = token_fault;
  outcome.sequence = *sequence;
  outcome.hardware_id = hardware_id;
  outcome.detail = event.detail();
  outcome.attestation = std::move(event);
  return outcome;
}

}  // namespace

Result<UnitOutcome> program_unit(StationLine& line, const LoadedRelease& release,
                                 device::DeviceDriver& device, const UnitRequest& request,
                                 const StepObserver& observe) {
  const bool rework = request.mode == UnitMode::kRework;
  auto clock = unit_may_start(line, release, request);
  if (!clock) return std::unexpected(clock.error());
  // The cached bundle is re-checked before the device is touched: a changed cache refuses
  // the unit, it does not fail it.
  auto images = load_plan_images(release);
  if (!images) return std::unexpected(images.error());

  Event event = unit_event(rework ? Event::REWORK : Event::PROGRAM, request.serial.str(), "");
  if (rework) event.set_reason(request.reason);
  event.set_bundle_digest(std::string(as_chars(release.release.bundle_digest.bytes())));
  set_device_tool(event, device);
  auto identified = read_hardware_id(device, request.serial.str());
  if (!identified) {
    // No hardware id, no evidence of which device this was: a recorded failure, never a pass.
    event.set_result(Event::FAIL);
    event.set_detail(identified.error().message);
    auto sequence = line.record(event, *clock);
    if (!sequence) return std::unexpected(sequence.error());
    return recorded_failure(std::move(event), *sequence);
  }
  const HardwareId hardware_id = std::move(*identified);
  event.set_hardware_id(hardware_id.str());
  const auto& history = line.history();
  auto conflict = history.binding_conflict(request.serial, hardware_id);
  if (!conflict) return std::unexpected(std::move(conflict).error());
  if (*conflict) {
    return stop_the_line(line, *clock, request.serial, hardware_id, std::move(**conflict));
  }
  auto found = unit_for_mode(history, request, hardware_id);
  if (!found) return std::unexpected(std::move(found).error());
  const UnitHistory* known = *found;

  if (rework) {
    for (auto sequence : known->sequences) event.add_linked_sequences(sequence);
  }
  // The wrong part (another family or flash size, or one that cannot say) is refused
  // before anything is written to it: a recorded FAIL naming what was expected and found.
  const auto& bundle_of = release.release;
  auto expected = bundle::expected_device(bundle_of.bundle, bundle_of.release);
  if (!expected) return std::unexpected(expected.error());
  if (std::string why = wrong_device(device, *expected, event); !why.empty()) {
    event.set_result(Event::FAIL);
    event.set_detail(fmt::format("wrong device: unit {} (device {}) is not the part bundle {} {} "
                                 "is for ({}): {}. Found {}; nothing was written",
                                 request.serial, hardware_id, bundle_of.bundle.sku(),
                                 bundle_of.bundle.version(), bundle::describe_part(*expected), why,
                                 event.has_device() ? bundle::describe_device(event.device())
                                                    : std::string("no description")));
    auto sequence = line.record(event, *clock);
    if (!sequence) return std::unexpected(sequence.error());
    UnitOutcome outcome = recorded_failure(std::move(event), *sequence);
    outcome.wrong_device = true;
    return outcome;
  }

  return run_plan_and_record(line, *clock, release, device, request, hardware_id, observe,
                             std::move(*images), std::move(event));
}

Result<std::uint64_t> scrap_unit(StationLine& line, const HardwareId& given,
                                 device::DeviceDriver* device, std::string_view reason) {
  if (reason.empty()) return fail(ErrorCode::kUsage, "scrapping a unit needs a reason (--reason)");
  if (auto session = line.require_session(); !session) return std::unexpected(session.error());
  HardwareId hardware_id = given;
  if (hardware_id.empty()) {
    if (device == nullptr) return fail(ErrorCode::kUsage, "name the device or its hardware id");
    auto identified = read_hardware_id(*device, "(scrap)");
    if (!identified) return std::unexpected(identified.error());
    hardware_id = std::move(*identified);
  } else if (auto ok = check_hardware_id(hardware_id.str()); !ok) {
    return std::unexpected(Error{ErrorCode::kUsage, ok.error().message, 0, {}});
  }
  auto found = line.history().unit(hardware_id);
  if (!found) return std::unexpected(std::move(found).error());
  const UnitHistory* known = *found;
  if (known != nullptr && known->scrapped) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("device {} is already scrapped (record {})", hardware_id,
                            known->sequences.back()));
  }
  Event event = unit_event(Event::SCRAP, known != nullptr ? known->serial : "", hardware_id.str());
  event.set_result(Event::SCRAPPED);
  event.set_reason(std::string(reason));
  if (device != nullptr) set_device_tool(event, *device);
  if (known != nullptr) {
    for (auto sequence : known->sequences) event.add_linked_sequences(sequence);
  }
  return line.record(event);
}

Result<UnitOutcome> take_over_unit(StationLine& line, device::DeviceDriver& device,
                                   const Serial& unit_serial, const StationId& from,
                                   std::string_view reason) {
  const std::string_view serial = unit_serial.str();
  const std::string_view from_station = from.str();
  if (auto ok = check_serial(serial); !ok) return std::unexpected(ok.error());
  if (from.empty() || from == line.station_id()) {
    return fail(ErrorCode::kUsage, "name the other station that started the unit (--from-station)");
  }
  if (reason.empty()) return fail(ErrorCode::kUsage, "a take-over needs a reason (--reason)");
  if (auto ok = ready_for_unit(line); !ok) return std::unexpected(ok.error());
  if (auto ok = line.refuse_revoked(std::nullopt); !ok) return std::unexpected(ok.error());
  auto clock = line.clock_for_unit();
  if (!clock) return std::unexpected(clock.error());
  auto identified = read_hardware_id(device, serial);
  if (!identified) return std::unexpected(identified.error());
  const HardwareId hardware_id = std::move(*identified);
  auto conflict = line.history().binding_conflict(unit_serial, hardware_id);
  if (!conflict) return std::unexpected(std::move(conflict).error());
  if (*conflict) {
    return stop_the_line(line, *clock, unit_serial, hardware_id, std::move(**conflict));
  }
  auto found = line.history().unit(hardware_id);
  if (!found) return std::unexpected(std::move(found).error());
  if (*found != nullptr) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("unit {} (device {}) is already on this station's records: rework it "
                            "instead",
                            serial, hardware_id));
  }
  Event event = unit_event(Event::TAKE_OVER, serial, hardware_id.str());
  set_device_tool(event, device);
  event.set_previous_station_id(std::string(from_station));
  event.set_reason(std::string(reason));
  auto sequence = line.record(event, *clock);
  if (!sequence) return std::unexpected(sequence.error());
  UnitOutcome outcome;
  outcome.verdict = UnitVerdict::kPass;
  outcome.sequence = *sequence;
  outcome.hardware_id = hardware_id;
  outcome.detail = fmt::format("taken over from station {}", from_station);
  outcome.attestation = std::move(event);
  return outcome;
}

void record_device_tool(v1::Attestation& event, const device::DeviceTool& tool) {
  v1::DeviceTool& out = *event.mutable_device_tool();
  out.set_driver(tool.driver);
  if (tool.config_sha256) out.set_config_sha256(std::string(as_chars(tool.config_sha256->bytes())));
  for (const auto& program : tool.programs) {
    auto* p = out.add_programs();
    p->set_path(program.path);
    if (program.sha256) p->set_sha256(std::string(as_chars(program.sha256->bytes())));
  }
}

}  // namespace hallmark::station
