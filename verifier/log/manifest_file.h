// Offline verification of one per-serial provisioning manifest as handed to QA, an EMS or
// an auditor (v1::ManifestFile), with the trust root alone.
//
// verify_manifest_file() accepts a manifest only when, in this order: the log checkpoint is
// signed by the EVIDENCE role; the inclusion proof shows leaf_hash(manifest bytes) at its
// index in exactly the checkpoint's tree; the station registration verifies under the trust
// root at the checkpoint's time; the manifest parses; its attestation is signed by that
// station's key and names the same station, serial, hardware id, bundle, event, result and
// time as the manifest. A revocation of the station (or its keys) refuses the manifest
// only when effective at or before the manifest's countersigned_unix (the signer's time,
// in the log); one effective later leaves a note in station->revocation_notes. Every refusal is kVerificationFailed and says what failed. Pure:
// no I/O, no clock; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

struct VerifiedManifest {
  v1::ProvisioningManifest manifest;
  v1::Attestation attestation;
  v1::LogCheckpoint checkpoint;
  StationId station_id;  // the registration's, which the manifest and attestation match
  std::uint64_t leaf_index = 0;
  Digest leaf_hash;
  std::optional<VerifiedStation> station;  // the registration, verified (always set)
};

// A manifest file's text (ManifestFile in protobuf JSON) read under the product's JSON rules
// (verifier/core/json_rules.h): a member given twice is refused, an unknown one ignored.
// `name` (the file) is in every error. kVerificationFailed when it is not a manifest file.
[[nodiscard]] Result<v1::ManifestFile> parse_manifest_file_json(std::string_view json,
                                                                std::string_view name);

[[nodiscard]] Result<VerifiedManifest> verify_manifest_file(const v1::ManifestFile& file,
                                                            const TrustedRoot& root);

}  // namespace hallmark::verifier
