// ManifestFile verification: checkpoint, inclusion, station, then the manifest itself and
// the station's attestation it carries.
#include "verifier/log/manifest_file.h"

#include "verifier/core/time_format.h"

#include <fmt/format.h>

#include <climits>
#include <utility>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/json_rules.h"
#include "verifier/log/log_checkpoint.h"
#include "verifier/log/merkle.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::verifier {
namespace {

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kVerificationFailed, std::move(message));
}

Result<void> check_inclusion(const v1::ManifestFile& file, const VerifiedCheckpoint& checkpoint,
                             const Digest& leaf) {
  const v1::InclusionProof& inclusion = file.inclusion();
  if (inclusion.tree_size() != checkpoint.checkpoint.tree_size()) {
    return refuse(fmt::format(
        "inclusion proof is for a tree of {} leaves but the checkpoint signs a tree of {}: the "
        "proof and the checkpoint do not belong together; ask the signer for a fresh manifest "
        "file",
        inclusion.tree_size(), checkpoint.checkpoint.tree_size()));
  }
  auto hashes = digests_of(inclusion.hashes(), "inclusion proof");
  if (!hashes) return std::unexpected(std::move(hashes).error());
  if (!merkle::verify_inclusion(leaf, inclusion.leaf_index(), inclusion.tree_size(), *hashes,
                                checkpoint.root)) {
    return refuse(fmt::format(
        "the manifest is not in the evidence log: its inclusion proof at index {} does not lead "
        "to the checkpoint's root {} (tree size {}); the manifest or its proof was altered",
        inclusion.leaf_index(), checkpoint.root.hex(), inclusion.tree_size()));
  }
  return {};
}

Result<v1::Attestation> check_attestation(const v1::ProvisioningManifest& m,
                                          const VerifiedStation& station) {
  if (!m.has_attestation_envelope()) return refuse("the manifest carries no attestation");
  const PublicKey keys[] = {station.enrollment.station_key};
  auto verified = verify_envelope(m.attestation_envelope(), keys, 1, payload_type_of("attestation"));
  if (!verified) {
    return refuse(fmt::format("the manifest's attestation is not signed by station '{}': {}",
                              station.registration.station_id(), verified.error().message));
  }
  auto a = parse_verified<v1::Attestation>(*verified);
  if (!a) return std::unexpected(std::move(a).error().context("the manifest's attestation"));
  auto differs = [&](const char* field, const std::string& signed_value,
                     const std::string& manifest_value) {
    return refuse(fmt::format(
        "the station's attestation says {} '{}' but the manifest says '{}': the manifest does "
        "not describe what the station signed",
        field, signed_value, manifest_value));
  };
  if (a->station_id() != m.station_id()) return differs("station", a->station_id(), m.station_id());
  if (a->serial() != m.serial()) return differs("serial", a->serial(), m.serial());
  if (a->hardware_id() != m.hardware_id()) {
    return differs("hardware id", a->hardware_id(), m.hardware_id());
  }
  if (a->bundle_digest() != m.bundle_digest()) {
    return differs("bundle digest", to_hex(as_bytes(a->bundle_digest())),
                   to_hex(as_bytes(m.bundle_digest())));
  }
  if (a->event() != m.event()) {
    return differs("event", v1::Attestation::Event_Name(a->event()),
                   v1::Attestation::Event_Name(m.event()));
  }
  if (a->result() != m.result()) {
    return differs("result", v1::Attestation::Result_Name(a->result()),
                   v1::Attestation::Result_Name(m.result()));
  }
  if (a->time_unix() != m.event_unix()) {
    return differs("time", hallmark::verifier::format_utc(a->time_unix()), hallmark::verifier::format_utc(m.event_unix()));
  }
  // The station signs each event for the journal record it takes: an attestation placed
  // under another record is a copy (a replayed break-glass, log-in or unit).
  if (a->monotonic_counter() != m.station_sequence()) {
    return refuse(fmt::format(
        "the station signed this event for its journal record {}, but the manifest places it at "
        "record {}: a copied record is not evidence",
        a->monotonic_counter(), m.station_sequence()));
  }
  return std::move(*a);
}

}  // namespace

Result<v1::ManifestFile> parse_manifest_file_json(std::string_view json, std::string_view name) {
  v1::ManifestFile file;
  if (auto ok = parse_json_message(json, file, name); !ok) {
    return refuse(ok.error().message +
                  " (a manifest file is a ManifestFile in protobuf JSON, docs/formats.md)");
  }
  return file;
}

Result<VerifiedManifest> verify_manifest_file(const v1::ManifestFile& file,
                                              const TrustedRoot& root) {
  auto checkpoint = verify_log_checkpoint(file.checkpoint_envelope(), root);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error());

  const Digest leaf = merkle::leaf_hash(as_bytes(file.manifest()));
  if (auto included = check_inclusion(file, *checkpoint, leaf); !included) {
    return std::unexpected(std::move(included).error());
  }

  auto registration_envelope = parse_envelope_json(file.station_registration());
  if (!registration_envelope) {
    return refuse("the station registration is not a DSSE envelope: " +
                  registration_envelope.error().message);
  }
  // The leaf is proven in the EVIDENCE-signed log: its countersigned_unix is the signer's
  // clock, which a station cannot set. Revocations are judged by it (docs/design.md).
  v1::ProvisioningManifest manifest;
  if (file.manifest().size() > static_cast<std::size_t>(INT_MAX) ||
      !manifest.ParseFromString(file.manifest())) {
    return refuse("the log entry is not a ProvisioningManifest");
  }
  const std::int64_t at = checkpoint->checkpoint.time_unix();
  auto station =
      verify_station_registration(*registration_envelope, root, at, manifest.countersigned_unix());
  if (!station) {
    return refuse(fmt::format("the station registration does not verify at the checkpoint's "
                              "time {}: {}",
                              at, station.error().message));
  }
  if (manifest.station_id() != station->registration.station_id()) {
    return refuse(fmt::format("the manifest names station '{}' but the registration given is "
                              "for station '{}'; include that station's registration",
                              manifest.station_id(), station->registration.station_id()));
  }
  auto attestation = check_attestation(manifest, *station);
  if (!attestation) return std::unexpected(std::move(attestation).error());

  VerifiedManifest out;
  out.manifest = std::move(manifest);
  out.attestation = std::move(*attestation);
  out.checkpoint = std::move(checkpoint->checkpoint);
  out.station_id = StationId(station->registration.station_id());
  out.leaf_index = file.inclusion().leaf_index();
  out.leaf_hash = leaf;
  out.station = std::move(*station);
  return out;
}

}  // namespace hallmark::verifier
