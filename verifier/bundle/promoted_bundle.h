// Verifying a promoted bundle (docs/release.md): everything a station or an auditor needs
// to trust it, from the trust root they pinned and nothing else.
//
// verify_promoted_bundle() reads the archive once (read_bundle: every image digest, entry
// names, the Bundle's rules) and then checks, in this order: the trust-root chain carried
// as promotion/trust-root-vN.json extends the caller's Trust (versions after its newest
// are appended to its inputs and load_trust() runs again: same pin, same revocations,
// same reference time `now_unix`; the caller's newest version must be identical to the
// carried one); the bundle digest is not revoked;
// promotion/release.json is a PromotedRelease signed by the RELEASE role whose bundle
// digest, SKU, version, security counter and trust-root version/digest match, promoted no
// later than `now_unix`; the approvals (promotion/approval-K.json) pass check_approvals()
// at the promotion time and are exactly the ones the release names; the channel rule
// (check_channel: every approval approved the release's channel, one of
// `accepted_channels` when that is not empty); every non-raw image
// has exactly one native image, present, of the listed size and SHA-256, made from that
// image's bytes, verifying under the release key in its format (ESP32 Secure Boot V2 with
// the eFuse key digest the release names, MCUboot with its key hash and the bundle's
// security counter), and no native entry is unaccounted for. Every refusal names the
// bundle file, the entry and the rule. Native images are held in memory while checked;
// images are streamed. Reads the bundle file only; no tokens, no clock. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hallmark/release.pb.h"
#include "verifier/bundle/bundle_rules.h"
#include "verifier/bundle/key_mapping.h"
#include "verifier/bundle/promotion_approvals.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trust.h"

namespace hallmark::bundle {

inline constexpr std::string_view kReleaseEntry = "promotion/release.json";

// "promotion/trust-root-v3.json", "promotion/approval-1.json" (K counts from 1).
[[nodiscard]] std::string trust_root_entry_name(std::uint64_t version);
[[nodiscard]] std::string approval_entry_name(std::size_t k);

struct VerifiedNativeImage {
  v1::NativeImage native;
  std::string entry;  // native/sha256-<hex>
};

// A promotion kept apart from its archive: the exact hallmark/bundle.pb bytes and the
// promotion/ entries (release, approvals, trust-root chain) as (name, bytes). Everything a
// release's approval rests on, without the image bytes (the signer's evidence store keeps
// this for station-software releases: signer/evidence/station_software.h).
struct PromotionRecord {
  Bytes bundle;
  std::vector<std::pair<std::string, Bytes>> entries;
};

struct VerifiedRelease {
  v1::Bundle bundle;
  verifier::Digest bundle_digest;
  v1::PromotedRelease release;
  std::uint64_t trust_root_version = 0;
  verifier::Digest anchor_digest;  // the pinned anchor it verified under
  ApprovalQuorum approvals;
  std::vector<VerifiedNativeImage> native_images;
  KeyIdMapping release_key;
  PromotionRecord promotion;  // what it was verified from, images apart
};

// kVerificationFailed / kPolicyRefused naming the entry and the rule; kIo when the file
// cannot be read. `trust` is the caller's (pinned anchor, revocations, reference time).
// Before any signature is checked the bundle's kind (release_kind, bundle_rules.h) must be
// `expected`: a station-software release is never accepted as firmware, nor the reverse.
[[nodiscard]] Result<VerifiedRelease> verify_promoted_release(
    const std::filesystem::path& path, const verifier::Trust& trust,
    std::span<const std::string> accepted_channels, ReleaseKind expected);

// Firmware for devices: what stations take in and program, and countersign compares with.
[[nodiscard]] Result<VerifiedRelease> verify_promoted_bundle(
    const std::filesystem::path& path, const verifier::Trust& trust,
    std::span<const std::string> accepted_channels);

// A station-software release (any channel): what countersign accepts as approved station
// software (signer/evidence/station_software.h).
[[nodiscard]] Result<VerifiedRelease> verify_station_software_release(
    const std::filesystem::path& path, const verifier::Trust& trust);

// A station-software release from its PromotionRecord, with every check of
// verify_promoted_release() but the image bytes' (its Bundle lists each image's digest and
// the programs' digests, under the bundle digest every signature names; it has no native
// images): the same chain, revocation, release-key and 2-of-3 quorum rules, the same
// bounds on promotion entries. `where` names the record in every refusal.
[[nodiscard]] Result<VerifiedRelease> verify_station_software_record(
    const PromotionRecord& record, const verifier::Trust& trust, const std::string& where);

// The key-id mapping of a release public key (CKA_ID as given).
[[nodiscard]] KeyIdMapping key_id_mapping(const verifier::PublicKey& key, std::string ckaid_hex);

// Text for people: what verified, approvals by whom, images and native images with
// digests, and the key-id mapping (render_key_id_mapping, key_mapping.h).
[[nodiscard]] std::string render_verified_release(const VerifiedRelease& release);

}  // namespace hallmark::bundle
