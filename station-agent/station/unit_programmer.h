// Programming one unit, and the exceptions around units (rework, scrap, take-over).
//
// program_unit() is the station's main job (docs/design.md flow 5): it refuses to start without an
// operator session, on a stopped line, or on an unsynchronised clock the policy forbids;
// reads the device's hardware id (an unreadable or empty one is a recorded FAIL, never a
// pass); binds it to the scanned serial — a label swap, a device
// bound to another serial or a scrapped device STOPS THE LINE (a LINE_STOP event) — then
// reads what the device is (DeviceDriver::describe) into the attestation and, before
// anything is written, refuses a device that is not the bundle's part (another family or
// flash size, images beyond its flash, a part that cannot say: verifier/bundle/
// device_match.h) as a recorded FAIL naming the serial, the SKU's part and what was
// found — then runs the bundle's provisioning plan in order (images written from the cached bundle,
// whose digests are re-checked on every unit — the entries re-read and re-hashed, not the
// archive parsed again; read-back hashes compared; identity key
// made on the device and certified by the device-CA key handle; eFuses last, skipping an
// eFuse already in the wanted state and refusing one burned otherwise), measures, reads
// the hardware id and the description again (a change — a board swapped mid-run — is a
// FAIL and STOPS THE LINE), and appends the signed attestation to the journal (fsync) before
// it reports PASS. A device fault is recorded as a FAIL event naming the step; the unit
// can then be reworked. Every unit event names its device tool (device_tool.h). Nothing is reported good unless its record is durable.
// Never reads key material; not thread-safe (one unit at a time per line).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hallmark/station.pb.h"
#include "station-agent/driver/device_driver.h"
#include "station-agent/station/cached_entries.h"
#include "verifier/core/ids.h"
#include "station-agent/station/station_line.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/error.h"

namespace hallmark::station {

// An accepted bundle from the station's cache, verified again from the pinned trust root.
struct LoadedRelease {
  bundle::VerifiedRelease release;
  std::filesystem::path cached;
  // Where hallmark/bundle.pb and every entry the plan writes lie in `cached`, found once
  // after the verification (by entry name): each unit re-reads and re-hashes them there.
  std::map<std::string, CachedEntry> entries;
};

// `selector`: a bundle digest (64 hex digits) or a SKU (the newest bundle accepted for it).
[[nodiscard]] Result<LoadedRelease> load_release(const StationLine& line,
                                                 std::string_view selector);

struct StepProgress {
  int step = 0;          // 1-based; steps + 1 is the final measurement and attestation
  int steps = 0;
  std::string what;      // "write image 'app'", ...
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using StepObserver = std::function<void(const StepProgress&)>;

enum class UnitVerdict { kPass, kFail, kLineStopped };

struct UnitOutcome {
  UnitVerdict verdict = UnitVerdict::kFail;
  std::uint64_t sequence = 0;   // the journal record of the unit (or of the line stop)
  HardwareId hardware_id;
  std::string detail;           // why it failed or stopped, for the operator
  bool wrong_device = false;    // FAIL: not the bundle's part; nothing was written
  bool token_fault = false;     // FAIL: the station's own token failed (removed, device
                                // error, a signature that does not verify), not the unit
  v1::Attestation attestation;  // as signed
};

enum class UnitMode { kProgram, kRework };

struct UnitRequest {
  Serial serial;
  UnitMode mode = UnitMode::kProgram;
  std::string reason;  // rework only (required)
};

// What program_unit() checks before a device is touched, for a front end to call before it
// opens the device or announces the unit: the serial, a rework's reason, a running line
// and an unexpired session, nothing revoked, the clock (kPolicyRefused / kUsage, nothing
// recorded). The clock state the unit would be recorded with.
[[nodiscard]] Result<ClockState> unit_may_start(const StationLine& line,
                                                const LoadedRelease& release,
                                                const UnitRequest& request);

// unit_may_start(), then the unit. kPolicyRefused (nothing recorded) for a missing session, a stopped line, a refused clock,
// a malformed serial, a unit already programmed (program) or unknown here (rework); kIo for
// a journal that cannot be written. Otherwise the outcome, already durable in the journal
// (a device whose hardware id cannot be read, or is empty, is a FAIL outcome).
[[nodiscard]] Result<UnitOutcome> program_unit(StationLine& line, const LoadedRelease& release,
                                               device::DeviceDriver& device,
                                               const UnitRequest& request,
                                               const StepObserver& observe = {});

// Marks a hardware id scrapped (with its serial when bound): any later appearance stops
// the line. `device` reads the id when `hardware_id` is empty.
[[nodiscard]] Result<std::uint64_t> scrap_unit(StationLine& line, const HardwareId& hardware_id,
                                               device::DeviceDriver* device,
                                               std::string_view reason);

// This station takes over a unit another station started: binds serial ↔ hardware id
// here (stopping the line on a conflict, like program) so the unit may be reworked.
[[nodiscard]] Result<UnitOutcome> take_over_unit(StationLine& line, device::DeviceDriver& device,
                                                 const Serial& serial,
                                                 const StationId& from_station,
                                                 std::string_view reason);

// Fills `event`'s device tool (driver, the SHA-256 of its configuration and programs) from
// what the driver reports: the one place a unit event and a return's inspection record it.
void record_device_tool(v1::Attestation& event, const device::DeviceTool& tool);

// kUsage unless `serial` is 1..64 printable ASCII characters without spaces.
[[nodiscard]] Result<void> check_serial(std::string_view serial);

// kIo unless a device's `hardware_id` is 1..128 printable ASCII characters without spaces:
// an empty or unreadable id would switch off the label-swap and clone checks for the unit.
[[nodiscard]] Result<void> check_hardware_id(std::string_view hardware_id);

}  // namespace hallmark::station
