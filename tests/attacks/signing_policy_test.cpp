// A front end that forgets the provenance or role check (a new console, a script around the
// libraries) against the libraries that sign (docs/threat-model.md, "Production signers").
// Each case hands a key straight to the library API, the way such a front end would, and
// shows it refused with an error that names the key. Throwaway SoftHSM tokens.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/src/keygen.h"
#include "signer/evidence/evidence_key.h"
#include "station-agent/station/station_line.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/promote/promote_test_support.h"
#include "tests/support/imported_key.h"
#include "tests/support/production_signers.h"

namespace hallmark::testing {
namespace {

namespace fs = std::filesystem;
using hsm::ProductionRole;

bool says(const Error& e, const std::string& what) {
  return e.message.find(what) != std::string::npos;
}

hsm::TokenKey key_labelled(hsm::Session& session, const std::string& label) {
  auto uri = hsm::TokenUri::parse("pkcs11:object=" + label);
  REQUIRE(uri);
  auto key = hsm::TokenKey::find(session, *uri);
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  return std::move(*key);
}

Result<hsm::ProductionSigner> open_as(hsm::Session& session, const std::string& label,
                                      ProductionRole role) {
  return hsm::ProductionSigner::create(session, key_labelled(session, label), softhsm_profile(),
                                       role);
}

constexpr ProductionRole kEveryRole[] = {
    ProductionRole::kRelease, ProductionRole::kEvidence, ProductionRole::kManufacturingCa,
    ProductionRole::kStation, ProductionRole::kDeviceCa, ProductionRole::kCustodian};

}  // namespace

TEST_CASE("a key that was extractable never becomes a production signer, whatever role it is "
          "offered for") {
  SoftHsmFixture hsm({"signer-hsm"});
  hsm::Session session = hsm.open("signer-hsm");
  import_p256(session, "stolen", true);
  for (const ProductionRole role : kEveryRole) {
    CAPTURE(hsm::role_name(role));
    auto signer = open_as(session, "stolen", role);
    REQUIRE_FALSE(signer);
    CHECK(signer.error().code == ErrorCode::kPolicyRefused);
    CHECK(says(signer.error(), "key 'stolen' on token 'signer-hsm'"));
    CHECK(says(signer.error(), std::string(hsm::role_name(role))));
    CHECK(says(signer.error(), "extractable"));
  }
}

TEST_CASE("a key imported into the token, though marked sensitive, cannot sign as a station, "
          "device-CA or release key") {
  SoftHsmFixture hsm({"station-1"});
  hsm::Session session = hsm.open("station-1");
  import_p256(session, "planted", false);  // sensitive now, but made outside the token
  for (const ProductionRole role :
       {ProductionRole::kStation, ProductionRole::kDeviceCa, ProductionRole::kRelease}) {
    CAPTURE(hsm::role_name(role));
    auto signer = open_as(session, "planted", role);
    REQUIRE_FALSE(signer);
    CHECK(signer.error().code == ErrorCode::kPolicyRefused);
    CHECK(says(signer.error(), "key 'planted' on token 'station-1'"));
    CHECK(says(signer.error(), "is or was extractable"));  // never always-sensitive
  }
}

TEST_CASE("the release key opened as another role cannot promote, and nothing is written") {
  promote::testing::World w;
  const auto bundle = w.make_bundle("r.bundle");
  auto prepared = promote::prepare_promotion(
      w.input(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}));
  REQUIRE(prepared);
  auto release = fixture_signer(w.tokens, "signer-hsm", "release");
  promote::ReleaseKey key{.signer = production_signer(release->session, release->signer->key(),
                                                      ProductionRole::kEvidence),
                          .token = {}};
  auto r = promote::finish_promotion(*prepared, key);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(says(r.error(), "key 'release' on token 'signer-hsm'"));
  CHECK(says(r.error(), "opened as the evidence key, not the release key"));
  CHECK_FALSE(fs::exists(w.path("promoted.bundle")));
}

namespace {

// A countersign run whose evidence key is the release key opened as `opened_as`: refused, naming the
// release key, with `why`; the log does not grow and no checkpoint is stored.
void check_countersign_refused(ProductionRole opened_as, const std::string& why) {
  evidence::testing::EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  const auto exported = w.export_now("shift-1.export");
  auto release = fixture_signer(w.lw.w.tokens, "signer-hsm", "release");
  evidence::EvidenceKey key{.open = [&]() -> Result<hsm::ProductionSigner> {
    return production_signer(release->session, release->signer->key(), opened_as);
  }};
  auto r = evidence::countersign(*w.store, w.countersign_input({exported}), key);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(says(r.error(), "key 'release' on token 'signer-hsm'"));
  CHECK(says(r.error(), why));
  CHECK(evidence::testing::entries(*w.store).empty());
  auto checkpoint = w.store->latest_checkpoint();
  REQUIRE(checkpoint);
  CHECK_FALSE(*checkpoint);
}

}  // namespace

TEST_CASE("the release key handed to countersign as the evidence key is refused: it is not the "
          "trust root's evidence key, and the log does not grow") {
  // Its provenance passes; the trust root's roles do not.
  check_countersign_refused(ProductionRole::kEvidence, "is not the trust root's evidence key");
}

TEST_CASE("a signer opened as the release key cannot countersign, and the log does not grow") {
  check_countersign_refused(ProductionRole::kRelease,
                            "opened as the release key, not the evidence key");
}

TEST_CASE("a station line cannot be handed its keys in each other's roles") {
  SoftHsmFixture hsm({"station-1"});
  hsm::Session session = hsm.open("station-1");
  for (const char* label : {"station", "device-ca"}) {
    REQUIRE(hsm::generate_key(session, {v1::ECDSA_P256_SHA256, label, {}, false}));
  }
  auto as_device_ca = open_as(session, "station", ProductionRole::kDeviceCa);
  auto as_station = open_as(session, "device-ca", ProductionRole::kStation);
  REQUIRE(as_device_ca);
  REQUIRE(as_station);
  // The device-CA key given as the station key (and the other way round) is refused.
  auto swapped = station::StationKeys::from_signers(*as_device_ca, *as_station);
  REQUIRE_FALSE(swapped);
  CHECK(swapped.error().code == ErrorCode::kPolicyRefused);
  CHECK(says(swapped.error(), "key 'station' on token 'station-1'"));
  CHECK(says(swapped.error(), "not the station key"));
  auto station = open_as(session, "station", ProductionRole::kStation);
  auto ca = open_as(session, "device-ca", ProductionRole::kDeviceCa);
  REQUIRE(station);
  REQUIRE(ca);
  CHECK(station::StationKeys::from_signers(*station, *ca));
}

}  // namespace hallmark::testing
