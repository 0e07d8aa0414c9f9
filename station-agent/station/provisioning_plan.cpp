#include "station-agent/station/provisioning_plan.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "station-agent/station/device_certificate.h"
#include "verifier/bundle/bundle_format.h"
#include "verifier/bundle/unit_claims.h"

namespace hallmark::station {
namespace {

using Step = v1::ProvisioningStep;

std::string as_string(ByteView bytes) { return std::string(as_chars(bytes)); }

}  // namespace

namespace {

// Each image with the entry whose bytes go to the device (its native form when it has one)
// and that entry's digest, from the verified bundle; no bytes yet.
Result<PlanImages> plan_image_list(const bundle::VerifiedRelease& release) {
  PlanImages images;
  for (const auto& image : release.bundle.images()) {
    ImageToWrite out;
    out.image = &image;
    auto digest = verifier::Digest::from_bytes(as_bytes(image.sha256()));
    if (!digest) return std::unexpected(digest.error());
    out.sha256 = *digest;
    out.entry = bundle::image_entry_name(*digest);
    for (const auto& native : release.native_images) {
      if (native.native.image() != image.name()) continue;
      auto native_digest = verifier::Digest::from_bytes(as_bytes(native.native.sha256()));
      if (!native_digest) return std::unexpected(native_digest.error());
      out.sha256 = *native_digest;
      out.entry = native.entry;
    }
    images.emplace(image.name(), std::move(out));
  }
  return images;
}

const CachedEntry* entry_of(const LoadedRelease& loaded, std::string_view name) {
  auto it = loaded.entries.find(std::string(name));
  return it == loaded.entries.end() ? nullptr : &it->second;
}

}  // namespace

Result<std::map<std::string, CachedEntry>> plan_entries(const LoadedRelease& loaded) {
  auto images = plan_image_list(loaded.release);
  if (!images) return std::unexpected(images.error());
  std::set<std::string> names{std::string(bundle::kBundleEntry)};
  for (const auto& [name, image] : *images) names.insert(image.entry);
  return locate_cached_entries(loaded.cached, names);
}

// Per unit: the bundle's own bytes and every entry that goes to the device, read from the
// cached file and hashed as they are read; nothing is written unless every digest matches
// the verified bundle's.
Result<PlanImages> load_plan_images(const LoadedRelease& loaded) {
  const auto& release = loaded.release;
  auto images = plan_image_list(release);
  if (!images) return std::unexpected(images.error());
  auto file = CachedBundleFile::open(loaded.cached);
  if (!file) return std::unexpected(file.error());
  const auto changed = [&](std::string_view what) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("cached bundle {} changed since it was verified ({}): take the "
                            "bundle in again",
                            loaded.cached.string(), what));
  };
  const auto context = [](Error e) {
    return std::unexpected(
        std::move(e).context("re-checking the cached bundle before writing to the device"));
  };

  const CachedEntry* manifest = entry_of(loaded, bundle::kBundleEntry);
  if (manifest == nullptr) return changed("its entries were not located");
  Bytes manifest_bytes;
  auto manifest_digest = file->read(*manifest, manifest_bytes);
  if (!manifest_digest) return context(manifest_digest.error());
  if (*manifest_digest != release.bundle_digest) {
    return changed(fmt::format("bundle digest {} instead of {}", manifest_digest->hex(),
                               release.bundle_digest.hex()));
  }
  for (auto& [name, image] : *images) {
    const CachedEntry* entry = entry_of(loaded, image.entry);
    if (entry == nullptr) return changed(fmt::format("no entry for image '{}'", name));
    auto digest = file->read(*entry, image.bytes);
    if (!digest) return context(digest.error());
    if (*digest != image.sha256) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("image '{}' read from {} does not match its digest: the cached "
                              "bundle changed since it was verified; take the bundle in again",
                              name, loaded.cached.string()));
    }
  }
  return images;
}

namespace {

// The driver's eFuse name and the value to burn for a bundle eFuse setting.
struct EfuseBurn {
  std::string driver_name;
  Bytes value;
};

Result<EfuseBurn> resolve_efuse(const LoadedRelease& loaded, const v1::EfuseSetting& setting) {
  const std::string& name = setting.name();
  if (name == kBundleSecureBoot) return EfuseBurn{device::kEfuseSecureBoot, {std::byte{1}}};
  if (name == kBundleDebugDisable) return EfuseBurn{device::kEfuseDebugDisable, {std::byte{1}}};
  if (name != kBundleKeyDigest) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("eFuse '{}' is not one this station knows how to burn ({}, {}, {})",
                            name, kBundleKeyDigest, kBundleSecureBoot, kBundleDebugDisable));
  }
  // The key digest must be the one the release key's signatures verify under, or the
  // device would never boot again.
  std::optional<std::string> release_digest;
  for (const auto& native : loaded.release.native_images) {
    if (native.native.format() == v1::ESP32_SECURE_BOOT_V2) release_digest = native.native.key_digest();
  }
  if (!release_digest) {
    return fail(ErrorCode::kPolicyRefused,
                "the plan burns the secure-boot key digest but no image is signed in the ESP32 "
                "Secure Boot V2 format: the device would never boot");
  }
  if (setting.value() != kReleaseKeyDigestValue && setting.value() != *release_digest) {
    return fail(ErrorCode::kPolicyRefused,
                "the eFuse plan's key digest is not the digest of the release key that signed "
                "the bootloader: burning it would brick the unit");
  }
  const ByteView digest = as_bytes(*release_digest);
  return EfuseBurn{device::kEfuseKeyDigest, Bytes(digest.begin(), digest.end())};
}

