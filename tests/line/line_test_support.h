// Test support for the programming line: a World (trust root, release key, promotions on
// SoftHSM; tests/promote) with station-1 enrolled and installed, a bundle with a full
// provisioning plan (ESP32 SBv2 bootloader, MCUboot app, raw data, identity, key-digest /
// secure-boot / debug eFuses, measure) promoted and taken in, person cards for supervisor
// sam and operators olga and otto, and hallmark-devsim devices (tests/devsim). The devices
// stand in for real chips, which cannot run here; everything else is real: SoftHSM
// tokens, PKCS#11 signatures, the journal on disk.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "station-agent/station/card_signer.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/unit_programmer.h"
#include "tests/devsim/devsim_fixture.h"
#include "tests/intake/intake_test_support.h"
#include "testkit/line/station_world.h"

namespace hallmark::line::testing {

using intake::testing::World;

inline constexpr const char* kStationId = hallmark::testing::kLineStationId;
inline constexpr const char* kSku = hallmark::testing::kLineSku;

// The spec edit that gives combo-1 the whole provisioning plan (testkit/line/station_world.h).
using hallmark::testing::full_plan;

// The signing host, made before the station that stands on it.
struct LineSigner {
  World w;
};

// StationWorld (testkit/line/station_world.h, shared with the station benchmarks) on the
// tests' World: station, state, promoted, software, try_open_line() and person_with() are
// StationWorld's; what follows REQUIREs that its step succeeded.
class LineWorld : public LineSigner, public hallmark::testing::StationWorld {
 public:
  LineWorld();
  ~LineWorld();

  // The line on station-1's token, clock reported synchronised unless `synced` is false.
  std::unique_ptr<station::StationLine> open_line(bool synced = true);
  station::LoadedRelease release(const station::StationLine& line) const;

  // The card on token person-<who> (key made by card init on first use).
  station::CardSigner card(const std::string& who);
  // A roster person: `who`'s card key, at `stations` (default station-1), valid from an
  // hour before the world's time.
  v1::RosterPerson person(const std::string& who, v1::OperatorEntry::Role role,
                          std::vector<std::string> stations = {kStationId});
  // A person roster signed by the root quorum (alice, bob) through the roster ceremony.
  v1::Envelope roster(std::vector<v1::RosterPerson> people,
                      const std::optional<v1::Envelope>& previous = {});
  // The roster of staff(): sam (supervisor), olga and otto (operators) at station-1.
  v1::Envelope staff_roster();
  // staff_roster() installed; olga logged in.
  void staff(station::StationLine& line);

  // A devsim device with a fixed hardware id (and extra fault flags).
  std::unique_ptr<hallmark::testing::DevSim> device(const std::string& hardware_id,
                                                    std::vector<std::string> flags = {}) const;
};

// A driver connected to `sim`.
std::unique_ptr<device::DeviceDriver> connect(const hallmark::testing::DevSim& sim);

// program_unit() on `sim` (connected for this call only: the simulator serves one
// connection at a time); program() REQUIREs that the call itself succeeded.
Result<station::UnitOutcome> try_program(station::StationLine& line,
                                         const station::LoadedRelease& release,
                                         const hallmark::testing::DevSim& sim,
                                         const std::string& serial,
                                         station::UnitMode mode = station::UnitMode::kProgram,
                                         const std::string& reason = "");
station::UnitOutcome program(station::StationLine& line, const station::LoadedRelease& release,
                             const hallmark::testing::DevSim& sim, const std::string& serial,
                             station::UnitMode mode = station::UnitMode::kProgram,
                             const std::string& reason = "");

}  // namespace hallmark::line::testing
