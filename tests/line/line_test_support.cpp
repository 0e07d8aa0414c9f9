#include "tests/line/line_test_support.h"

#include <cstdlib>
#include <map>
#include <utility>

#include <doctest/doctest.h>
#include <google/protobuf/text_format.h>

#include "ceremony/src/roster_ceremony.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_key.h"
#include "station-agent/driver/sim_driver.h"
#include "station-agent/station/intake.h"
#include "station-agent/station/person_events.h"
#include "station-agent/station/station_state.h"
#include "tests/support/production_signers.h"

namespace hallmark::line::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kPinEnv = "HALLMARK_LINE_TEST_PIN";

hsm::TokenOptions card_options(const std::string& who) {
  hsm::TokenOptions o;
  o.uri = "pkcs11:token=person-" + who;
  o.pin = std::string("env:") + kPinEnv;
  o.allow_software_token = true;  // the test's cards are SoftHSM tokens
  return o;
}

hsm::TokenKey labelled(hsm::Session& session, const std::string& label) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, label);
  auto found = hsm::find_objects(session, match, 2);
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  auto key = hsm::TokenKey::from_handle(session, found->front());
  REQUIRE(key);
  return std::move(*key);
}

}  // namespace

void full_plan(v1::BundleSpec& spec) {
  const bool ok = google::protobuf::TextFormat::MergeFromString(R"pb(
    plan { kind: PROVISION_IDENTITY }
    plan { kind: BURN_EFUSE efuse: "key-digest" }
    plan { kind: BURN_EFUSE efuse: "secure-boot-enable" }
    plan { kind: BURN_EFUSE efuse: "debug-disable" }
    plan { kind: MEASURE }
    efuses { name: "key-digest" value: "release-key" }
    efuses { name: "secure-boot-enable" value: "\001" }
    efuses { name: "debug-disable" value: "\001" }
    certificate_profile { subject_template: "CN=${serial},O=Example Devices Ltd"
                          validity_days: 3650 key_algorithm: "ecdsa-p256" }
  )pb", &spec);
  REQUIRE(ok);
}

struct LineWorld::Tokens {
  std::unique_ptr<hsm::Session> station_session;
  std::optional<hsm::ProductionSigner> station;
  std::optional<hsm::ProductionSigner> device_ca;
  std::map<std::string, station::OpenedCard> cards;
};

LineWorld::LineWorld() : station(intake::testing::enroll(w, kStationId)), tokens_(new Tokens) {
  ::setenv(kPinEnv, hallmark::testing::SoftHsmFixture::kUserPin, 1);
  state = w.path("state");
  auto installed = station::install_registration(
      state, intake::testing::install_input(w, station, kStationId));
  REQUIRE_MESSAGE(installed, (installed ? "" : installed.error().message));
  intake::testing::write_policy(state, {kSku});
  promoted = intake::testing::promoted(w, "full.bundle", "1.2.0", 3, 7, full_plan);
  auto taken = station::intake_bundle(state, promoted, {}, w.now);
  REQUIRE_MESSAGE(taken, (taken ? "" : taken.error().message));
}

LineWorld::~LineWorld() = default;

std::unique_ptr<station::StationLine> LineWorld::open_line(bool synced) {
  auto line = try_open_line(synced);
  REQUIRE_MESSAGE(line, (line ? "" : line.error().message));
  return std::make_unique<station::StationLine>(std::move(*line));
}

Result<station::StationLine> LineWorld::try_open_line(bool synced) {
  auto& t = *tokens_;
  if (!t.station_session) {
    t.station_session = std::make_unique<hsm::Session>(w.tokens.hsm.open(kStationId));
    t.station = hallmark::testing::production_signer(
        *t.station_session, labelled(*t.station_session, "station"), hsm::ProductionRole::kStation);
    // As the station does: the certificate issuer verifies each device certificate.
    t.device_ca = hallmark::testing::production_signer(
        *t.station_session, labelled(*t.station_session, "device-ca"),
        hsm::ProductionRole::kDeviceCa, hsm::SignatureCheck::kByCaller);
  }
  auto keys = station::StationKeys::from_signers(*t.station, *t.device_ca);
  REQUIRE_MESSAGE(keys, (keys ? "" : keys.error().message));
  station::LineOptions options{
      state,
      std::move(*keys),
      software,
      {},
      [synced]() -> Result<station::ClockState> {
        return station::ClockState{synced, synced ? "test: synchronised" : "test: STA_UNSYNC"};
      }};
  return station::StationLine::open(std::move(options));
}

station::LoadedRelease LineWorld::release(const station::StationLine& line) const {
  auto loaded = station::load_release(line, kSku);
  REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
  return std::move(*loaded);
}

station::CardSigner LineWorld::card(const std::string& who) {
  auto& cards = tokens_->cards;
  auto it = cards.find(who);
  if (it == cards.end()) {
    std::ostringstream status;
    auto made = station::init_card(card_options(who), status);
    REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
    auto opened = station::open_card(card_options(who), status);
    REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().message));
    it = cards.emplace(who, std::move(*opened)).first;
  }
  return it->second.signer();
}

v1::RosterPerson LineWorld::person(const std::string& who, v1::OperatorEntry::Role role,
                                   std::vector<std::string> stations) {
  return person_with(who, role, card(who).public_key, std::move(stations));
}

v1::RosterPerson LineWorld::person_with(const std::string& who, v1::OperatorEntry::Role role,
                                        const verifier::PublicKey& key,
                                        std::vector<std::string> stations) const {
  v1::RosterPerson p;
  p.set_name(who);
  p.set_role(role);
  *p.mutable_key() = key.to_proto();
  for (auto& s : stations) p.add_station_ids(std::move(s));
  p.set_valid_from_unix(w.now - 3600);
  return p;
}

v1::Envelope LineWorld::roster(std::vector<v1::RosterPerson> people,
                               const std::optional<v1::Envelope>& previous) {
  hallmark::testing::RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now), {"alice", "bob"}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::RosterInput in{chain, {}, &w.plan, {std::move(people), previous, "test staff"}};
  auto outcome = ceremony::run_roster(in, context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  return *outcome.document;
}

v1::Envelope LineWorld::staff_roster() {
  if (!staff_roster_) {
    staff_roster_ = roster({person("sam", v1::OperatorEntry::SUPERVISOR),
                            person("olga", v1::OperatorEntry::OPERATOR),
                            person("otto", v1::OperatorEntry::OPERATOR)});
  }
  return *staff_roster_;
}

void LineWorld::staff(station::StationLine& line) {
  auto installed = station::install_roster(line, staff_roster());
  REQUIRE_MESSAGE(installed, (installed ? "" : installed.error().message));
  auto session = station::start_session(line, card("olga"));
  REQUIRE_MESSAGE(session, (session ? "" : session.error().message));
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
  return station::program_unit(line, release, *driver, {serial, mode, reason});
}

station::UnitOutcome program(station::StationLine& line, const station::LoadedRelease& release,
                             const hallmark::testing::DevSim& sim, const std::string& serial,
                             station::UnitMode mode, const std::string& reason) {
  auto outcome = try_program(line, release, sim, serial, mode, reason);
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  return std::move(*outcome);
}

}  // namespace hallmark::line::testing