bool already_burned(const device::EfuseState& state, const EfuseBurn& burn) {
  if (burn.driver_name == device::kEfuseSecureBoot) return state.secure_boot_enabled;
  if (burn.driver_name == device::kEfuseDebugDisable) return state.debug_disabled;
  return state.key_digest_burned;
}

Result<void> check_burned_as_planned(const device::EfuseState& state, const EfuseBurn& burn) {
  if (burn.driver_name != device::kEfuseKeyDigest || !state.key_digest_burned) return {};
  if (state.key_digest.bytes().size() == burn.value.size() &&
      std::equal(burn.value.begin(), burn.value.end(), state.key_digest.bytes().begin())) {
    return {};
  }
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("the device's secure-boot key digest eFuse is already burned with "
                          "another key ({}): it cannot run this release; scrap the unit",
                          state.key_digest.hex()));
}

class PlanRunner {
 public:
  PlanRunner(PlanContext& context, v1::Attestation& event)
      : c_(context), event_(event), images_(context.images),
        steps_(context.release.release.bundle.plan_size()) {}

  Result<void> run() {
    auto before = c_.device.measure({});
    if (!before) return std::unexpected(before.error().context("reading the eFuse state"));
    efuses_ = before->efuses;
    // Resolved once: what each planned eFuse means to the driver, checked against the
    // device's state before anything is written.
    for (const auto& setting : bundle().efuses()) {
      auto burn = resolve_efuse(c_.release, setting);
      if (!burn) return std::unexpected(burn.error());
      if (auto ok = check_burned_as_planned(efuses_, *burn); !ok) return ok;
      burns_.emplace(setting.name(), std::move(*burn));
    }
    for (int i = 0; i < steps_; ++i) {
      const Step& step = bundle().plan(i);
      if (auto ok = run_step(i + 1, step); !ok) {
        return std::unexpected(ok.error().context(
            fmt::format("plan step {} of {} ({})", i + 1, steps_, describe(step))));
      }
    }
    return final_measurement();
  }

 private:
  const v1::Bundle& bundle() const { return c_.release.release.bundle; }

  static std::string describe(const Step& step) {
    switch (step.kind()) {
      case Step::WRITE_IMAGE: return fmt::format("write image '{}'", step.image());
      case Step::VERIFY_READBACK: return fmt::format("read back image '{}'", step.image());
      case Step::PROVISION_IDENTITY: return "device identity";
      case Step::BURN_EFUSE: return fmt::format("burn eFuse '{}'", step.efuse());
      case Step::MEASURE: return "measure";
      default: return "unknown step";
    }
  }

  void observe(int step, const std::string& what, std::uint64_t done, std::uint64_t total) {
    if (c_.observe) c_.observe(StepProgress{step, steps_, what, done, total});
  }

  Result<ImageToWrite*> image(const std::string& name) {
    auto it = images_.find(name);
    if (it == images_.end()) {
      return fail(ErrorCode::kInternal, fmt::format("image '{}' is not in the bundle", name));
    }
    return &it->second;
  }

  Result<void> run_step(int number, const Step& step) {
    const std::string what = describe(step);
    observe(number, what, 0, 0);
    switch (step.kind()) {
      case Step::WRITE_IMAGE: {
        auto img = image(step.image());
        if (!img) return std::unexpected(img.error());
        const auto address = static_cast<std::uint32_t>((*img)->image->flash_address());
        auto written = c_.device.write(address, (*img)->bytes, [&](std::uint64_t d, std::uint64_t t) {
          observe(number, what, d, t);
        });
        if (!written) return written;
        written_.push_back(*img);
        return {};
      }
      case Step::VERIFY_READBACK: {
        auto img = image(step.image());
        if (!img) return std::unexpected(img.error());
        return read_back(**img);
      }
      case Step::PROVISION_IDENTITY:
        return provision_identity();
      case Step::BURN_EFUSE:
        return burn(step.efuse());
      case Step::MEASURE:
      {
        auto measured = measure_written();
        if (!measured) return std::unexpected(measured.error());
        return {};
      }
      default:
        return fail(ErrorCode::kPolicyRefused, "the plan has a step this station does not know");
    }
  }

