// Inspecting a unit against its evidence (QA, an EMS's incoming inspection, the RMA desk):
// what the device itself says compared with what its countersigned manifests and the
// promoted bundle they name say it should be. Verification only: the bundle's digests are
// the allowlist; no firmware image and no key is needed.
//
// Two steps, both pure (no I/O, no clock; thread-safe):
// - find_unit_evidence() picks, from manifests that ALREADY VERIFIED (verify_manifest_file
//   under the trust root: a forged or tampered manifest never gets here), the unit's own:
//   those naming the device's hardware id, and those naming the serial it is bound to (or
//   the label given), so a serial bound to another device is seen. It names the bundle of
//   the unit's last passing program or rework and the certificate it was issued.
// - inspect_unit() compares the reading of the device with that evidence and returns one
//   check per question, in a fixed order: binding (hardware id <-> serial as bound, never
//   bound, the label), scrap, each measured region against the bundle's image digests,
//   eFuses as the bundle plans them, secure boot on, the boot ROM's verdict, the identity
//   certificate as issued (verified under the station's device-CA and holding the key the
//   device holds). A check whose inputs are missing (no bundle, no identity) FAILS; a check
//   the bundle does not ask for is SKIPPED and says so. Nothing passes by default.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "verifier/bundle/promoted_bundle.h"
#include "verifier/bundle/unit_claims.h"
#include "verifier/core/ids.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/log/manifest_file.h"

namespace hallmark::inspect {

// What was read from the device, never written to it.
struct UnitReading {
  HardwareId hardware_id;
  // One per region asked for (bundle::ClaimedImage::region), in the same order.
  std::vector<verifier::Digest> region_digests;
  bool key_digest_burned = false;
  verifier::Digest key_digest;
  bool secure_boot_enabled = false;
  bool debug_disabled = false;
  bool boots = false;
  std::string boot_reason;
  std::optional<verifier::PublicKey> identity_key;  // absent: the device holds no identity
};

// The unit's evidence among verified manifests.
struct UnitEvidence {
  HardwareId hardware_id;
  Serial serial;  // the serial the hardware id is bound to; empty when never bound
  std::vector<const verifier::VerifiedManifest*> events;       // this hardware id's, log order
  std::vector<const verifier::VerifiedManifest*> other_units;  // the serial on other devices
  std::vector<Serial> serials;                                 // every serial this id carried
  const verifier::VerifiedManifest* programmed = nullptr;  // last PASS program or rework
  const verifier::VerifiedManifest* scrapped = nullptr;    // a SCRAP of this hardware id
  std::optional<verifier::Digest> bundle_digest;           // named by `programmed`
};

// `manifests` must have verified; `label` is the serial printed on the unit, when known.
[[nodiscard]] UnitEvidence find_unit_evidence(std::span<const verifier::VerifiedManifest> manifests,
                                              const HardwareId& hardware_id,
                                              const std::optional<Serial>& label);

// The bundle's images the inspection measures (the regions UnitReading answers for), from
// the release the evidence names.
[[nodiscard]] Result<bundle::UnitClaims> inspected_regions(const bundle::VerifiedRelease& release);

enum class CheckStatus { kPass, kFail, kSkipped };

struct Check {
  std::string name;  // binding, scrap, region <image>, efuse <name>, secure-boot, boot, certificate
  CheckStatus status = CheckStatus::kFail;
  std::string detail;
};

struct Inspection {
  HardwareId hardware_id;
  Serial serial;  // as bound (empty: never bound)
  Serial label;   // as printed on the unit (empty: not given)
  std::optional<verifier::Digest> bundle_digest;
  std::vector<std::uint64_t> log_indexes;
  std::vector<Check> checks;
  // The device is not the unit its evidence or label says (never bound, bound to another
  // serial, its serial on another device, scrapped): at a station this stops the line.
  bool identity_mismatch = false;

  [[nodiscard]] bool ok() const;
  // The failed checks, "; "-joined, or "all N checks passed".
  [[nodiscard]] std::string summary() const;
};

// `release` is the verified promoted bundle whose digest is evidence.bundle_digest (nullptr
// when there is none or it was not given); `claims` its inspected_regions(); `reading`
// measured those regions.
[[nodiscard]] Inspection inspect_unit(const UnitEvidence& evidence,
                                      const std::optional<Serial>& label,
                                      const bundle::VerifiedRelease* release,
                                      const bundle::UnitClaims* claims,
                                      const UnitReading& reading);

[[nodiscard]] const char* status_name(CheckStatus status);

}  // namespace hallmark::inspect
