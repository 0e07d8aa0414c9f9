// A front end that forgets the provenance or role check (a new console, a script around the
// libraries) against the libraries that sign (docs/threat-model.md, "Production signers").
// Each case hands a key straight to the library API, the way such a front end would, and
// shows it refused with an error that names the key. Throwaway SoftHSM tokens.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/src/keygen.h"
#include "signer/evidence/evidence_key.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/journal/journal_seal.h"
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


namespace {

// A station journal with two records, in the fixture's private directory.
station::Journal two_record_journal(const fs::path& path) {
  auto journal = station::Journal::open(path, StationId("station-1"));
  REQUIRE_MESSAGE(journal, (journal ? "" : journal.error().message));
  for (const char* record : {"record one", "record two"}) {
    REQUIRE(journal->append(as_bytes(std::string(record))));
  }
  return std::move(*journal);
}

struct Offered {
  const char* label;
  ProductionRole role;
};

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A checkpoint or a seal takes only a hsm::ProductionSigner: a callback around a software
// key (or any other signing function) does not compile as its signer.
using SignCallback = std::function<Result<Bytes>(ByteView)>;
template <class Signer>
constexpr bool kCheckpointTakes = requires(const station::Journal& j, const Signer& sign) {
  j.make_checkpoint(std::int64_t{0}, sign);
  j.make_checkpoint(station::JournalHead{}, std::int64_t{0}, sign);
};
static_assert(kCheckpointTakes<hsm::ProductionSigner>);
static_assert(!kCheckpointTakes<SignCallback>);
static_assert(!kCheckpointTakes<hsm::TokenSigner>);
static_assert(!std::is_invocable_v<decltype(&station::seal_journal), station::Journal&,
                                   const station::SealRequest&, const SignCallback&>);
static_assert(std::is_invocable_v<decltype(&station::seal_journal), station::Journal&,
                                  const station::SealRequest&, const hsm::ProductionSigner&>);

}  // namespace

