#include "verifier/bundle/bundle_rules.h"

#include "verifier/core/bytes.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "verifier/core/sha256.h"

namespace hallmark::bundle {
namespace {

using Step = v1::ProvisioningStep;

std::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kPolicyRefused, std::move(message));
}

Result<void> check_images(const v1::Bundle& b, bool require_digests) {
  std::set<std::string> names;
  for (const auto& image : b.images()) {
    const std::string& n = image.name();
    if (n.empty()) return refuse("an image has no name");
    if (!names.insert(n).second) return refuse(fmt::format("image '{}' is listed twice", n));
    if (image.role() == v1::IMAGE_ROLE_UNSPECIFIED) {
      return refuse(fmt::format("image '{}' has no role (bootloader, partition table, "
                                "application or data)", n));
    }
    if (image.size() == 0) return refuse(fmt::format("image '{}' is empty", n));
    if (require_digests ? image.sha256().size() != verifier::Digest::kSize
                        : !image.sha256().empty()) {
      return refuse(fmt::format("image '{}' has a {}-byte sha256 field", n,
                                image.sha256().size()));
    }
    const std::uint64_t start = image.flash_address();
    if (image.size() > b.flash_size() || start > b.flash_size() - image.size()) {
      return refuse(fmt::format(
          "image '{}' at {} ({} bytes) ends at {}, past the end of the {}-byte ({}) flash of "
          "SKU '{}'",
          n, hex_address(start), image.size(), hex_address(start + image.size()),
          b.flash_size(), hex_address(b.flash_size()), b.sku()));
    }
  }
  std::vector<const v1::Image*> by_address;
  for (const auto& image : b.images()) by_address.push_back(&image);
  std::sort(by_address.begin(), by_address.end(), [](const auto* x, const auto* y) {
    return x->flash_address() < y->flash_address();
  });
  // Sorted by start, a region overlaps some earlier one iff it starts before the furthest
  // end so far; report against the image that reaches furthest.
  const v1::Image* reach = nullptr;
  for (const auto* image : by_address) {
    if (reach != nullptr && image->flash_address() < reach->flash_address() + reach->size()) {
      const std::uint64_t end_a = reach->flash_address() + reach->size();
      const std::uint64_t end_b = image->flash_address() + image->size();
      return refuse(fmt::format(
          "images '{}' [{}, {}) and '{}' [{}, {}) overlap at [{}, {})", reach->name(),
          hex_address(reach->flash_address()), hex_address(end_a), image->name(),
          hex_address(image->flash_address()), hex_address(end_b),
          hex_address(image->flash_address()), hex_address(std::min(end_a, end_b))));
    }
    if (reach == nullptr ||
        image->flash_address() + image->size() > reach->flash_address() + reach->size()) {
      reach = image;
    }
  }
  return {};
}

Result<void> check_efuses(const v1::Bundle& b) {
  std::set<std::string> names;
  for (const auto& efuse : b.efuses()) {
    if (efuse.name().empty()) return refuse("an eFuse setting has no name");
    if (!names.insert(efuse.name()).second) {
      return refuse(fmt::format("eFuse '{}' is listed twice in the eFuse plan", efuse.name()));
    }
    if (efuse.value().empty()) {
      return refuse(fmt::format("eFuse '{}' has no value to burn", efuse.name()));
    }
  }
  return {};
}

