// A serial and a hardware id (or a station id) swapped at a call into the signer's evidence
// store: with both as strings the clone check looks up the label's serial as a board's
// hardware id, finds nothing and passes a cloned unit; a station's head or registration is
// read or written under another name. The store's API takes the typed ids of
// verifier/core/ids.h, so each swap is a compile error; these static_asserts hold the real
// store interface (signer/store/evidence_store.h) and the manifest selection to that, and
// the case checks a unit's rows come back under the kinds of id they were stored as.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "signer/evidence/countersign.h"
#include "signer/evidence/export_reader.h"
#include "signer/evidence/manifest_files.h"
#include "signer/store/evidence_store.h"
#include "tests/store/store_test_support.h"
#include "verifier/core/ids.h"
#include "verifier/journal/export_chain.h"
#include "verifier/journal/station_export.h"

namespace hallmark::testing {
namespace {

using evidence::EntryQuery;
using evidence::EvidenceStore;
using evidence::LogEntry;
using evidence::StationHead;
using evidence::RegistrationRow;

// unit_sightings(serial, hardware_id): the right order compiles; swapped, or given bare
// strings, it does not.
using Sightings = decltype(&EvidenceStore::unit_sightings);
static_assert(std::is_invocable_v<Sightings, EvidenceStore&, const Serial&, const HardwareId&>);
static_assert(!std::is_invocable_v<Sightings, EvidenceStore&, const HardwareId&, const Serial&>);
static_assert(!std::is_invocable_v<Sightings, EvidenceStore&, std::string, std::string>);
static_assert(!std::is_invocable_v<Sightings, EvidenceStore&, const char*, const char*>);

// prefetch_sightings(units): pairs of (serial, hardware id), not of strings nor reversed.
using Prefetch = decltype(&EvidenceStore::prefetch_sightings);
static_assert(std::is_invocable_v<Prefetch, EvidenceStore&,
                                  const std::vector<std::pair<Serial, HardwareId>>&>);
static_assert(!std::is_invocable_v<Prefetch, EvidenceStore&,
                                   const std::vector<std::pair<HardwareId, Serial>>&>);
static_assert(!std::is_invocable_v<Prefetch, EvidenceStore&,
                                   const std::vector<std::pair<std::string_view, std::string_view>>&>);

// Every per-station call takes a StationId: not a serial, not a hardware id, not a string.
using Head = decltype(&EvidenceStore::station_head);
static_assert(std::is_invocable_v<Head, EvidenceStore&, const StationId&>);
static_assert(!std::is_invocable_v<Head, EvidenceStore&, const Serial&>);
static_assert(!std::is_invocable_v<Head, EvidenceStore&, std::string_view>);
using SetHead = decltype(&EvidenceStore::set_station_head);
static_assert(std::is_invocable_v<SetHead, EvidenceStore&, const StationId&, const StationHead&>);
static_assert(!std::is_invocable_v<SetHead, EvidenceStore&, const HardwareId&, const StationHead&>);
static_assert(!std::is_invocable_v<SetHead, EvidenceStore&, const char*, const StationHead&>);
using Record = decltype(&EvidenceStore::station_record);
static_assert(std::is_invocable_v<Record, EvidenceStore&, const StationId&, std::uint64_t>);
static_assert(!std::is_invocable_v<Record, EvidenceStore&, const Serial&, std::uint64_t>);
static_assert(!std::is_invocable_v<Record, EvidenceStore&, std::string, std::uint64_t>);
using PutRegistration = decltype(&EvidenceStore::put_station_registration);
static_assert(std::is_invocable_v<PutRegistration, EvidenceStore&, const StationId&,
                                  const RegistrationRow&>);
static_assert(!std::is_invocable_v<PutRegistration, EvidenceStore&, std::string,
                                   const RegistrationRow&>);
using Registrations = decltype(&EvidenceStore::station_registrations);
static_assert(std::is_invocable_v<Registrations, EvidenceStore&, const StationId&>);
static_assert(!std::is_invocable_v<Registrations, EvidenceStore&, const Serial&>);

// The rows and the query: a column holds one kind of id, and only that kind goes in.
static_assert(std::is_same_v<decltype(LogEntry::serial), Serial>);
static_assert(std::is_same_v<decltype(LogEntry::hardware_id), HardwareId>);
static_assert(std::is_same_v<decltype(LogEntry::station_id), StationId>);
static_assert(std::is_same_v<decltype(evidence::FindingRow::station_id), StationId>);
static_assert(!std::is_assignable_v<std::optional<Serial>&, const HardwareId&>);
static_assert(!std::is_assignable_v<std::optional<Serial>&, std::string>);
static_assert(!std::is_assignable_v<std::optional<HardwareId>&, const Serial&>);
static_assert(!std::is_assignable_v<std::optional<StationId>&, const Serial&>);
static_assert(std::is_same_v<decltype(EntryQuery::serial), std::optional<Serial>>);
static_assert(std::is_same_v<decltype(EntryQuery::hardware_id), std::optional<HardwareId>>);
static_assert(std::is_same_v<decltype(EntryQuery::station_id), std::optional<StationId>>);
static_assert(std::is_same_v<decltype(evidence::ManifestSelection::serial), std::optional<Serial>>);
static_assert(std::is_same_v<decltype(evidence::ManifestSelection::station_id),
                             std::optional<StationId>>);
// A serial's sightings are hardware ids, a hardware id's are serials.
static_assert(std::is_same_v<decltype(evidence::UnitSightings::hardware_ids_of_serial),
                             std::vector<evidence::SeenWith<HardwareId>>>);
static_assert(std::is_same_v<decltype(evidence::UnitSightings::serials_of_hardware_id),
                             std::vector<evidence::SeenWith<Serial>>>);

// A station export's station id is a StationId from where it is read (the export's header,
// verify_station_export's result, countersign's outcome per export), so the per-station
// calls above take it as it is: a serial or a bare string never stands in for it.
static_assert(std::is_same_v<decltype(verifier::ExportHeader::station_id), StationId>);
static_assert(std::is_same_v<decltype(verifier::VerifiedExport::station_id), StationId>);
static_assert(std::is_same_v<decltype(evidence::ExportOutcome::station_id), StationId>);
static_assert(std::is_constructible_v<verifier::ExportHeader, StationId, std::uint64_t,
                                      std::uint64_t>);
static_assert(!std::is_constructible_v<verifier::ExportHeader, std::string, std::uint64_t,
                                       std::uint64_t>);
static_assert(!std::is_constructible_v<verifier::ExportHeader, Serial, std::uint64_t,
                                       std::uint64_t>);
static_assert(!std::is_assignable_v<StationId&, const std::string&>);
static_assert(std::is_invocable_v<Head, EvidenceStore&,
                                  decltype(std::declval<evidence::ExportReader&>().header().station_id)>);

}  // namespace

TEST_CASE("a unit's ids come back from the store as the kinds they were stored as") {
  evidence::test::SqliteBackend backend;
  auto store = backend.open();
  LogEntry entry = evidence::test::sample_entry(0);
  entry.serial = Serial("SN-7");
  entry.hardware_id = HardwareId("HW-7");
  entry.station_id = StationId("st-7");
  entry.event = 1;  // PROGRAM: binds the serial to the hardware id
  REQUIRE(store->begin());
  REQUIRE(store->append_entry(entry));
  REQUIRE(store->commit());

  auto seen = store->unit_sightings(Serial("SN-7"), HardwareId("HW-7"));
  REQUIRE_MESSAGE(seen, (seen ? "" : seen.error().message));
  REQUIRE(seen->hardware_ids_of_serial.size() == 1);
  CHECK(seen->hardware_ids_of_serial[0].value == HardwareId("HW-7"));
  REQUIRE(seen->serials_of_hardware_id.size() == 1);
  CHECK(seen->serials_of_hardware_id[0].value == Serial("SN-7"));
  // The same text under the other kind is another id: the hardware id's text looked up as
  // a serial finds nothing.
  auto swapped = store->unit_sightings(Serial("HW-7"), HardwareId("SN-7"));
  REQUIRE(swapped);
  CHECK(swapped->hardware_ids_of_serial.empty());
  CHECK(swapped->serials_of_hardware_id.empty());

  EntryQuery query;
  query.station_id = StationId("st-7");
  std::vector<LogEntry> rows;
  REQUIRE(store->query(query, [&](const LogEntry& e) -> Result<void> {
    rows.push_back(e);
    return {};
  }));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].serial == Serial("SN-7"));
  CHECK(rows[0].hardware_id == HardwareId("HW-7"));
  CHECK(rows[0].station_id == StationId("st-7"));
}

}  // namespace hallmark::testing
