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
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/software_token.h"
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

// One native entry checked while it streams past (read_bundle() hashes it through this
// object, so its bytes are hashed once and never kept): the format is told by the first
// four bytes (MCUboot magic, else ESP32), the format stream hashes and keeps only what its
// format needs, and the bundle rules (made from a manifest image, 0xFF padding) take
// prefix digests and counts along the way, for every manifest image the entry might be.
class NativeEntryCheck final : public EntryDigester {
 public:
  NativeEntryCheck(std::uint64_t size, const v1::Bundle& bundle) : size_(size) {
    for (const auto& image : bundle.images()) {
      if (image.format() == v1::ESP32_SECURE_BOOT_V2) esp32_sizes_.push_back(image.size());
      if (image.format() == v1::MCUBOOT) mcuboot_sizes_.push_back(image.size());
    }
  }

  void update(ByteView block) override {
    while (!block.empty() && !started()) {  // the first four bytes choose the format
      lead_[lead_size_++] = block.front();
      block = block.subspan(1);
      if (lead_size_ == lead_.size() || lead_size_ == size_) start();
    }
    if (block.empty()) return;
    const std::uint64_t at = position();
    feed(block, at);
  }

  Result<Digest> finish() override {
    if (!started()) start();
    return esp32_ ? esp32_->finish() : mcuboot_->finish();
  }

  Result<void> check_esp32(const v1::Image& image, const v1::NativeImage& n,
                           const verifier::PublicKey& key, const std::string& entry) const {
    if (!esp32_) {
      return bad(entry, "ESP32 Secure Boot V2 signature: the image starts with the MCUboot "
                        "magic; it is not an ESP32 image");
    }
    auto info = esp32_->verify(key);
    if (!info) return bad(entry, "ESP32 Secure Boot V2 signature: " + info.error().message);
    if (!same(info->key_digest.bytes(), as_bytes(n.key_digest()))) {
      return bad(entry, "the eFuse key digest differs from the one the release names");
    }
    if (image.size() > info->image_size) {
      return bad(entry, "is shorter than image " + image.name());
    }
    auto digest = esp32_->prefix_digest(image.size());
    if (!digest || !same(digest->bytes(), as_bytes(image.sha256()))) {
      return bad(entry, "was not made from image " + image.name() + " of the manifest");
    }
    if (trailing_ff_ < info->image_size - image.size()) {
      return bad(entry, "padding before the signature sector is not 0xFF");
    }
    return {};
  }

  Result<void> check_mcuboot(const v1::Image& image, const v1::NativeImage& n,
                             const verifier::PublicKey& key, std::uint64_t counter,
                             const std::string& entry) const {
    if (!mcuboot_) {
      return bad(entry, fmt::format("MCUboot signature: not an MCUboot image: magic 0x{:08x}, "
                                    "expected 0x{:08x}", lead_word(), native::mcuboot::kImageMagic));
    }
    auto info = mcuboot_->verify(key);
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
    const std::optional<Digest>* digest = nullptr;
    if (info->image_size == image.size()) {
      digest = &body_digest_;
    } else if (std::uint64_t{info->image_size} + info->header_size == image.size()) {
      digest = &zero_header_digest_;
    } else {
      return bad(entry, "its body size does not match image " + image.name());
    }
    if (!digest->has_value() || !same((*digest)->bytes(), as_bytes(image.sha256()))) {
      return bad(entry, "was not made from image " + image.name() + " of the manifest");
    }
    return {};
  }