Result<void> check_plan(const v1::Bundle& b) {
  std::set<std::string> images;
  for (const auto& image : b.images()) images.insert(image.name());
  std::set<std::string> efuses;
  for (const auto& efuse : b.efuses()) efuses.insert(efuse.name());
  std::set<std::string> written;
  std::map<std::string, int> burnt;  // eFuse → step number
  int first_burn = 0;
  bool identity = false;
  for (int i = 0; i < b.plan_size(); ++i) {
    const Step& step = b.plan(i);
    const int number = i + 1;
    const std::string where = fmt::format("plan step {} ({})", number, describe_step(step));
    // Burns are irreversible, so nothing that changes the device may follow one; measuring
    // it afterwards (what was burnt is part of the record) changes nothing.
    if (first_burn != 0 && step.kind() != Step::BURN_EFUSE && step.kind() != Step::MEASURE) {
      return refuse(fmt::format("{} comes after the eFuse burn in step {}: only eFuse burns "
                                "and measurements may follow the first burn (burns are "
                                "irreversible); move this step before step {}",
                                where, first_burn, first_burn));
    }
    switch (step.kind()) {
      case Step::WRITE_IMAGE:
      case Step::VERIFY_READBACK:
        if (!images.contains(step.image())) {
          return refuse(fmt::format("{} names image '{}', which is not in the bundle", where,
                                    step.image()));
        }
        if (!step.efuse().empty()) return refuse(where + " names an eFuse; it should not");
        if (step.kind() == Step::WRITE_IMAGE) {
          written.insert(step.image());
        } else if (!written.contains(step.image())) {
          return refuse(fmt::format("{} reads back image '{}' before any step writes it", where,
                                    step.image()));
        }
        break;
      case Step::BURN_EFUSE:
        if (!efuses.contains(step.efuse())) {
          return refuse(fmt::format("{} burns eFuse '{}', which is not in the eFuse plan",
                                    where, step.efuse()));
        }
        if (auto [it, fresh] = burnt.emplace(step.efuse(), number); !fresh) {
          return refuse(fmt::format("{} burns eFuse '{}' again (already in step {}): eFuses "
                                    "are one-time",
                                    where, step.efuse(), it->second));
        }
        if (first_burn == 0) first_burn = number;
        break;
      case Step::PROVISION_IDENTITY:
        identity = true;
        [[fallthrough]];
      case Step::MEASURE:
        if (!step.image().empty() || !step.efuse().empty()) {
          return refuse(where + " names an image or an eFuse; it takes neither");
        }
        break;
      default:
        return refuse(fmt::format("plan step {} has no kind (write, verify-readback, "
                                  "provision-identity, burn-efuse or measure)", number));
    }
  }
  for (const auto& image : b.images()) {
    if (!written.contains(image.name())) {
      return refuse(fmt::format("image '{}' is never written by the plan", image.name()));
    }
  }
  for (const auto& efuse : b.efuses()) {
    if (!burnt.contains(efuse.name())) {
      return refuse(fmt::format("eFuse '{}' is in the eFuse plan but no plan step burns it",
                                efuse.name()));
    }
  }
  if (identity) {
    const auto& profile = b.certificate_profile();
    if (profile.subject_template().empty() || profile.validity_days() == 0) {
      return refuse("the plan provisions a device identity but the certificate profile has "
                    "no subject template or no validity");
    }
  }
  return {};
}

}  // namespace

std::string hex_address(std::uint64_t value) { return fmt::format("{:#x}", value); }

std::string describe_step(const v1::ProvisioningStep& step) {
  switch (step.kind()) {
    case Step::WRITE_IMAGE: return "write " + step.image();
    case Step::VERIFY_READBACK: return "verify-readback " + step.image();
    case Step::PROVISION_IDENTITY: return "provision-identity";
    case Step::BURN_EFUSE: return "burn-efuse " + step.efuse();
    case Step::MEASURE: return "measure";
    default: return "unspecified";
  }
}

ReleaseKind release_kind(const v1::Bundle& bundle) {
  return bundle.has_station_software() ? ReleaseKind::kStationSoftware : ReleaseKind::kFirmware;
}

std::string_view release_kind_name(ReleaseKind kind) {
  return kind == ReleaseKind::kStationSoftware ? "a station-software release" : "a firmware release";
}

