// Test support for the promotion suite: a trust root made by an init ceremony on throwaway
// SoftHSM tokens (alice, bob, carol; root and approver thresholds 2; release key P-256 in
// signer-hsm), a bundle holding an ESP32 Secure Boot V2 image, an MCUboot image and a raw
// image, approvals signed through the approve ceremony or by hand (for approvals the
// ceremony would refuse to make), and byte-level tampering of promoted archives.
#pragma once

#include <functional>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "hallmark/release.pb.h"
#include "signer/promote/promote.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "testkit/in_process_keys.h"
#include "testkit/line/signer_world.h"

namespace hallmark::promote::testing {

using hallmark::testing::CeremonyTokens;
using hallmark::testing::RecordingUi;

// Now, read once: the trust root is issued now so that the CLIs (real clock) accept it.
std::int64_t test_now();

// SignerWorld (testkit/line/signer_world.h, shared with the benchmarks) at test_now(), with
// the tests' assertions and hand-made documents on top.
struct World : hallmark::testing::SignerWorld {
  World();

  // try_spec() and try_make_bundle(); REQUIRE that they succeeded.
  v1::BundleSpec spec(const std::string& version, std::uint64_t counter,
                      const std::string& requester, std::uint32_t seed) const;
  std::filesystem::path make_bundle(const std::string& name, const std::string& version = "1.2.0",
                                    std::uint64_t counter = 3,
                                    const std::string& requester = "rm-erin",
                                    std::uint32_t seed = 1,
                                    const std::function<void(v1::BundleSpec&)>& edit = {}) const;
  // Writes spec (images too) and catalogue textprotos; returns the spec path.
  std::filesystem::path write_spec(const std::string& version, std::uint64_t counter) const;

  // approve() and approve_ceremony(): SignerWorld's.
  bundle::NamedEnvelope approval(const std::filesystem::path& bundle,
                                 const std::string& custodian) const;
  // A statement signed by hand with the key labelled `label` on `token`.
  bundle::NamedEnvelope hand_signed(const v1::PromotionStatement& statement,
                                    const std::string& token,
                                    const std::string& label = "custodian") const;
  // The statement the approve ceremony would sign for `bundle`.
  v1::PromotionStatement statement_for(const std::filesystem::path& bundle) const;

  PromoteInput input(const std::filesystem::path& bundle,
                     std::vector<bundle::NamedEnvelope> approvals,
                     const std::string& out = "promoted.bundle") const;
  // The release key on signer-hsm, logged in.
  struct Release {
    hallmark::testing::FixtureSigner* signer;
    ReleaseKey key;
  };
  Release release() const;
  Result<PromoteResult> promote(const std::filesystem::path& bundle,
                                std::vector<bundle::NamedEnvelope> approvals,
                                const std::string& out = "promoted.bundle",
                                const BeforeVerifyHook& hook = {}) const;

  verifier::TrustedRoot anchor() const;
  // requester_key_id() of SignerWorld; REQUIREs that it succeeded.
  std::string requester_key_id(const std::string& who) const;
  // load_trust() of v1 pinned by its digest, at `now_unix`, with `revocations`.
  verifier::Trust trust(std::int64_t now_unix, std::vector<v1::Envelope> revocations = {}) const;
  std::string history_text(const std::string& sku = "combo-1") const;
  std::vector<std::string> files() const;  // names in dir(), sorted

 private:
  mutable std::unique_ptr<hallmark::testing::FixtureSigner> release_signer_;
};

// Rewrites `bundle` into `out` with one byte of the entry whose name starts with `prefix`
// flipped (at `offset` from the entry's end when `from_end`); returns that entry's name.
std::string flip_byte(const std::filesystem::path& bundle, const std::filesystem::path& out,
                      const std::string& prefix, std::size_t offset, bool from_end = false);

}  // namespace hallmark::promote::testing
