// The release key under each name the formats give it (docs/native-formats.md "One key,
// four names"), and the one text rendering of that mapping that `hallmark-verify bundle`
// and `hallmark-signer bundle show` both print.
//
// key_id_mapping() (promoted_bundle.h) derives the mapping from a verified release key.
// recorded_key_id_mapping() only reads what promotion/release.json records — the key id,
// the CKA_ID and the native images' key digests — without checking any signature: the
// caller must say so to the reader. Pure; no I/O. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "hallmark/release.pb.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

struct BundleContents;

struct KeyIdMapping {
  std::string dsse_key_id;                             // SHA-256 of the SPKI, hex
  std::string ckaid_hex;                               // CKA_ID in the signer HSM (as promoted)
  std::optional<verifier::Digest> esp32_efuse_digest;  // SHA-256 of the SBv2 key fields
  std::optional<verifier::Digest> mcuboot_key_hash;    // IMAGE_TLV_KEYHASH (P-256 only)
};

// The mapping as a PromotedRelease records it (key digests from its native images).
// kVerificationFailed when a native image's key digest is not 32 bytes or two images of
// one format disagree.
[[nodiscard]] Result<KeyIdMapping> recorded_key_id_mapping(const v1::PromotedRelease& release);

// The mapping recorded in a bundle's promotion/release.json; nullopt when the bundle is
// not promoted. kVerificationFailed when release.json is not a PromotedRelease envelope.
[[nodiscard]] Result<std::optional<KeyIdMapping>> recorded_key_id_mapping(
    const BundleContents& contents);

// "Release key id mapping" and one line per name.
[[nodiscard]] std::string render_key_id_mapping(const KeyIdMapping& mapping);

}  // namespace hallmark::bundle