 private:
  [[nodiscard]] bool started() const noexcept { return esp32_ || mcuboot_; }
  [[nodiscard]] std::uint64_t position() const noexcept { return position_; }
  [[nodiscard]] std::uint32_t lead_word() const noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = lead_size_; i-- > 0;) {
      v = (v << 8) | std::to_integer<std::uint32_t>(lead_[i]);
    }
    return v;
  }

  void start() {
    if (lead_size_ == lead_.size() && lead_word() == native::mcuboot::kImageMagic) {
      mcuboot_.emplace(size_);
    } else {
      esp32_.emplace(size_);
      for (auto length : esp32_sizes_) esp32_->add_prefix_digest(length);
    }
    const std::size_t n = lead_size_;
    position_ = 0;
    feed(ByteView(lead_).first(n), 0);
  }

  void feed(ByteView block, std::uint64_t at) {
    position_ = at + block.size();
    if (esp32_) {
      esp32_->update(block);
      count_trailing_ff(block, at);
      return;
    }
    mcuboot_->update(block);
    const auto& header = mcuboot_->header();
    if (!header) return;
    if (!body_) start_body(*header);
    // The body [hdr, hdr + img) feeds the manifest-image digests: a second hash, of the
    // body only, since it starts after the header (MCUboot images are small).
    const std::uint64_t begin = header->header_size;
    const std::uint64_t end = begin + header->image_size;
    const std::uint64_t from = std::max(at, begin);
    const std::uint64_t to = std::min(at + block.size(), end);
    if (from < to) {
      const ByteView part = block.subspan(static_cast<std::size_t>(from - at),
                                          static_cast<std::size_t>(to - from));
      if (plain_) plain_->update(part);
      if (zeroed_) zeroed_->update(part);
    }
    if (at + block.size() >= end && !body_done_) {
      body_done_ = true;
      if (plain_) {
        if (auto d = plain_->finish()) body_digest_ = *d;
      }
      if (zeroed_) {
        if (auto d = zeroed_->finish()) zero_header_digest_ = *d;
      }
    }
  }

  void start_body(const native::McubootImageInfo& header) {
    body_ = true;
    if (header.header_size < native::mcuboot::kHeaderSize ||
        std::uint64_t{header.header_size} + header.image_size > size_) {
      body_done_ = true;  // the format check refuses this image
      return;
    }
    for (auto length : mcuboot_sizes_) {
      if (length == header.image_size && !plain_) plain_.emplace();
      if (length == std::uint64_t{header.image_size} + header.header_size && !zeroed_) {
        zeroed_.emplace();
        const Bytes zeros(header.header_size, std::byte{0});
        zeroed_->update(zeros);
      }
    }
    if (header.image_size == 0) feed_empty_body();
  }
  void feed_empty_body() {
    body_done_ = true;
    if (plain_) {
      if (auto d = plain_->finish()) body_digest_ = *d;
    }
    if (zeroed_) {
      if (auto d = zeroed_->finish()) zero_header_digest_ = *d;
    }
  }

  // Length of the run of 0xFF bytes that ends the image part (before the last sector):
  // scanned from the end of each block, so random data costs a byte or two per block.
  void count_trailing_ff(ByteView block, std::uint64_t at) {
    if (size_ < native::esp32::kSectorSize) return;
    const std::uint64_t image_end = size_ - native::esp32::kSectorSize;
    if (at >= image_end) return;
    const ByteView part = block.first(
        static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), image_end - at)));
    const auto last = std::find_if(part.rbegin(), part.rend(),
                                   [](std::byte x) { return x != std::byte{0xff}; });
    const auto run = static_cast<std::uint64_t>(last - part.rbegin());
    trailing_ff_ = last == part.rend() ? trailing_ff_ + run : run;
  }

  std::uint64_t size_;
  std::vector<std::uint64_t> esp32_sizes_;
  std::vector<std::uint64_t> mcuboot_sizes_;
  std::array<std::byte, 4> lead_{};
  std::size_t lead_size_ = 0;
  std::uint64_t position_ = 0;
  std::optional<native::Esp32Sbv2Stream> esp32_;
  std::optional<native::McubootStream> mcuboot_;
  std::uint64_t trailing_ff_ = 0;
  bool body_ = false;
  bool body_done_ = false;
  std::optional<verifier::Sha256> plain_;
  std::optional<verifier::Sha256> zeroed_;
  std::optional<Digest> body_digest_;
  std::optional<Digest> zero_header_digest_;
};

using NativeChecks = std::map<std::string, std::unique_ptr<NativeEntryCheck>>;

