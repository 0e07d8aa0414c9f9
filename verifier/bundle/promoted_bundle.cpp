#include "verifier/bundle/promoted_bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "verifier/bundle/bundle_reader.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"

namespace hallmark::bundle {
namespace {

using verifier::Digest;

Error refuse(ErrorCode code, const std::string& entry, const std::string& rule) {
  return Error{code, entry + ": " + rule, 0, {}};
}
std::unexpected<Error> bad(const std::string& entry, const std::string& rule) {
  return std::unexpected(refuse(ErrorCode::kVerificationFailed, entry, rule));
}

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// "<prefix><number><suffix>" → number.
std::optional<std::uint64_t> number_in(std::string_view name, std::string_view prefix,
                                       std::string_view suffix) {
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
  const std::string_view digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      digits.front() == '0') {
    return std::nullopt;
  }
  return value;
}

struct PromotionEntries {
  std::map<std::uint64_t, NamedEnvelope> chain;  // by version
  std::vector<NamedEnvelope> approvals;          // by K
  std::optional<NamedEnvelope> release;
};

Result<PromotionEntries> sort_entries(const BundleContents& contents) {
  PromotionEntries out;
  std::map<std::uint64_t, NamedEnvelope> approvals;
  for (const auto& entry : contents.entries) {
    if (entry.kind != EntryKind::kPromotion) continue;
    auto envelope = verifier::parse_envelope_json(as_chars(*entry.bytes));
    if (!envelope) return bad(entry.name, "not a DSSE envelope: " + envelope.error().message);
    NamedEnvelope named{entry.name, std::move(*envelope)};
    if (entry.name == kReleaseEntry) {
      out.release = std::move(named);
    } else if (auto v = number_in(entry.name, "promotion/trust-root-v", ".json")) {
      out.chain.emplace(*v, std::move(named));
    } else if (auto k = number_in(entry.name, "promotion/approval-", ".json")) {
      approvals.emplace(*k, std::move(named));
    } else {
      return bad(entry.name, "is not a promotion entry this verifier knows");
    }
  }
  for (auto& [k, named] : approvals) out.approvals.push_back(std::move(named));
  if (!out.release) return bad(std::string(kReleaseEntry), "missing: the bundle is not promoted");
  if (out.chain.empty()) return bad("promotion/trust-root-v*.json", "missing: no trust root");
  return out;
}

// The carried chain extends `root` (the caller's anchor).
Result<void> extend_chain(verifier::TrustedRoot& root, const PromotionEntries& entries) {
  for (const auto& [version, named] : entries.chain) {
    if (version < root.version()) continue;  // older than what the caller trusts
    if (version == root.version()) {
      auto digest = verifier::sha256(as_bytes(named.envelope.payload()));
      if (!digest || *digest != root.current_digest()) {
        return bad(named.name, fmt::format("differs from the trust root v{} you pinned",
                                           root.version()));
      }
      continue;
    }
    if (auto ok = root.update(named.envelope); !ok) {
      return std::unexpected(std::move(ok).error().context(named.name));
    }
    if (root.version() != version) {
      return bad(named.name, fmt::format("holds trust root v{}", root.version()));
    }
  }
  return {};
}

Result<std::pair<v1::PromotedRelease, verifier::PublicKey>> check_release(
    const verifier::TrustedRoot& root, const NamedEnvelope& named, const BundleContents& c) {
  auto verified = root.verify(named.envelope, v1::RELEASE, kPromotedReleaseType);
  if (!verified) {
    return bad(named.name, "not signed by the RELEASE key of trust root v" +
                               std::to_string(root.version()) + ": " +
                               verified.error().message);
  }
  auto release = verifier::parse_verified<v1::PromotedRelease>(verified->first);
  if (!release) return bad(named.name, release.error().message);
  const v1::PromotedRelease& r = *release;
  const v1::Bundle& b = c.bundle;
  if (!same(as_bytes(r.bundle_digest()), c.bundle_digest.bytes())) {
    return bad(named.name, "signs bundle digest " + to_hex(as_bytes(r.bundle_digest())) +
                               ", not hallmark/bundle.pb (" + c.bundle_digest.hex() + ")");
  }
  if (r.sku() != b.sku() || r.version() != b.version() ||
      r.security_counter() != b.security_counter()) {
    return bad(named.name, fmt::format("names SKU '{}' version '{}' counter {}, the manifest "
                                       "SKU '{}' version '{}' counter {}",
                                       r.sku(), r.version(), r.security_counter(), b.sku(),
                                       b.version(), b.security_counter()));
  }
  if (r.trust_root_version() != root.version() ||
      !same(as_bytes(r.trust_root_digest()), root.current_digest().bytes())) {
    return bad(named.name, fmt::format("was promoted under trust root v{}, but the chain ends "
                                       "at v{} (digest {})",
                                       r.trust_root_version(), root.version(),
                                       root.current_digest().hex()));
  }
  const std::string& key_id = verified->second.key_ids.front();
  if (!r.release_key_id().empty() && r.release_key_id() != key_id) {
    return bad(named.name, "names release key " + r.release_key_id() + " but was signed by " +
                               key_id);
  }
  auto key = root.key(key_id);
  if (!key) return std::unexpected(std::move(key).error().context(named.name));
  return std::pair{r, std::move(*key)};
}

Result<void> check_approval_digests(const v1::PromotedRelease& r, const ApprovalQuorum& q) {
  std::vector<std::string> signed_digests(r.approval_digests().begin(),
                                          r.approval_digests().end());
  std::vector<std::string> carried;
  for (const auto& a : q.approvals) carried.emplace_back(as_chars(a.payload_digest.bytes()));
  std::sort(signed_digests.begin(), signed_digests.end());
  std::sort(carried.begin(), carried.end());
  if (signed_digests != carried) {
    return bad(std::string(kReleaseEntry),
               fmt::format("names {} approval(s) but the bundle carries {} that differ: the "
                           "approvals were added, removed or replaced after promotion",
                           signed_digests.size(), carried.size()));
  }
  return {};
}

Result<void> check_esp32(ByteView bytes, const v1::Image& image, const v1::NativeImage& n,
                         const verifier::PublicKey& key, const std::string& entry) {
  auto info = native::verify_esp32_sbv2(bytes, key);
  if (!info) return bad(entry, "ESP32 Secure Boot V2 signature: " + info.error().message);
  if (!same(info->key_digest.bytes(), as_bytes(n.key_digest()))) {
    return bad(entry, "the eFuse key digest differs from the one the release names");
  }
  if (image.size() > info->image_size) return bad(entry, "is shorter than image " + image.name());
  const auto body = bytes.first(image.size());
  auto digest = verifier::sha256(body);
  if (!digest || !same(digest->bytes(), as_bytes(image.sha256()))) {
    return bad(entry, "was not made from image " + image.name() + " of the manifest");
  }
  const auto pad = bytes.subspan(image.size(), info->image_size - image.size());
  if (!std::all_of(pad.begin(), pad.end(), [](std::byte x) { return x == std::byte{0xff}; })) {
    return bad(entry, "padding before the signature sector is not 0xFF");
  }
  return {};
}

Result<void> check_mcuboot(ByteView bytes, const v1::Image& image, const v1::NativeImage& n,
                           const verifier::PublicKey& key, std::uint64_t counter,
                           const std::string& entry) {
  auto info = native::verify_mcuboot(bytes, key);
  if (!info) return bad(entry, "MCUboot signature: " + info.error().message);
  if (!same(info->key_hash.bytes(), as_bytes(n.key_digest()))) {
    return bad(entry, "the MCUboot key hash differs from the one the release names");
  }
  if (!info->security_counter || *info->security_counter != counter) {
    return bad(entry, fmt::format("the MCUboot security counter is not the bundle's ({})",
                                  counter));
  }
  // The body is the image itself (header prepended) or follows a header area the build
  // reserved as zeros (header written over them).
  const std::size_t hdr = info->header_size;
  verifier::Sha256 h;
  if (info->image_size == image.size()) {
    h.update(bytes.subspan(hdr, info->image_size));
  } else if (info->image_size + hdr == image.size()) {
    const Bytes zeros(hdr, std::byte{0});
    h.update(zeros);
    h.update(bytes.subspan(hdr, info->image_size));
  } else {
    return bad(entry, "its body size does not match image " + image.name());
  }
  auto digest = h.finish();
  if (!digest || !same(digest->bytes(), as_bytes(image.sha256()))) {
    return bad(entry, "was not made from image " + image.name() + " of the manifest");
  }
  return {};
}

Result<std::vector<VerifiedNativeImage>> check_native(
    const BundleContents& c, const v1::PromotedRelease& r, const verifier::PublicKey& key,
    const std::map<std::string, Bytes>& native_bytes) {
  std::vector<VerifiedNativeImage> out;
  std::map<std::string, const v1::NativeImage*> by_image;
  for (const auto& n : r.native_images()) {
    if (!by_image.emplace(n.image(), &n).second) {
      return bad(std::string(kReleaseEntry), "lists image " + n.image() + " twice");
    }
  }
  std::size_t used = 0;
  for (const auto& image : c.bundle.images()) {
    auto it = by_image.find(image.name());
    if (image.format() == v1::IMAGE_FORMAT_RAW) {
      if (it != by_image.end()) {
        return bad(std::string(kReleaseEntry), "lists a native image for raw image " +
                                                   image.name());
      }
      continue;
    }
    if (it == by_image.end()) {
      return bad(std::string(kReleaseEntry), "has no native image for " + image.name() + " (" +
                                                 v1::ImageFormat_Name(image.format()) + ")");
    }
    const v1::NativeImage& n = *it->second;
    ++used;
    auto digest = Digest::from_bytes(as_bytes(n.sha256()));
    if (!digest) return bad(std::string(kReleaseEntry), "bad native digest for " + image.name());
    const std::string entry = native_entry_name(*digest);
    const BundleEntry* present = c.find(entry);
    auto bytes = native_bytes.find(entry);
    if (present == nullptr || bytes == native_bytes.end()) {
      return bad(entry, "missing (native image of " + image.name() + ")");
    }
    if (n.format() != image.format() || present->size != n.size()) {
      return bad(entry, "format or size differs from what the release names");
    }
    Result<void> ok;
    if (image.format() == v1::ESP32_SECURE_BOOT_V2) {
      ok = check_esp32(bytes->second, image, n, key, entry);
    } else if (image.format() == v1::MCUBOOT) {
      ok = check_mcuboot(bytes->second, image, n, key, c.bundle.security_counter(), entry);
    } else {
      ok = bad(entry, "unknown native format");
    }
    if (!ok) return std::unexpected(ok.error());
    out.push_back({n, entry});
  }
  if (used != by_image.size()) {
    return bad(std::string(kReleaseEntry), "lists a native image for an image not in the bundle");
  }
  for (const auto& e : c.entries) {
    if (e.kind == EntryKind::kNative &&
        std::none_of(out.begin(), out.end(), [&](const auto& v) { return v.entry == e.name; })) {
      return bad(e.name, "is not named by the release");
    }
  }
  return out;
}

}  // namespace

