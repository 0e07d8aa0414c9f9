#include "testkit/line/station_world.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include "ceremony/src/enroll_station.h"
#include "ceremony/src/roster_ceremony.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/profile/profile.h"
#include "hsm-profiles/src/token_key.h"
#include "station-agent/cli/station_token.h"
#include "station-agent/station/intake.h"
#include "station-agent/station/person_events.h"

namespace hallmark::testing {
namespace {

namespace fs = std::filesystem;
// The person cards' PIN reaches card init through the environment, as an operator's
// `--pin env:NAME` would: these are throwaway SoftHSM tokens with the fixture's PIN.
constexpr const char* kPinEnv = "HALLMARK_LINE_TEST_PIN";

hsm::TokenOptions card_options(const std::string& who) {
  hsm::TokenOptions o;
  o.uri = "pkcs11:token=person-" + who;
  o.pin = std::string("env:") + kPinEnv;
  o.allow_software_token = true;  // the world's cards are SoftHSM tokens
  return o;
}

Result<hsm::ProductionSigner> station_signer(hsm::Session& session, const std::string& label,
                                             hsm::ProductionRole role, hsm::SignatureCheck check) {
  static const auto profile = hsm::load_profile("softhsm2");
  if (!profile) return std::unexpected(profile.error());
  auto key = station::find_labelled_key(session, label);
  if (!key) return std::unexpected(key.error());
  return hsm::ProductionSigner::create(
      session, std::move(*key), *profile, role,
      [] { return Result<hsm::Pin>(SoftHsmFixture::user_pin()); }, hsm::ImportedKey::kByProfile,
      check);
}

template <class T>
T or_throw(Result<T> result, const char* step) {
  if (!result) throw std::runtime_error(fmt::format("{}: {}", step, result.error().message));
  return std::move(*result);
}

void or_throw(Result<void> result, const char* step) {
  if (!result) throw std::runtime_error(fmt::format("{}: {}", step, result.error().message));
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
  if (!ok) throw std::logic_error("full_plan: the provisioning plan text does not parse");
}

Result<EnrolledStation> enroll_station(const SignerWorld& w, const std::string& station_id,
                                       const std::string& label_prefix) {
  auto made = request_enrollment(w.tokens, station_id, w.now - 50, label_prefix);
  if (!made) return std::unexpected(made.error());
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, fixed_clock(w.now - 40), {"alice", "carol"}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::EnrollInput input{chain, {}, &w.plan, &made->request};
  auto outcome = ceremony::run_enroll_station(input, context);
  if (!outcome.ok()) {
    return std::unexpected(outcome.error.value_or(
        Error{ErrorCode::kInternal, "the enroll-station ceremony made no registration", 0, {}}));
  }
  return EnrolledStation{*outcome.document, {made->station_key_id, made->device_ca_key_id}};
}

station::InstallInput install_input(const SignerWorld& w, const EnrolledStation& station,
                                    const std::string& station_id, bool with_keys) {
  station::InstallInput in;
  in.registration = &station.registration;
  in.chain = std::span<const v1::Envelope>(&w.v1_root, 1);
  in.station_id = station_id;
  if (with_keys) in.token_keys = station.keys;
  in.now_unix = w.now;
  return in;
}

Result<void> write_policy(const fs::path& state, const std::vector<std::string>& skus) {
  std::error_code ec;
  fs::create_directories(state, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("creating {}: {}", state.string(), ec.message()));
  std::ofstream out(state / "policy.textproto");
  for (const auto& sku : skus) out << "allowed_skus: \"" << sku << "\"\n";
  out.close();
  if (!out) return fail(ErrorCode::kIo, "writing " + (state / "policy.textproto").string());
  return {};
}

struct StationWorld::Tokens {
  std::unique_ptr<hsm::Session> station_session;
  std::optional<hsm::ProductionSigner> station;
  std::optional<hsm::ProductionSigner> device_ca;
  std::map<std::string, station::OpenedCard> cards;
};

StationWorld::StationWorld(SignerWorld& signer_world)
    : station(or_throw(enroll_station(signer_world, kLineStationId), "enrolling station-1")),
      w_(signer_world),
      tokens_(new Tokens) {
  ::setenv(kPinEnv, SoftHsmFixture::kUserPin, 1);
  state = w_.path("state");
  or_throw(station::install_registration(state, install_input(w_, station, kLineStationId)),
           "installing station-1's registration");
  or_throw(write_policy(state, {kLineSku}), "writing the station policy");
  promoted = or_throw(w_.promote_bundle("full.bundle", "1.2.0", 3, 7, full_plan),
                      "promoting full.bundle");
  or_throw(station::intake_bundle(state, promoted, {}, w_.now), "taking in full.bundle");
}

StationWorld::~StationWorld() = default;

hsm::Session StationWorld::open_station_token() const {
  return w_.tokens.hsm.open(kLineStationId);
}

Result<station::StationLine> StationWorld::try_open_line(bool synced) {
  auto& t = *tokens_;
  if (!t.station_session) {
    auto session = std::make_unique<hsm::Session>(open_station_token());
    auto station_key = station_signer(*session, station::kStationKeyLabel,
                                      hsm::ProductionRole::kStation,
                                      hsm::SignatureCheck::kEverySignature);
    if (!station_key) return std::unexpected(station_key.error());
    // As the station does: the certificate issuer verifies each device certificate.
    auto device_ca = station_signer(*session, station::kDeviceCaKeyLabel,
                                    hsm::ProductionRole::kDeviceCa, hsm::SignatureCheck::kByCaller);
    if (!device_ca) return std::unexpected(device_ca.error());
    t.station_session = std::move(session);
    t.station.emplace(std::move(*station_key));
    t.device_ca.emplace(std::move(*device_ca));
  }
  auto keys = station::StationKeys::from_signers(*t.station, *t.device_ca);
  if (!keys) return std::unexpected(keys.error());
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

Result<station::LoadedRelease> StationWorld::try_release(const station::StationLine& line) const {
  return station::load_release(line, kLineSku);
}

Result<station::CardSigner> StationWorld::try_card(const std::string& who) {
  auto& cards = tokens_->cards;
  auto it = cards.find(who);
  if (it == cards.end()) {
    std::ostringstream status;
    auto made = station::init_card(card_options(who), status);
    if (!made) return std::unexpected(made.error());
    auto opened = station::open_card(card_options(who), status);
    if (!opened) return std::unexpected(opened.error());
    it = cards.emplace(who, std::move(*opened)).first;
  }
  return it->second.signer();
}

v1::RosterPerson StationWorld::person_with(const std::string& who, v1::OperatorEntry::Role role,
                                           const verifier::PublicKey& key,
                                           std::vector<std::string> stations) const {
  v1::RosterPerson p;
  p.set_name(who);
  p.set_role(role);
  *p.mutable_key() = key.to_proto();
  for (auto& s : stations) p.add_station_ids(std::move(s));
  p.set_valid_from_unix(w_.now - 3600);
  return p;
}

Result<v1::RosterPerson> StationWorld::try_person(const std::string& who,
                                                  v1::OperatorEntry::Role role,
                                                  std::vector<std::string> stations) {
  auto card = try_card(who);
  if (!card) return std::unexpected(card.error());
  return person_with(who, role, card->public_key, std::move(stations));
}

Result<v1::Envelope> StationWorld::try_roster(std::vector<v1::RosterPerson> people,
                                              const std::optional<v1::Envelope>& previous) {
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, fixed_clock(w_.now), {"alice", "bob"}};
  const std::vector<v1::Envelope> chain{w_.v1_root};
  ceremony::RosterInput in{chain, {}, &w_.plan, {std::move(people), previous, "test staff"}};
  auto outcome = ceremony::run_roster(in, context);
  if (!outcome.ok()) {
    return std::unexpected(outcome.error.value_or(
        Error{ErrorCode::kInternal, "the roster ceremony made no roster", 0, {}}));
  }
  return *outcome.document;
}

Result<v1::Envelope> StationWorld::try_staff_roster() {
  if (!staff_roster_) {
    std::vector<v1::RosterPerson> people;
    for (const auto& [who, role] : {std::pair{"sam", v1::OperatorEntry::SUPERVISOR},
                                    std::pair{"olga", v1::OperatorEntry::OPERATOR},
                                    std::pair{"otto", v1::OperatorEntry::OPERATOR}}) {
      auto p = try_person(who, role);
      if (!p) return std::unexpected(p.error());
      people.push_back(std::move(*p));
    }
    auto roster = try_roster(std::move(people));
    if (!roster) return std::unexpected(roster.error());
    staff_roster_ = std::move(*roster);
  }
  return *staff_roster_;
}

Result<void> StationWorld::try_staff(station::StationLine& line) {
  auto roster = try_staff_roster();
  if (!roster) return std::unexpected(roster.error());
  auto installed = station::install_roster(line, *roster);
  if (!installed) return std::unexpected(installed.error());
  auto card = try_card("olga");
  if (!card) return std::unexpected(card.error());
  auto session = station::start_session(line, *card);
  if (!session) return std::unexpected(session.error());
  return {};
}

}  // namespace hallmark::testing