  Result<void> read_back(const ImageToWrite& img) {
    const auto address = static_cast<std::uint32_t>(img.image->flash_address());
    auto digest = c_.device.read_hash(address, static_cast<std::uint32_t>(img.bytes.size()));
    if (!digest) return std::unexpected(digest.error());
    if (*digest != img.sha256) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("read-back of image '{}' at 0x{:x} hashes to {}, expected {}: the "
                              "flash does not hold what was written",
                              img.image->name(), address, digest->hex(), img.sha256.hex()));
    }
    return {};
  }

  Result<void> provision_identity() {
    auto spki = c_.device.generate_identity();
    if (!spki) return std::unexpected(spki.error());
    auto authority = c_.line.device_ca();  // prepared once, when the line was opened
    if (!authority) return std::unexpected(authority.error());
    auto certificate = (*authority)->issue(DeviceUnit{bundle().certificate_profile(), c_.serial,
                                                      c_.hardware_id, *spki, c_.line.now()});
    if (!certificate) return std::unexpected(certificate.error());
    if (auto ok = c_.device.install_certificate(certificate->der); !ok) return ok;
    event_.set_device_certificate_der(as_string(certificate->der));
    return {};
  }

  Result<void> burn(const std::string& name) {
    auto it = burns_.find(name);
    if (it == burns_.end()) return fail(ErrorCode::kInternal, "eFuse not in the plan");
    const EfuseBurn& planned = it->second;
    if (already_burned(efuses_, planned)) return {};  // a rework: already as planned
    if (auto ok = c_.device.burn_efuse(planned.driver_name, planned.value); !ok) return ok;
    auto state = c_.device.measure({});
    if (!state) return std::unexpected(state.error());
    efuses_ = state->efuses;
    if (!already_burned(efuses_, planned)) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("eFuse '{}' does not read back as burned", name));
    }
    return {};
  }

  Result<device::Measurement> measure_written() {
    std::vector<device::Region> regions;
    for (const auto* img : written_) {
      regions.push_back({static_cast<std::uint32_t>(img->image->flash_address()),
                         static_cast<std::uint32_t>(img->bytes.size())});
    }
    auto measured = c_.device.measure(regions);
    if (!measured) return std::unexpected(measured.error());
    if (measured->region_digests.size() != written_.size()) {
      return fail(ErrorCode::kIo, "the device measured a different number of regions");
    }
    for (std::size_t i = 0; i < written_.size(); ++i) {
      if (measured->region_digests[i] != written_[i]->sha256) {
        return fail(ErrorCode::kVerificationFailed,
                    fmt::format("image '{}' measures {} on the device, expected {}",
                                written_[i]->image->name(), measured->region_digests[i].hex(),
                                written_[i]->sha256.hex()));
      }
    }
    efuses_ = measured->efuses;
    return measured;
  }

  Result<void> final_measurement() {
    observe(steps_ + 1, "measure and attest", 0, 0);
    auto measured = measure_written();
    if (!measured) return std::unexpected(measured.error().context("final measurement"));
    for (const auto* img : written_) {
      auto* expected = event_.add_image_digests();
      expected->set_region(img->image->name());
      expected->set_sha256(as_string(img->sha256.bytes()));
    }
    for (std::size_t i = 0; i < written_.size(); ++i) {
      auto* m = event_.add_measured();
      m->set_region(bundle::flash_region(written_[i]->image->flash_address(),
                                         written_[i]->bytes.size()));
      m->set_sha256(as_string(measured->region_digests[i].bytes()));
    }
    if (measured->efuses.key_digest_burned) {
      auto* m = event_.add_measured();
      m->set_region(std::string(bundle::kKeyDigestRegion));
      m->set_sha256(as_string(measured->efuses.key_digest.bytes()));
    }
    for (const auto& [name, planned] : burns_) {
      if (!already_burned(measured->efuses, planned)) {
        return fail(ErrorCode::kVerificationFailed,
                    fmt::format("eFuse '{}' is not burned after the plan", name));
      }
    }
    if (!measured->boot.boots) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("the device's boot ROM refuses the programmed bootloader: {}",
                              measured->boot.reason));
    }
    return {};
  }

  PlanContext& c_;
  v1::Attestation& event_;
  PlanImages& images_;
  int steps_;
  device::EfuseState efuses_;
  std::map<std::string, EfuseBurn> burns_;  // by the bundle's eFuse name
  std::vector<const ImageToWrite*> written_;
};

}  // namespace

Result<void> run_provisioning_plan(PlanContext& context, v1::Attestation& event) {
  PlanRunner runner(context, event);
  return runner.run();
}

}  // namespace hallmark::station
