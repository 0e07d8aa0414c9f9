#include "verifier/bundle/promoted_bundle.h"

#include "verifier/core/time_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <charconv>
#include <map>

#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/entry_refusal.h"
#include "verifier/bundle/native_image_check.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/software_token.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"

namespace hallmark::bundle {
namespace {

using verifier::Digest;

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

// The caller's Trust extended by the versions the bundle carries after its newest: the
// same load_trust(), with the same pin, revocations and reference time.
Result<verifier::Trust> extend_chain(const verifier::Trust& pinned,
                                     const PromotionEntries& entries) {
  const std::uint64_t have = pinned.root().version();
  verifier::TrustInputs inputs = pinned.inputs();
  bool longer = false;
  for (const auto& [version, named] : entries.chain) {
    if (version < have) continue;  // older than what the caller trusts
    if (version == have) {
      auto digest = verifier::sha256(as_bytes(named.envelope.payload()));
      if (!digest || *digest != pinned.root().current_digest()) {
        return bad(named.name, fmt::format("differs from the trust root v{} you pinned", have));
      }
      continue;
    }
    inputs.chain.push_back({named.name, named.envelope});
    longer = true;
  }
  if (!longer) return pinned;
  auto extended = verifier::load_trust(std::move(inputs));
  if (!extended) return std::unexpected(extended.error());
  std::uint64_t expected = have;
  for (const auto& [version, named] : entries.chain) {
    if (version <= have) continue;
    if (version != ++expected) {
      return bad(named.name, fmt::format("holds trust root v{}", expected));
    }
  }
  return extended;
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
  if (auto ok = verifier::check_software_token_claim(r.release_token(), named.name); !ok) {
    return std::unexpected(ok.error());
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

}  // namespace

std::string trust_root_entry_name(std::uint64_t version) {
  return fmt::format("promotion/trust-root-v{}.json", version);
}
std::string approval_entry_name(std::size_t k) {
  return fmt::format("promotion/approval-{}.json", k);
}

Result<VerifiedRelease> verify_promoted_bundle(const std::filesystem::path& path,
                                               const verifier::Trust& pinned,
                                               std::span<const std::string> accepted_channels) {
  return verify_promoted_release(path, pinned, accepted_channels, ReleaseKind::kFirmware);
}

Result<VerifiedRelease> verify_station_software_release(const std::filesystem::path& path,
                                                        const verifier::Trust& pinned) {
  return verify_promoted_release(path, pinned, {}, ReleaseKind::kStationSoftware);
}

namespace {

// Everything after the archive was read: the bundle's kind, the trust-root chain, the
// revocation, the release, the approvals, the channel and (given `native_checks`) the
// native images. `file` names the archive (or the stored record) in every refusal.
Result<VerifiedRelease> verify_contents(const BundleContents& contents,
                                        const verifier::Trust& pinned,
                                        std::span<const std::string> accepted_channels,
                                        ReleaseKind expected,
                                        const NativeImageChecks& native_checks,
                                        const std::string& file) {
  const std::int64_t now_unix = pinned.now_unix();
  auto in_file = [&file](Error e) { return std::unexpected(std::move(e).context(file)); };
  if (const ReleaseKind kind = release_kind(contents.bundle); kind != expected) {
    return in_file(refuse(ErrorCode::kPolicyRefused, std::string(kBundleEntry),
                          fmt::format("the bundle is {} (SKU '{}'), not {}: it cannot be "
                                      "accepted as one",
                                      release_kind_name(kind), contents.bundle.sku(),
                                      release_kind_name(expected))));
  }

  auto entries = sort_entries(contents);
  if (!entries) return in_file(entries.error());
  auto trust = extend_chain(pinned, *entries);
  if (!trust) return in_file(trust.error());
  const verifier::TrustedRoot& root = trust->root();
  if (auto ok = trust->refuse_revoked_bundle(contents.bundle_digest.bytes()); !ok) {
    return in_file(refuse(ErrorCode::kPolicyRefused, std::string(kBundleEntry),
                          ok.error().message));
  }
  auto release = check_release(root, *entries->release, contents);
  if (!release) return in_file(release.error());
  const v1::PromotedRelease& r = release->first;
  if (r.promoted_unix() > now_unix) {
    return in_file(refuse(ErrorCode::kVerificationFailed, std::string(kReleaseEntry),
                          fmt::format("promoted at {}, after the verification time {}",
                                      verifier::format_utc(r.promoted_unix()),
                                      verifier::format_utc(now_unix))));
  }
  const ApprovalSubject subject{contents.bundle_digest, contents.bundle.sku(),
                                contents.bundle.version(), contents.bundle.requester(),
                                r.promoted_unix()};
  auto quorum = check_approvals(root, entries->approvals, subject);
  if (!quorum) return in_file(quorum.error());
  if (auto ok = check_approval_digests(r, *quorum); !ok) return in_file(ok.error());
  if (auto ok = check_channel(r.channel(), *quorum, accepted_channels); !ok) {
    return in_file(refuse(ok.error().code, std::string(kReleaseEntry), ok.error().message));
  }
  auto native = native_checks.check(contents, r, release->second);
  if (!native) return in_file(native.error());

  VerifiedRelease out;
  out.bundle = contents.bundle;
  out.bundle_digest = contents.bundle_digest;
  out.release = r;
  out.trust_root_version = root.version();
  out.anchor_digest = trust->anchor_digest();
  out.approvals = std::move(*quorum);
  out.native_images = std::move(*native);
  out.release_key = key_id_mapping(release->second, to_hex(as_bytes(r.release_key_ckaid())));
  out.promotion.bundle = contents.bundle_bytes;
  for (const auto& entry : contents.entries) {
    if (entry.kind == EntryKind::kPromotion && entry.bytes) {
      out.promotion.entries.emplace_back(entry.name, *entry.bytes);
    }
  }
  return out;
}

}  // namespace

Result<VerifiedRelease> verify_promoted_release(const std::filesystem::path& path,
                                                const verifier::Trust& pinned,
                                                std::span<const std::string> accepted_channels,
                                                ReleaseKind expected) {
  // Native images are verified as they stream past; their bytes are never kept.
  NativeImageChecks native_checks;
  ReadOptions options;
  options.digester = [&native_checks](const BundleEntry& entry, std::uint64_t size,
                                      const v1::Bundle& bundle) -> EntryDigester* {
    return native_checks.digester(entry, size, bundle);
  };
  auto contents = read_bundle(path, options);
  if (!contents) return std::unexpected(contents.error());
  return verify_contents(*contents, pinned, accepted_channels, expected, native_checks,
                         path.string());
}

Result<VerifiedRelease> verify_station_software_record(const PromotionRecord& record,
                                                       const verifier::Trust& pinned,
                                                       const std::string& where) {
  auto in_record = [&where](Error e) { return std::unexpected(std::move(e).context(where)); };
  BundleContents contents;
  contents.path = where;
  if (!contents.bundle.ParseFromArray(record.bundle.data(),
                                      static_cast<int>(record.bundle.size()))) {
    return in_record(refuse(ErrorCode::kVerificationFailed, std::string(kBundleEntry),
                            "is not a valid hallmark.v1.Bundle message"));
  }
  if (auto ok = check_bundle_rules(contents.bundle); !ok) {
    return in_record(refuse(ok.error().code, std::string(kBundleEntry), ok.error().message));
  }
  auto digest = verifier::sha256(record.bundle);
  if (!digest) return std::unexpected(digest.error());
  contents.bundle_bytes = record.bundle;
  contents.bundle_digest = *digest;
  // The same bounds the archive reader puts on promotion entries.
  if (record.entries.size() > kMaxPromotionEntries) {
    return in_record(refuse(ErrorCode::kVerificationFailed, std::string(kPromotionPrefix),
                            fmt::format("{} promotion entries, more than {}",
                                        record.entries.size(), kMaxPromotionEntries)));
  }
  for (const auto& [name, bytes] : record.entries) {
    if (!name.starts_with(kPromotionPrefix) || bytes.size() > kMaxPromotionEntryBytes) {
      return in_record(refuse(ErrorCode::kVerificationFailed, name,
                              fmt::format("is not a promotion entry of at most {} bytes",
                                          kMaxPromotionEntryBytes)));
    }
    BundleEntry entry;
    entry.name = name;
    entry.kind = EntryKind::kPromotion;
    entry.size = bytes.size();
    entry.bytes = bytes;
    contents.entries.push_back(std::move(entry));
  }
  // A station-software release has raw images only: no native image to check, and the
  // package bytes are not needed (their programs' digests are in the Bundle, which the
  // bundle digest covers).
  const NativeImageChecks no_native_images;
  return verify_contents(contents, pinned, {}, ReleaseKind::kStationSoftware,
                         no_native_images, where);
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