std::string trust_root_entry_name(std::uint64_t version) {
  return fmt::format("promotion/trust-root-v{}.json", version);
}
std::string approval_entry_name(std::size_t k) {
  return fmt::format("promotion/approval-{}.json", k);
}

Result<VerifiedRelease> verify_promoted_bundle(const std::filesystem::path& path,
                                               verifier::TrustedRoot root, std::int64_t now_unix) {
  std::map<std::string, Bytes> native_bytes;
  ReadOptions options;
  options.on_block = [&native_bytes](const BundleEntry& entry, ByteView block) {
    if (entry.kind != EntryKind::kNative) return;
    Bytes& b = native_bytes[entry.name];
    b.insert(b.end(), block.begin(), block.end());
  };
  auto contents = read_bundle(path, options);
  if (!contents) return std::unexpected(contents.error());
  const std::string file = path.string();
  auto in_file = [&file](Error e) { return std::unexpected(std::move(e).context(file)); };

  auto entries = sort_entries(*contents);
  if (!entries) return in_file(entries.error());
  if (auto ok = extend_chain(root, *entries); !ok) return in_file(ok.error());
  if (auto fresh = root.check_fresh(now_unix); !fresh) return in_file(fresh.error());
  if (root.bundle_revoked(contents->bundle_digest.bytes())) {
    return in_file(refuse(ErrorCode::kPolicyRefused, std::string(kBundleEntry),
                          "bundle digest " + contents->bundle_digest.hex() + " is revoked"));
  }
  auto release = check_release(root, *entries->release, *contents);
  if (!release) return in_file(release.error());
  const v1::PromotedRelease& r = release->first;
  if (r.promoted_unix() > now_unix) {
    return in_file(refuse(ErrorCode::kVerificationFailed, std::string(kReleaseEntry),
                          fmt::format("promoted at {}, after the verification time {}",
                                      r.promoted_unix(), now_unix)));
  }
  const ApprovalSubject subject{contents->bundle_digest, contents->bundle.sku(),
                                contents->bundle.version(), contents->bundle.requester(),
                                r.promoted_unix()};
  auto quorum = check_approvals(root, entries->approvals, subject);
  if (!quorum) return in_file(quorum.error());
  if (auto ok = check_approval_digests(r, *quorum); !ok) return in_file(ok.error());
  auto native = check_native(*contents, r, release->second, native_bytes);
  if (!native) return in_file(native.error());

  VerifiedRelease out;
  out.bundle = contents->bundle;
  out.bundle_digest = contents->bundle_digest;
  out.release = r;
  out.trust_root_version = root.version();
  out.approvals = std::move(*quorum);
  out.native_images = std::move(*native);
  out.release_key = key_id_mapping(release->second, to_hex(as_bytes(r.release_key_ckaid())));
  return out;
}

KeyIdMapping key_id_mapping(const verifier::PublicKey& key, std::string ckaid_hex) {
  KeyIdMapping m;
  m.dsse_key_id = key.key_id();
  m.ckaid_hex = std::move(ckaid_hex);
  if (auto d = native::esp32_key_digest(key)) m.esp32_efuse_digest = *d;
  if (auto h = native::mcuboot_key_hash(key)) m.mcuboot_key_hash = *h;
  return m;
}

}  // namespace hallmark::bundle
