#include "verifier/bundle/key_mapping.h"

#include <fmt/format.h>

#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/bytes.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"

namespace hallmark::bundle {
namespace {

Error bad_release(const std::string& rule) {
  return Error{ErrorCode::kVerificationFailed, std::string(kReleaseEntry) + ": " + rule, 0, {}};
}

// Sets `slot` to the image's key digest, refusing one that is not 32 bytes or differs from
// the one already set.
Result<void> record_digest(std::optional<verifier::Digest>& slot, const v1::NativeImage& image) {
  if (image.key_digest().empty()) return {};
  auto digest = verifier::Digest::from_bytes(as_bytes(image.key_digest()));
  if (!digest) {
    return std::unexpected(bad_release(fmt::format(
        "native image of {} records a key digest that is not 32 bytes", image.image())));
  }
  if (slot && *slot != *digest) {
    return std::unexpected(bad_release(
        fmt::format("native image of {} records key digest {}, another image of its format {}",
                    image.image(), digest->hex(), slot->hex())));
  }
  slot = *digest;
  return {};
}

}  // namespace

Result<KeyIdMapping> recorded_key_id_mapping(const v1::PromotedRelease& release) {
  KeyIdMapping m;
  m.dsse_key_id = release.release_key_id();
  m.ckaid_hex = to_hex(as_bytes(release.release_key_ckaid()));
  for (const auto& image : release.native_images()) {
    if (image.format() == v1::ESP32_SECURE_BOOT_V2) {
      if (auto ok = record_digest(m.esp32_efuse_digest, image); !ok) {
        return std::unexpected(ok.error());
      }
    } else if (image.format() == v1::MCUBOOT) {
      if (auto ok = record_digest(m.mcuboot_key_hash, image); !ok) {
        return std::unexpected(ok.error());
      }
    }
  }
  return m;
}

Result<std::optional<KeyIdMapping>> recorded_key_id_mapping(const BundleContents& contents) {
  const Bytes* json = contents.small_entry(kReleaseEntry);
  if (json == nullptr) return std::optional<KeyIdMapping>();
  auto envelope = verifier::parse_envelope_json(as_chars(*json));
  if (!envelope) {
    return std::unexpected(bad_release("not a DSSE envelope: " + envelope.error().message));
  }
  if (envelope->payload_type() != verifier::payload_type_of(kPromotedReleaseType)) {
    return std::unexpected(bad_release("payload type is " + envelope->payload_type()));
  }
  v1::PromotedRelease release;
  if (!release.ParseFromString(envelope->payload())) {
    return std::unexpected(bad_release("payload is not a PromotedRelease"));
  }
  auto mapping = recorded_key_id_mapping(release);
  if (!mapping) return std::unexpected(mapping.error());
  // The release key itself is in the trust roots the bundle carries: every native
  // identifier is computed from it (as verification does), not only those of the formats
  // the bundle happens to hold. Shown, not trusted: verify checks the chain.
  for (const auto& entry : contents.entries) {
    if (entry.kind != EntryKind::kPromotion || !entry.bytes ||
        !entry.name.starts_with("promotion/trust-root-v")) {
      continue;
    }
    auto root_envelope = verifier::parse_envelope_json(as_chars(*entry.bytes));
    v1::TrustRoot root;
    if (!root_envelope || !root.ParseFromString(root_envelope->payload())) continue;
    for (const auto& key : root.keys()) {
      if (key.key_id() != release.release_key_id()) continue;
      auto parsed = verifier::PublicKey::from_proto(key);
      if (!parsed || parsed->key_id() != release.release_key_id()) continue;
      KeyIdMapping computed = key_id_mapping(*parsed, mapping->ckaid_hex);
      // A recorded digest that differs from the key's is the bundle's claim: keep it, as
      // verify would refuse the bundle anyway.
      if (mapping->esp32_efuse_digest) computed.esp32_efuse_digest = mapping->esp32_efuse_digest;
      if (mapping->mcuboot_key_hash) computed.mcuboot_key_hash = mapping->mcuboot_key_hash;
      return std::optional<KeyIdMapping>(std::move(computed));
    }
  }
  return std::optional<KeyIdMapping>(std::move(*mapping));
}

std::string render_key_id_mapping(const KeyIdMapping& m) {
  std::string out = "Release key id mapping\n";
  out += fmt::format("  DSSE key id (SHA-256 of SPKI)     {}\n",
                     m.dsse_key_id.empty() ? "(not recorded)" : m.dsse_key_id);
  out += fmt::format("  PKCS#11 CKA_ID                    {}\n",
                     m.ckaid_hex.empty() ? "(not recorded)" : m.ckaid_hex);
  out += fmt::format("  ESP32 eFuse key digest (SBv2)     {}\n",
                     m.esp32_efuse_digest ? m.esp32_efuse_digest->hex() : "(the release key is not an ESP32 Secure Boot V2 key)");
  out += fmt::format("  MCUboot key hash (KEYHASH TLV)    {}\n",
                     m.mcuboot_key_hash ? m.mcuboot_key_hash->hex() : "(the release key is not an MCUboot key)");
  return out;
}

}  // namespace hallmark::bundle