// A station-software release: package files (raw data, no flash), the programs they
// install, and nothing a device would run.
Result<void> check_station_software(const v1::Bundle& b, bool require_digests) {
  if (b.sku() != kStationSoftwareSku) {
    return refuse(fmt::format("a station-software release must have SKU '{}', not '{}'",
                              kStationSoftwareSku, b.sku()));
  }
  if (b.images_size() == 0) return refuse("the station-software release has no package files");
  if (!b.device_family().empty() || b.flash_size() != 0 || b.plan_size() != 0 ||
      b.efuses_size() != 0 || b.has_certificate_profile()) {
    return refuse("a station-software release has a device family, flash, plan, eFuses or "
                  "certificate profile: those belong to firmware");
  }
  std::set<std::string> names;
  for (const auto& image : b.images()) {
    const std::string& n = image.name();
    if (n.empty()) return refuse("a package file has no name");
    if (!names.insert(n).second) return refuse(fmt::format("package '{}' is listed twice", n));
    if (image.role() != v1::DATA || image.format() != v1::IMAGE_FORMAT_RAW ||
        image.flash_address() != 0) {
      return refuse(fmt::format("package '{}' must be raw data at address 0 (role DATA)", n));
    }
    if (image.size() == 0) return refuse(fmt::format("package '{}' is empty", n));
    if (require_digests ? image.sha256().size() != verifier::Digest::kSize
                        : !image.sha256().empty()) {
      return refuse(fmt::format("package '{}' has a {}-byte sha256 field", n,
                                image.sha256().size()));
    }
  }
  if (require_digests && b.station_software().binaries_size() == 0) {
    return refuse("the station-software release lists no installed program");
  }
  std::set<std::string> paths;
  for (const auto& binary : b.station_software().binaries()) {
    if (binary.path().empty() || binary.path().front() != '/') {
      return refuse(fmt::format("installed program '{}' is not an absolute path", binary.path()));
    }
    if (!paths.insert(binary.path()).second) {
      return refuse(fmt::format("installed program '{}' is listed twice", binary.path()));
    }
    if (binary.sha256().size() != verifier::Digest::kSize) {
      return refuse(fmt::format("installed program '{}' has a {}-byte sha256 field",
                                binary.path(), binary.sha256().size()));
    }
    if (!names.contains(binary.package())) {
      return refuse(fmt::format("installed program '{}' names package '{}', which is not in "
                                "the release", binary.path(), binary.package()));
    }
  }
  return {};
}

Result<void> check_bundle_rules(const v1::Bundle& bundle, bool require_digests) {
  if (bundle.has_station_software() || bundle.sku() == kStationSoftwareSku) {
    if (!bundle.has_station_software()) {
      return refuse(fmt::format("SKU '{}' is reserved for station-software releases, and this "
                                "bundle is not one", kStationSoftwareSku));
    }
    if (bundle.version().empty()) return refuse("the bundle has an empty version");
    return check_station_software(bundle, require_digests);
  }
  if (bundle.sku().empty()) return refuse("the bundle names no SKU");
  if (bundle.version().empty()) return refuse("the bundle has an empty version");
  if (bundle.images_size() == 0) return refuse("the bundle has no images");
  if (auto ok = check_images(bundle, require_digests); !ok) return ok;
  if (auto ok = check_efuses(bundle); !ok) return ok;
  return check_plan(bundle);
}

std::string efuse_value_text(const v1::EfuseSetting& setting,
                             const std::string& release_key_digest_hex) {
  if (setting.name() == kEfuseKeyDigest && setting.value() == kReleaseKeyDigestValue) {
    return release_key_digest_hex.empty()
               ? "release-key (the digest of the release key that signs the bootloader; "
                 "promotion records it, the station burns it)"
               : fmt::format("release-key = {} (the release key's digest)",
                             release_key_digest_hex);
  }
  return fmt::format("{} ({} bytes)", to_hex(as_bytes(setting.value())), setting.value().size());
}

}  // namespace hallmark::bundle
