// The evidence store's unit sightings (store_scenarios.h): what the clone and scrap checks
// read, from the database and from rows prefetched for a chunk of a batch.
#include "tests/store/store_scenarios.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/store/scenario_support.h"

namespace hallmark::evidence::test::scenario {
namespace {

// Every pair of the sample log's serials and hardware ids (and none), as unit_sightings sees it.
std::string sightings_of_all(EvidenceStore& store) {
  const std::vector<std::string> serials{"", "SN-1", "SN-2", "SN-3", "SN-5", "SN-9", "SN-0"};
  const std::vector<std::string> hardware_ids{"", "HW-1", "HW-2", "HW-3", "HW-4", "HW-9", "HW-99"};
  std::string out;
  for (const auto& serial : serials) {
    for (const auto& hw : hardware_ids) {
      const UnitSightings seen = ok(store.unit_sightings(Serial(serial), HardwareId(hw)));
      out += fmt::format("{}/{}: {}| {}| scrap {}\n", serial, hw, describe(seen.hardware_ids_of_serial),
                         describe(seen.serials_of_hardware_id),
                         seen.scrap ? std::to_string(*seen.scrap) : "-");
    }
  }
  return out;
}

std::vector<std::pair<Serial, HardwareId>> every_unit() {
  std::vector<std::pair<Serial, HardwareId>> units;
  for (const auto& [serial, hw] : std::initializer_list<std::pair<const char*, const char*>>{
           {"SN-1", "HW-1"}, {"SN-2", "HW-2"}, {"SN-3", "HW-3"}, {"SN-5", "HW-3"}, {"SN-9", "HW-99"},
           {"SN-0", "HW-4"}, {"SN-1", "HW-9"}, {"", "HW-1"}, {"SN-2", ""}}) {
    units.emplace_back(Serial(serial), HardwareId(hw));
  }
  return units;
}

// A clone of SN-2 on a new board, and HW-1 scrapped: both change what the checks must see.
std::vector<LogEntry> clone_then_scrap() {
  LogEntry clone = extra_entry();
  clone.serial = Serial("SN-2");
  LogEntry scrap = extra_entry();
  scrap.index = 13;
  scrap.station_sequence = 2;
  scrap.serial = Serial("SN-1");
  scrap.hardware_id = HardwareId("HW-1");
  scrap.event = 3;
  LogEntry line_stop = extra_entry();  // binds nothing: never counted
  line_stop.index = 14;
  line_stop.station_sequence = 3;
  line_stop.hardware_id = HardwareId("HW-2");
  line_stop.event = 4;
  return {clone, scrap, line_stop};
}

}  // namespace

void prefetched_sightings(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  const std::string from_database = sightings_of_all(*store);
  ok(store->begin());
  ok(store->prefetch_sightings(every_unit()));
  CHECK(sightings_of_all(*store) == from_database);
  for (const LogEntry& e : clone_then_scrap()) ok(store->append_entry(e));
  const std::string prefetched = sightings_of_all(*store);
  ok(store->prefetch_sightings({}));  // forgets: every answer from the database again
  CHECK(sightings_of_all(*store) == prefetched);
  CHECK(prefetched != from_database);
  CHECK(prefetched.find("SN-2/HW-2: HW-2@2 HW-99@12 ") != std::string::npos);
  CHECK(prefetched.find("SN-1/HW-1: HW-1@1 HW-4@5 | SN-1@1 | scrap 13") != std::string::npos);

  // Appended after a savepoint and undone by it: the prefetched rows forget them too.
  store->rollback();
  ok(store->begin());
  ok(store->savepoint());
  ok(store->prefetch_sightings(every_unit()));
  for (const LogEntry& e : clone_then_scrap()) ok(store->append_entry(e));
  ok(store->rollback_to_savepoint());
  CHECK(sightings_of_all(*store) == from_database);
  ok(store->prefetch_sightings(every_unit()));
  CHECK(sightings_of_all(*store) == from_database);
  store->rollback();
}

void clone_helpers(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  auto of_serial = [&](const char* serial) {
    return describe(ok(store->unit_sightings(Serial(serial), HardwareId())).hardware_ids_of_serial);
  };
  auto of_hardware = [&](const char* hw) {
    return describe(ok(store->unit_sightings(Serial(), HardwareId(hw))).serials_of_hardware_id);
  };
  CHECK(of_serial("SN-1") == "HW-1@1 HW-4@5 ");
  CHECK(of_serial("SN-2") == "HW-2@2 ");
  CHECK(of_hardware("HW-3") == "SN-3@3 SN-5@7 ");
  CHECK(of_serial("").empty());  // events without a unit
  CHECK(of_hardware("HW-9").empty());  // seen without a serial
  CHECK(of_hardware("").empty());
  CHECK(of_serial("SN-0").empty());
  // Both at once: one lookup answers for the serial and for the hardware id.
  const UnitSightings both = ok(store->unit_sightings(Serial("SN-1"), HardwareId("HW-3")));
  CHECK(describe(both.hardware_ids_of_serial) == "HW-1@1 HW-4@5 ");
  CHECK(describe(both.serials_of_hardware_id) == "SN-3@3 SN-5@7 ");
  CHECK(both.scrap == std::optional<std::uint64_t>(6));
}

void scrap_found(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  CHECK(ok(store->unit_sightings(Serial(), HardwareId("HW-3"))).scrap == std::optional<std::uint64_t>(6));
  CHECK_FALSE(ok(store->unit_sightings(Serial("SN-1"), HardwareId("HW-1"))).scrap.has_value());
  CHECK_FALSE(ok(store->unit_sightings(Serial(), HardwareId("HW-7"))).scrap.has_value());
}

}  // namespace hallmark::evidence::test::scenario
