// The signer's side of the countersign benchmark (countersign_bench.cpp): a throwaway
// SoftHSM token with a fresh P-256 evidence key, opened per batch as hallmark-signer opens
// it (hsm::ProductionSigner::create under the softhsm2 profile: one PKCS#11 signature per
// batch, counted by countersign itself), the trust root naming it, the station's verified registration, the release every unit
// names, and an evidence store (a fresh SQLite file in the token's directory unless
// `location` names one, e.g. postgres:CONNINFO of an empty database). Throws
// std::runtime_error when a step fails: a benchmark reports and stops. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "hallmark/hsm_profile.pb.h"
#include "hsm-profiles/src/token_key.h"
#include "signer/evidence/countersign.h"
#include "signer/evidence/station_software.h"
#include "signer/store/evidence_store.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/trust/trust.h"

namespace hallmark::bench {

class BenchSigner {
 public:
  BenchSigner(unsigned threads, const std::string& location);

  // Countersigns one export end to end; throws when it fails or is refused.
  evidence::CountersignResult countersign(const std::string& export_file);

  [[nodiscard]] std::string export_path() const { return (hsm_.dir() / "station.export").string(); }
  [[nodiscard]] const std::filesystem::path& sqlite_file() const { return db_; }
  evidence::EvidenceStore& store() { return *store_; }
  void close_store() { store_.reset(); }
  // Evidence-key signatures made so far (CountersignResult::signatures, summed).
  [[nodiscard]] std::uint64_t signatures() const { return signatures_; }
  [[nodiscard]] const verifier::PublicKey& evidence_key() const { return key_.public_key(); }

 private:
  hallmark::testing::SoftHsmFixture hsm_;
  hsm::Session session_;
  hsm::TokenKey key_;
  v1::HsmProfile profile_;
  verifier::Trust trust_;
  std::filesystem::path db_;
  std::unique_ptr<evidence::EvidenceStore> store_;
  std::optional<evidence::StationSoftwareReleases> station_software_;
  evidence::CountersignInput input_;
  evidence::EvidenceKey evidence_;
  std::uint64_t signatures_ = 0;
};

// Closes the store and prints its bytes per unit (a SQLite file; PostgreSQL sizes are read
// by the script); keeps a copy when HALLMARK_BENCH_KEEP_STORE names a path.
void report_store(BenchSigner& signer, const std::string& location, std::uint64_t units);

}  // namespace hallmark::bench
