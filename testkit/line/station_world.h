// StationWorld: a factory station on a SignerWorld (testkit/line/signer_world.h), for the
// tests and the benchmarks. Station "station-1" is enrolled on its SoftHSM token (station
// and device-CA keys generated there, the request made by the product's enrollment code,
// registered by the enroll-station ceremony), its registration installed into a state
// directory, a policy allowing combo-1 written, and a bundle of combo-1 with the whole
// provisioning plan (full_plan) promoted and taken in. On top: the line opened on the
// station's token keys (opened for their roles through the provenance check), person cards
// made by `card init` code on the person-<who> tokens, rosters signed by the root quorum
// (alice, bob) through the roster ceremony, and staff installed with olga logged in.
//
// Every step goes through the product's libraries (station-agent/, ceremony/, signer/);
// the devices are the caller's (hallmark-devsim in the tests, an in-memory device in the
// benchmarks). The constructor throws std::runtime_error naming the step that failed; every
// other step returns Result. The tests' LineWorld (tests/line/line_test_support.h) adds its
// assertions and the simulator on top. Not thread-safe; one per process (one SoftHSM
// fixture).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "station-agent/station/card_signer.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/station_state.h"
#include "station-agent/station/unit_programmer.h"
#include "verifier/core/sha256.h"
#include "testkit/line/signer_world.h"

namespace hallmark::testing {

inline constexpr const char* kLineStationId = "station-1";
inline constexpr const char* kLineSku = "combo-1";

// The spec edit that gives combo-1 the whole provisioning plan (ESP32 SBv2 bootloader,
// MCUboot app, raw data, identity, key-digest / secure-boot / debug eFuses, measure).
void full_plan(v1::BundleSpec& spec);

struct EnrolledStation {
  v1::Envelope registration;
  station::StationKeyIds keys;
};

// Generates keys labelled "<prefix>station" / "<prefix>device-ca" on station-1, makes the
// request for `station_id` and registers it under w.v1_root (alice and carol present).
Result<EnrolledStation> enroll_station(const SignerWorld& w, const std::string& station_id,
                                       const std::string& label_prefix = "");

// Install input for `station` under w's chain at w.now (token keys when given).
station::InstallInput install_input(const SignerWorld& w, const EnrolledStation& station,
                                    const std::string& station_id, bool with_keys = true);

// Writes <state>/policy.textproto allowing `skus`.
Result<void> write_policy(const std::filesystem::path& state,
                          const std::vector<std::string>& skus);

class StationWorld {
 public:
  explicit StationWorld(SignerWorld& signer_world);
  ~StationWorld();
  StationWorld(const StationWorld&) = delete;
  StationWorld& operator=(const StationWorld&) = delete;

  EnrolledStation station;
  std::filesystem::path state;
  std::filesystem::path promoted;  // the promoted bundle (taken in at construction)
  // The station binary's digest the line records in every event (the enrolled one:
  // SHA-256 of nothing); set it before try_open_line() to run "other software".
  verifier::Digest software = *verifier::sha256(ByteView{});

  // The line on station-1's token, clock reported synchronised unless `synced` is false.
  Result<station::StationLine> try_open_line(bool synced = true);
  Result<station::LoadedRelease> try_release(const station::StationLine& line) const;

  // The card on token person-<who> (key made by card init on first use).
  Result<station::CardSigner> try_card(const std::string& who);
  // A roster person: `key` as `who`'s card key, at `stations`, valid from an hour before the
  // world's time.
  v1::RosterPerson person_with(const std::string& who, v1::OperatorEntry::Role role,
                               const verifier::PublicKey& key,
                               std::vector<std::string> stations = {kLineStationId}) const;
  // The same with `who`'s card key (try_card).
  Result<v1::RosterPerson> try_person(const std::string& who, v1::OperatorEntry::Role role,
                                      std::vector<std::string> stations = {kLineStationId});
  // A person roster signed by the root quorum (alice, bob) through the roster ceremony.
  Result<v1::Envelope> try_roster(std::vector<v1::RosterPerson> people,
                                  const std::optional<v1::Envelope>& previous = {});
  // sam (supervisor), olga and otto (operators) at station-1; made once.
  Result<v1::Envelope> try_staff_roster();
  // try_staff_roster() installed on `line`; olga logged in.
  Result<void> try_staff(station::StationLine& line);

  // A second logged-in session on station-1 (the token the line signs on).
  hsm::Session open_station_token() const;

 private:
  SignerWorld& w_;
  struct Tokens;
  std::unique_ptr<Tokens> tokens_;
  std::optional<v1::Envelope> staff_roster_;
};

}  // namespace hallmark::testing
