// SignerWorld: the signing host's side of a throwaway world, for the tests and the
// benchmarks. On throwaway SoftHSM tokens (CeremonyTokens): a trust root made by the init
// ceremony (custodians alice, bob, carol; root and approver thresholds 2; the release key
// P-256 on signer-hsm), the SKU catalogue of combo-1 (esp32-c3, ESP32 Secure Boot V2 and
// MCUboot), bundles of combo-1 with a boot, an app and a data image, approvals through the
// approve ceremony, and promotions by the promote library with the release key opened the
// production way (ProductionSigner::create under the softhsm2 profile).
//
// Every step goes through the product's libraries; nothing here signs by itself. The
// constructor throws std::runtime_error naming the step that failed (the tokens, the plan,
// the init ceremony); every other step returns Result. The tests' World
// (tests/promote/promote_test_support.h) adds its assertions on top. One SoftHSM fixture per
// process (testkit/softhsm_fixture.h): one SignerWorld at a time. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "hallmark/release.pb.h"
#include "signer/promote/promote.h"
#include "testkit/in_process_keys.h"
#include "testkit/line/ceremony_kit.h"
#include "testkit/line/recording_ui.h"

namespace hallmark::testing {

struct SignerWorld {
  // The trust root is issued at `now` - 60 (the CLIs, on the real clock, accept it when `now`
  // is the real time).
  explicit SignerWorld(std::int64_t now);
  ~SignerWorld();
  SignerWorld(const SignerWorld&) = delete;
  SignerWorld& operator=(const SignerWorld&) = delete;

  CeremonyTokens tokens;  // first: it configures SoftHSM for everything after it
  verifier::testing::TempDir dir;
  ceremony::LoadedPlan plan;
  std::int64_t now;
  v1::Envelope v1_root;
  v1::SkuCatalog catalog;

  std::filesystem::path path(const std::string& name) const { return dir.path() / name; }

  // The key id a spec names as requester for `who`: a custodian's first card key, else a
  // key of their own outside the trust root.
  Result<std::string> requester_key_id(const std::string& who) const;
  // A spec of SKU combo-1 with images boot (ESP32 SBv2), app (MCUboot), data (raw), written
  // into dir() (file names carry `seed`).
  Result<v1::BundleSpec> try_spec(const std::string& version, std::uint64_t counter,
                                  const std::string& requester, std::uint32_t seed) const;
  // The bundle of try_spec() (after `edit`), created at now - 30 into path(name).
  Result<std::filesystem::path> try_make_bundle(
      const std::string& name, const std::string& version = "1.2.0", std::uint64_t counter = 3,
      const std::string& requester = "rm-erin", std::uint32_t seed = 1,
      const std::function<void(v1::BundleSpec&)>& edit = {}) const;

  // The whole outcome of the approve ceremony for `custodian` (approval and signed
  // transcript; PINs from `ui`'s scripts, then the fixture's); with `history`, the diff is
  // against the last promoted bundle in it.
  ceremony::CeremonyOutcome approve_ceremony(
      const std::filesystem::path& bundle, const std::string& custodian, RecordingUi& ui,
      const std::string& channel = "production",
      const std::optional<std::filesystem::path>& history = {}) const;
  // Its approval only.
  Result<v1::Envelope> approve(const std::filesystem::path& bundle, const std::string& custodian,
                               RecordingUi& ui, const std::string& channel = "production",
                               const std::optional<std::filesystem::path>& history = {}) const;

  // The release key on signer-hsm, opened for the release role through the provenance check
  // (one logged-in session, kept by this world).
  Result<promote::ReleaseKey> release_key() const;

  // A promoted bundle of combo-1 at path(name), with its own promotion history
  // (path("history-<name>"), so any order of versions can be made): made, approved by alice
  // and bob, promoted on the production channel at now.
  Result<std::filesystem::path> promote_bundle(
      const std::string& name, const std::string& version, std::uint64_t counter,
      std::uint32_t seed, const std::function<void(v1::BundleSpec&)>& edit = {}) const;

 private:
  mutable std::unique_ptr<hsm::Session> release_session_;
};

}  // namespace hallmark::testing
