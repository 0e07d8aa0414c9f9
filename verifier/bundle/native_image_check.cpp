// Native images checked as they stream past (native_image_check.h), moved out of
// verifier/bundle/promoted_bundle.cpp unchanged.
#include "verifier/bundle/native_image_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "verifier/bundle/bundle_format.h"
#include "verifier/bundle/entry_refusal.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"

namespace hallmark::bundle {

using verifier::Digest;

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

namespace {

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

NativeImageChecks::NativeImageChecks() = default;
NativeImageChecks::~NativeImageChecks() = default;

EntryDigester* NativeImageChecks::digester(const BundleEntry& entry, std::uint64_t size,
                                           const v1::Bundle& bundle) {
  if (entry.kind != EntryKind::kNative) return nullptr;
  auto& check = checks_[entry.name];
  check = std::make_unique<NativeEntryCheck>(size, bundle);
  return check.get();
}

Result<std::vector<VerifiedNativeImage>> NativeImageChecks::check(
    const BundleContents& c, const v1::PromotedRelease& r, const verifier::PublicKey& key) const {
  return check_native(c, r, key, checks_);
}

}  // namespace hallmark::bundle
