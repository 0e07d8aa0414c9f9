#include "bench/countersign/bench_signer.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "bench/countersign/station_exports.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/profile/profile.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::bench {
namespace {

// A fresh P-256 evidence key on the bench token, generated there as a ceremony generates it.
hsm::TokenKey evidence_key_on(hsm::Session& session) {
  auto key = hsm::generate_key(session, hsm::KeySpec{v1::ECDSA_P256_SHA256, "evidence", {}, false});
  if (!key) throw std::runtime_error(key.error().message);
  return std::move(*key);
}

v1::HsmProfile softhsm_profile() {
  auto profile = hsm::load_profile("softhsm2");
  if (!profile) throw std::runtime_error(profile.error().message);
  return std::move(*profile);
}

// The bench's trust root, trusted as the signing host trusts its own (load_trust) at the
// bench's reference time.
verifier::Trust trust(const verifier::PublicKey& evidence) {
  verifier::TrustInputs inputs;
  inputs.chain.push_back({"bench trust root", root_envelope(evidence)});
  inputs.now_unix = bench_now();
  auto loaded = verifier::load_trust(std::move(inputs));
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return std::move(*loaded);
}

}  // namespace

BenchSigner::BenchSigner(unsigned threads, const std::string& location)
    : hsm_({"bench-signer"}), session_(hsm_.open("bench-signer")),
      key_(evidence_key_on(session_)), profile_(softhsm_profile()), trust_(trust(key_.public_key())) {
  const auto registration = registration_envelope();
  auto station = verifier::verify_station_registration(registration, trust_.root(), bench_now());
  if (!station) throw std::runtime_error(station.error().message);
  db_ = hsm_.dir() / "evidence.db";
  auto store = evidence::open_store(location.empty() ? "sqlite:" + db_.string() : location);
  if (!store) throw std::runtime_error(store.error().message);
  store_ = std::move(*store);
  if (!store_->begin() || !store_->put_release(bench_release()) || !store_->commit()) {
    throw std::runtime_error("cannot store the bench release");
  }
  input_.root = &trust_.root();
  // The station-software releases the store holds (none: the enrolled build is approved).
  auto releases = evidence::StationSoftwareReleases::in_force(*store_, {}, trust_);
  if (!releases) throw std::runtime_error(releases.error().message);
  station_software_.emplace(std::move(*releases));
  input_.station_software = &*station_software_;
  input_.stations.insert_or_assign(StationId(kStation), evidence::KnownStation{std::move(*station),
                                                                    verifier::envelope_to_json(registration)});
  input_.now_unix = bench_now();
  input_.threads = threads;
  // As hallmark-signer countersign opens it (signer/cli/evidence_commands.cpp): the
  // provenance check for the evidence role, every signature verified.
  evidence_.open = [this]() -> Result<hsm::ProductionSigner> {
    return hsm::ProductionSigner::create(session_, key_, profile_, hsm::ProductionRole::kEvidence,
                                         [] { return Result<hsm::Pin>(hallmark::testing::SoftHsmFixture::user_pin()); });
  };
}

evidence::CountersignResult BenchSigner::countersign(const std::string& export_file) {
  input_.exports = {export_file};
  auto result = evidence::countersign(*store_, input_, evidence_);
  if (!result) throw std::runtime_error("countersign failed: " + result.error().message);
  signatures_ += result->signatures;
  if (result->any_refused()) throw std::runtime_error("refused: " + result->exports[0].refusal);
  return std::move(*result);
}

void report_store(BenchSigner& signer, const std::string& location, std::uint64_t units) {
  signer.close_store();
  if (!location.empty()) return;
  std::printf("store_bytes_per_unit %.0f\n",
              static_cast<double>(std::filesystem::file_size(signer.sqlite_file())) /
                  static_cast<double>(units));
  if (const char* keep = std::getenv("HALLMARK_BENCH_KEEP_STORE")) {
    std::filesystem::copy_file(signer.sqlite_file(), keep,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace hallmark::bench