TEST_CASE("a journal export cannot be signed by a key opened for another role, and nothing "
          "is written") {
  SoftHsmFixture hsm({"station-1"});
  hsm::Session session = hsm.open("station-1");
  for (const char* label : {"station", "device-ca"}) {
    REQUIRE(hsm::generate_key(session, {v1::ECDSA_P256_SHA256, label, {}, false}));
  }
  const fs::path journal_path = hsm.dir() / "journal";
  const fs::path out = hsm.dir() / "journal.export";
  station::Journal journal = two_record_journal(journal_path);
  // Both keys pass the provenance check (made on the token, never extractable); only the
  // one opened as the station key may sign the station's export.
  for (const Offered offered : {Offered{"device-ca", ProductionRole::kDeviceCa},
                                Offered{"station", ProductionRole::kDeviceCa},
                                Offered{"station", ProductionRole::kRelease}}) {
    const std::string label = offered.label;
    CAPTURE(label);
    const std::string_view role = hsm::role_name(offered.role);
    CAPTURE(role);
    auto signer = open_as(session, label, offered.role);
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().message));
    auto exported = station::export_journal(journal, out, 1'700'000'000, *signer);
    REQUIRE_FALSE(exported);
    CHECK(exported.error().code == ErrorCode::kPolicyRefused);
    CHECK(says(exported.error(), "key '" + label + "' on token 'station-1'"));
    CHECK(says(exported.error(), "not the station key"));
    CHECK(says(exported.error(), journal_path.string()));
    CHECK_FALSE(fs::exists(out));  // no export file
    auto last = station::read_last_exported(journal_path);
    REQUIRE(last);
    CHECK(*last == 0);  // and the state did not advance
    auto built = station::build_export(journal, 0, 1'700'000'000, *signer);
    REQUIRE_FALSE(built);
    CHECK(built.error().code == ErrorCode::kPolicyRefused);
  }
  auto station_key = open_as(session, "station", ProductionRole::kStation);
  REQUIRE(station_key);
  auto exported = station::export_journal(journal, out, 1'700'000'000, *station_key);
  REQUIRE_MESSAGE(exported, (exported ? "" : exported.error().message));
  CHECK(exported->last_sequence() == 2);
  CHECK(fs::exists(out));
}

TEST_CASE("a journal checkpoint or seal cannot be signed by a key opened for another role, and "
          "nothing is written") {
  SoftHsmFixture hsm({"station-1"});
  hsm::Session session = hsm.open("station-1");
  for (const char* label : {"station", "device-ca"}) {
    REQUIRE(hsm::generate_key(session, {v1::ECDSA_P256_SHA256, label, {}, false}));
  }
  const fs::path journal_path = hsm.dir() / "journal";
  const fs::path segment = hsm.dir() / "journal.segment";
  station::Journal journal = two_record_journal(journal_path);
  auto station_key = open_as(session, "station", ProductionRole::kStation);
  REQUIRE(station_key);
  // Exported with the station key, so a seal through record 2 is allowed but for its signer.
  REQUIRE(station::export_journal(journal, hsm.dir() / "journal.export", 1'700'000'000,
                                  *station_key));
  const std::string journal_before = file_text(journal_path);
  const std::string state_before = file_text(station::export_state_path(journal_path));
  station::SealRequest request;
  request.through = 2;
  request.out = segment;
  request.time_unix = 1'700'000'000;
  request.acknowledged = [](const station::JournalEntry&) -> Result<void> { return {}; };
  for (const Offered offered : {Offered{"device-ca", ProductionRole::kDeviceCa},
                                Offered{"station", ProductionRole::kDeviceCa},
                                Offered{"station", ProductionRole::kEvidence}}) {
    const std::string label = offered.label;
    CAPTURE(label);
    const std::string_view role = hsm::role_name(offered.role);
    CAPTURE(role);
    auto signer = open_as(session, label, offered.role);
    REQUIRE_MESSAGE(signer, (signer ? "" : signer.error().message));
    auto checkpoint = journal.make_checkpoint(1'700'000'000, *signer);
    REQUIRE_FALSE(checkpoint);
    CHECK(checkpoint.error().code == ErrorCode::kPolicyRefused);
    CHECK(says(checkpoint.error(), "key '" + label + "' on token 'station-1'"));
    CHECK(says(checkpoint.error(), "not the station key"));
    CHECK(says(checkpoint.error(), journal_path.string()));
    auto sealed = station::seal_journal(journal, request, *signer);
    REQUIRE_FALSE(sealed);
    CHECK(sealed.error().code == ErrorCode::kPolicyRefused);
    CHECK(says(sealed.error(), "not the station key"));
    CHECK_FALSE(fs::exists(segment));                   // no segment
    CHECK(file_text(journal_path) == journal_before);   // the journal as it was
    CHECK(file_text(station::export_state_path(journal_path)) == state_before);
  }
  // The station key, opened as the station key, seals.
  auto sealed = station::seal_journal(journal, request, *station_key);
  REQUIRE_MESSAGE(sealed, (sealed ? "" : sealed.error().message));
  CHECK(fs::exists(segment));
}

TEST_CASE("a station key that was extractable never becomes the signer a journal export "
          "takes") {
  SoftHsmFixture hsm({"station-1"});
  hsm::Session session = hsm.open("station-1");
  import_p256(session, "copied-station", true);  // a station key someone kept a copy of
  auto signer = open_as(session, "copied-station", ProductionRole::kStation);
  // export_journal() takes only a hsm::ProductionSigner: refused here, there is nothing to
  // hand it (a callback or a raw TokenSigner does not compile as its argument).
  static_assert(!std::is_invocable_v<decltype(&station::export_journal), const station::Journal&,
                                     const fs::path&, std::int64_t,
                                     const std::function<Result<Bytes>(ByteView)>&>);
  REQUIRE_FALSE(signer);
  CHECK(signer.error().code == ErrorCode::kPolicyRefused);
  CHECK(says(signer.error(), "key 'copied-station' on token 'station-1'"));
  CHECK(says(signer.error(), "extractable"));
}

}  // namespace hallmark::testing
