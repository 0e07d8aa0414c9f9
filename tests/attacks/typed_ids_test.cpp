// A serial and a hardware id (or a station id) swapped at a call: with both as strings the
// call compiles and the station binds the label to the wrong device or blames the wrong
// station. The ids are distinct types (verifier/core/ids.h), so the swap is a compile error;
// these static_asserts hold the real API functions to that, and the cases check the ids
// behave as the strings they carry.
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "signer/evidence/countersign.h"
#include "signer/evidence/known_stations.h"
#include "station-agent/journal/journal.h"
#include "station-agent/station/device_certificate.h"
#include "station-agent/station/provisioning_plan.h"
#include "station-agent/station/seal_acknowledgement.h"
#include "station-agent/station/station_history.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/unit_programmer.h"
#include "verifier/cli/certificate_export.h"
#include "verifier/core/ids.h"
#include "verifier/inspect/unit_inspection.h"
#include "verifier/trust/trust.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::testing {
namespace {

using station::StationHistory;

// binding_conflict(serial, hardware_id): the right order compiles; swapped, or given bare
// strings, it does not.
constexpr auto kBindingConflict = &StationHistory::binding_conflict;
static_assert(std::is_invocable_v<decltype(kBindingConflict), const StationHistory&,
                                  const Serial&, const HardwareId&>);
static_assert(!std::is_invocable_v<decltype(kBindingConflict), const StationHistory&,
                                   const HardwareId&, const Serial&>);
static_assert(!std::is_invocable_v<decltype(kBindingConflict), const StationHistory&,
                                   std::string, std::string>);

// take_over_unit(line, device, serial, from_station, reason).
using TakeOver = decltype(&station::take_over_unit);
static_assert(std::is_invocable_v<TakeOver, station::StationLine&, device::DeviceDriver&,
                                  const Serial&, const StationId&, std::string_view>);
static_assert(!std::is_invocable_v<TakeOver, station::StationLine&, device::DeviceDriver&,
                                   const StationId&, const Serial&, std::string_view>);
static_assert(!std::is_invocable_v<TakeOver, station::StationLine&, device::DeviceDriver&,
                                   const HardwareId&, const StationId&, std::string_view>);
static_assert(!std::is_invocable_v<TakeOver, station::StationLine&, device::DeviceDriver&,
                                   const char*, const char*, const char*>);

// Journal::open(path, station_id, resume): the journal is opened as a station, not as a text
// (a serial given as the station would create a journal under the wrong name).
using OpenJournal = decltype(&station::Journal::open);
using Resume = const std::optional<station::JournalResume>&;
static_assert(std::is_invocable_v<OpenJournal, const std::filesystem::path&, const StationId&,
                                  Resume>);
static_assert(!std::is_invocable_v<OpenJournal, const std::filesystem::path&, std::string_view,
                                   Resume>);
static_assert(!std::is_invocable_v<OpenJournal, const std::filesystem::path&, const Serial&,
                                   Resume>);
static_assert(std::is_same_v<decltype(std::declval<const station::Journal&>().station_id()),
                             const StationId&>);

// scrap_unit(line, hardware_id, device, reason): a serial or bare text is not a hardware id.
using Scrap = decltype(&station::scrap_unit);
static_assert(std::is_invocable_v<Scrap, station::StationLine&, const HardwareId&,
                                  device::DeviceDriver*, std::string_view>);
static_assert(!std::is_invocable_v<Scrap, station::StationLine&, const Serial&,
                                   device::DeviceDriver*, std::string_view>);
static_assert(!std::is_invocable_v<Scrap, station::StationLine&, const char*,
                                   device::DeviceDriver*, std::string_view>);
static_assert(!std::is_invocable_v<Scrap, station::StationLine&, std::string,
                                   device::DeviceDriver*, std::string_view>);

// find_unit_evidence(manifests, hardware_id, label serial).
using FindEvidence = decltype(&inspect::find_unit_evidence);
using Manifests = std::span<const verifier::VerifiedManifest>;
static_assert(std::is_invocable_v<FindEvidence, Manifests, const HardwareId&,
                                  const std::optional<Serial>&>);
static_assert(!std::is_invocable_v<FindEvidence, Manifests, const Serial&,
                                   const std::optional<HardwareId>&>);
static_assert(!std::is_invocable_v<FindEvidence, Manifests, std::string,
                                   std::optional<std::string>>);

// A verified manifest's station, and the names `hallmark-verify device --pem-out` gives its
// files, are typed from where the manifest is read: a serial never names a station's file.
static_assert(std::is_same_v<decltype(verifier::VerifiedManifest::station_id), StationId>);
static_assert(std::is_same_v<decltype(verifier::cli::CertificateChain::serial), Serial>);
static_assert(std::is_same_v<decltype(verifier::cli::CertificateChain::station_id), StationId>);

// A unit as the station's front ends ask for it and hear back: the scanned label is a
// Serial from the flag or the scan on, the device's answer a HardwareId; the plan and the
// device certificate take both typed, so a label cannot be certified as the device's id.
static_assert(std::is_same_v<decltype(station::UnitRequest::serial), Serial>);
static_assert(std::is_same_v<decltype(station::UnitOutcome::hardware_id), HardwareId>);
static_assert(std::is_same_v<decltype(station::PlanContext::serial), const Serial&>);
static_assert(std::is_same_v<decltype(station::PlanContext::hardware_id), const HardwareId&>);
static_assert(std::is_same_v<decltype(station::DeviceUnit::serial), const Serial&>);
static_assert(!std::is_constructible_v<station::UnitRequest, const char*, station::UnitMode,
                                       std::string>);
using ExpandSubject = decltype(&station::expand_subject_template);
static_assert(std::is_invocable_v<ExpandSubject, std::string_view, const Serial&,
                                  const HardwareId&>);
static_assert(!std::is_invocable_v<ExpandSubject, std::string_view, std::string_view,
                                   const HardwareId&>);

// The station's history and its line: a unit is looked up by its device's id, a device by
// its label; the line's own id is a StationId, and a seal acknowledgement is checked
// against one.
constexpr auto kUnitOf = &StationHistory::unit;
static_assert(std::is_invocable_v<decltype(kUnitOf), const StationHistory&, const HardwareId&>);
static_assert(!std::is_invocable_v<decltype(kUnitOf), const StationHistory&, const Serial&>);
static_assert(!std::is_invocable_v<decltype(kUnitOf), const StationHistory&, std::string>);
constexpr auto kHardwareIdOf = &StationHistory::hardware_id_of;
static_assert(std::is_invocable_v<decltype(kHardwareIdOf), const StationHistory&, const Serial&>);
static_assert(!std::is_invocable_v<decltype(kHardwareIdOf), const StationHistory&,
                                   const HardwareId&>);
static_assert(std::is_same_v<decltype(std::declval<const station::StationLine&>().station_id()),
                             const StationId&>);
using VerifySeal = decltype(&station::verify_seal_acknowledgement);
static_assert(!std::is_invocable_v<VerifySeal, std::string_view, std::string_view,
                                   const verifier::TrustedRoot&, std::string_view>);

// Revocation and the signer's station tables: a station is looked up by a StationId only
// (a serial or a key id given as the station would compile as a string and never match).
constexpr auto kStationRevoked = &verifier::TrustedRoot::station_revoked;
static_assert(std::is_invocable_v<decltype(kStationRevoked), const verifier::TrustedRoot&,
                                  const StationId&>);
static_assert(!std::is_invocable_v<decltype(kStationRevoked), const verifier::TrustedRoot&,
                                   std::string_view>);
static_assert(!std::is_invocable_v<decltype(&verifier::TrustedRoot::station_revoked_from),
                                   const verifier::TrustedRoot&, std::string_view>);
static_assert(!std::is_invocable_v<decltype(&verifier::Trust::refuse_revoked_station),
                                   const verifier::Trust&, std::string_view>);
static_assert(std::is_same_v<evidence::StationsById::key_type, StationId>);
static_assert(std::is_same_v<evidence::InvalidStations::key_type, StationId>);
static_assert(std::is_same_v<decltype(evidence::CountersignInput::stations),
                             evidence::StationsById>);
static_assert(std::is_same_v<decltype(evidence::CountersignInput::invalid_stations),
                             evidence::InvalidStations>);
static_assert(std::is_same_v<decltype(evidence::KnownStations::valid), evidence::StationsById>);

// A unit inspected (hallmark-verify unit, hallmark-station inspect): what the device
// reports, what the evidence binds and what the label says are each their own type, from
// the reading to the rendered result.
static_assert(std::is_same_v<decltype(inspect::UnitReading::hardware_id), HardwareId>);
static_assert(std::is_same_v<decltype(inspect::UnitEvidence::hardware_id), HardwareId>);
static_assert(std::is_same_v<decltype(inspect::UnitEvidence::serial), Serial>);
static_assert(std::is_same_v<decltype(inspect::UnitEvidence::serials), std::vector<Serial>>);
static_assert(std::is_same_v<decltype(inspect::Inspection::hardware_id), HardwareId>);
static_assert(std::is_same_v<decltype(inspect::Inspection::serial), Serial>);
static_assert(std::is_same_v<decltype(inspect::Inspection::label), Serial>);

// No id converts into another, nor silently from a string.
static_assert(!std::is_convertible_v<Serial, HardwareId>);
static_assert(!std::is_convertible_v<HardwareId, Serial>);
static_assert(!std::is_convertible_v<StationId, Serial>);
static_assert(!std::is_convertible_v<std::string, Serial>);
static_assert(!std::is_convertible_v<const char*, HardwareId>);

}  // namespace

TEST_CASE("typed ids compare, hash and format as the strings they carry") {
  const Serial a("SN-0001");
  const Serial b(std::string("SN-0002"));
  CHECK(a == Serial("SN-0001"));
  CHECK(a != b);
  CHECK(a < b);
  CHECK(a.str() == "SN-0001");
  CHECK(Serial().empty());
  CHECK(fmt::format("unit {} on {}", a, HardwareId("HW-A1")) == "unit SN-0001 on HW-A1");
  std::unordered_set<StationId> stations{StationId("station-1"), StationId("station-1"),
                                         StationId("station-2")};
  CHECK(stations.size() == 2);
}

}  // namespace hallmark::testing