Result<std::vector<VerifiedNativeImage>> check_native(
    const BundleContents& c, const v1::PromotedRelease& r, const verifier::PublicKey& key,
    const NativeChecks& native_checks) {
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
    auto check = native_checks.find(entry);
    if (present == nullptr || check == native_checks.end()) {
      return bad(entry, "missing (native image of " + image.name() + ")");
    }
    if (n.format() != image.format() || present->size != n.size()) {
      return bad(entry, "format or size differs from what the release names");
    }
    Result<void> ok;
    if (image.format() == v1::ESP32_SECURE_BOOT_V2) {
      ok = check->second->check_esp32(image, n, key, entry);
    } else if (image.format() == v1::MCUBOOT) {
      ok = check->second->check_mcuboot(image, n, key, c.bundle.security_counter(), entry);
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
                                               const verifier::Trust& pinned,
                                               std::span<const std::string> accepted_channels) {
  return verify_promoted_release(path, pinned, accepted_channels, ReleaseKind::kFirmware);
}

Result<VerifiedRelease> verify_station_software_release(const std::filesystem::path& path,
                                                        const verifier::Trust& pinned) {
  return verify_promoted_release(path, pinned, {}, ReleaseKind::kStationSoftware);
}

Result<VerifiedRelease> verify_promoted_release(const std::filesystem::path& path,
                                                const verifier::Trust& pinned,
                                                std::span<const std::string> accepted_channels,
                                                ReleaseKind expected) {
  const std::int64_t now_unix = pinned.now_unix();
  // Native images are verified as they stream past; their bytes are never kept.
  NativeChecks native_checks;
  ReadOptions options;
  options.digester = [&native_checks](const BundleEntry& entry, std::uint64_t size,
                                      const v1::Bundle& bundle) -> EntryDigester* {
    if (entry.kind != EntryKind::kNative) return nullptr;
    auto& check = native_checks[entry.name];
    check = std::make_unique<NativeEntryCheck>(size, bundle);
    return check.get();
  };
  auto contents = read_bundle(path, options);
  if (!contents) return std::unexpected(contents.error());
  const std::string file = path.string();
  auto in_file = [&file](Error e) { return std::unexpected(std::move(e).context(file)); };
  if (const ReleaseKind kind = release_kind(contents->bundle); kind != expected) {
    return in_file(refuse(ErrorCode::kPolicyRefused, std::string(kBundleEntry),
                          fmt::format("the bundle is {} (SKU '{}'), not {}: it cannot be "
                                      "accepted as one",
                                      release_kind_name(kind), contents->bundle.sku(),
                                      release_kind_name(expected))));
  }

  auto entries = sort_entries(*contents);
  if (!entries) return in_file(entries.error());
  auto trust = extend_chain(pinned, *entries);
  if (!trust) return in_file(trust.error());
  const verifier::TrustedRoot& root = trust->root();
  if (auto ok = trust->refuse_revoked_bundle(contents->bundle_digest.bytes()); !ok) {
    return in_file(refuse(ErrorCode::kPolicyRefused, std::string(kBundleEntry),
                          ok.error().message));
  }
  auto release = check_release(root, *entries->release, *contents);
  if (!release) return in_file(release.error());
  const v1::PromotedRelease& r = release->first;
  if (r.promoted_unix() > now_unix) {
    return in_file(refuse(ErrorCode::kVerificationFailed, std::string(kReleaseEntry),
                          fmt::format("promoted at {}, after the verification time {}",
                                      verifier::format_utc(r.promoted_unix()),
                                      verifier::format_utc(now_unix))));
  }
  const ApprovalSubject subject{contents->bundle_digest, contents->bundle.sku(),
                                contents->bundle.version(), contents->bundle.requester(),
                                r.promoted_unix()};
  auto quorum = check_approvals(root, entries->approvals, subject);
  if (!quorum) return in_file(quorum.error());
  if (auto ok = check_approval_digests(r, *quorum); !ok) return in_file(ok.error());
  if (auto ok = check_channel(r.channel(), *quorum, accepted_channels); !ok) {
    return in_file(refuse(ok.error().code, std::string(kReleaseEntry), ok.error().message));
  }
  auto native = check_native(*contents, r, release->second, native_checks);
  if (!native) return in_file(native.error());

  VerifiedRelease out;
  out.bundle = contents->bundle;
  out.bundle_digest = contents->bundle_digest;
  out.release = r;
  out.trust_root_version = root.version();
  out.anchor_digest = trust->anchor_digest();
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
