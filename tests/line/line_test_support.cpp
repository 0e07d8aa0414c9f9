#include "tests/line/line_test_support.h"

#include <utility>

#include <doctest/doctest.h>

#include "station-agent/driver/sim_driver.h"

namespace hallmark::line::testing {

LineWorld::LineWorld() : LineSigner(), StationWorld(w) {}

LineWorld::~LineWorld() = default;

std::unique_ptr<station::StationLine> LineWorld::open_line(bool synced) {
  auto line = try_open_line(synced);
  REQUIRE_MESSAGE(line, (line ? "" : line.error().message));
  return std::make_unique<station::StationLine>(std::move(*line));
}

station::LoadedRelease LineWorld::release(const station::StationLine& line) const {
  auto loaded = try_release(line);
  REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
  return std::move(*loaded);
}

station::CardSigner LineWorld::card(const std::string& who) {
  auto signer = try_card(who);
  REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().message));
  return std::move(*signer);
}

v1::RosterPerson LineWorld::person(const std::string& who, v1::OperatorEntry::Role role,
                                   std::vector<std::string> stations) {
  auto p = try_person(who, role, std::move(stations));
  REQUIRE_MESSAGE(p, (p ? "" : p.error().message));
  return std::move(*p);
}

v1::Envelope LineWorld::roster(std::vector<v1::RosterPerson> people,
                               const std::optional<v1::Envelope>& previous) {
  auto signed_roster = try_roster(std::move(people), previous);
  REQUIRE_MESSAGE(signed_roster, (signed_roster ? "" : signed_roster.error().message));
  return std::move(*signed_roster);
}

v1::Envelope LineWorld::staff_roster() {
  auto signed_roster = try_staff_roster();
  REQUIRE_MESSAGE(signed_roster, (signed_roster ? "" : signed_roster.error().message));
  return std::move(*signed_roster);
}

void LineWorld::staff(station::StationLine& line) {
  auto staffed = try_staff(line);
  REQUIRE_MESSAGE(staffed, (staffed ? "" : staffed.error().message));
}

std::unique_ptr<hallmark::testing::DevSim> LineWorld::device(const std::string& hardware_id,
                                                             std::vector<std::string> flags) const {
  flags.insert(flags.begin(), {"--hardware-id", hardware_id});
  return std::make_unique<hallmark::testing::DevSim>(flags);
}

std::unique_ptr<device::DeviceDriver> connect(const hallmark::testing::DevSim& sim) {
  auto driver = device::open_driver(sim.uri());
  REQUIRE_MESSAGE(driver, (driver ? "" : driver.error().message));
  return std::move(*driver);
}

Result<station::UnitOutcome> try_program(station::StationLine& line,
                                         const station::LoadedRelease& release,
                                         const hallmark::testing::DevSim& sim,
                                         const std::string& serial, station::UnitMode mode,
                                         const std::string& reason) {
  auto driver = connect(sim);
  return station::program_unit(line, release, *driver, {Serial(serial), mode, reason});
}

station::UnitOutcome program(station::StationLine& line, const station::LoadedRelease& release,
                             const hallmark::testing::DevSim& sim, const std::string& serial,
                             station::UnitMode mode, const std::string& reason) {
  auto outcome = try_program(line, release, sim, serial, mode, reason);
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  return std::move(*outcome);
}

}  // namespace hallmark::line::testing
