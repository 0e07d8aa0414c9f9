#include "verifier/bundle/device_match.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/core/printable.h"

namespace hallmark::bundle {
namespace {

// Shown to people as every document's text is (verifier::printable: control bytes as
// \xNN), at most 80 characters of it: a device's answer is not trusted to be short.
std::string printable(std::string_view s) {
  std::string out = verifier::printable(s.substr(0, 80));
  if (s.size() > 80) out += "...";
  return out;
}

std::string size_text(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  if (bytes != 0 && bytes % kMiB == 0) return fmt::format("{} bytes ({} MiB)", bytes, bytes / kMiB);
  if (bytes != 0 && bytes % 1024 == 0) return fmt::format("{} bytes ({} KiB)", bytes, bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

}  // namespace

Result<ExpectedDevice> expected_device(const v1::Bundle& bundle, const v1::PromotedRelease& release) {
  auto claims = unit_claims(bundle, release);
  if (!claims) return std::unexpected(claims.error());
  return expected_device(bundle, *claims);
}

ExpectedDevice expected_device(const v1::Bundle& bundle, const UnitClaims& claims) {
  return ExpectedDevice{bundle.sku(), bundle.device_family(), bundle.flash_size(), claims.written};
}

std::string canonical_family(std::string_view family) {
  if (family.size() > kMaxFamilyLength) return {};
  std::string out;
  for (char c : family) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c != '-' && c != '_') {
      return {};
    }
  }
  return out;
}

std::vector<std::string> device_mismatches(const v1::DeviceDescription& found,
                                           const ExpectedDevice& expected) {
  std::vector<std::string> out;
  const std::string want = canonical_family(expected.family);
  if (want.empty()) {
    out.push_back(fmt::format("the bundle's device family '{}' is not a family name, so no "
                              "device can match it (fix the SKU catalogue)",
                              printable(expected.family)));
  }
  if (found.family().empty()) {
    out.push_back("the device reported no family (unknown is not a match)");
  } else if (const std::string got = canonical_family(found.family()); got.empty()) {
    out.push_back(fmt::format("the device reported family '{}', which is not a family name "
                              "(letters, digits, '-' and '_' only)",
                              printable(found.family())));
  } else if (!want.empty() && got != want) {
    out.push_back(fmt::format("family '{}' is not the SKU's '{}'", printable(found.family()),
                              printable(expected.family)));
  }
  if (found.flash_size() == 0) {
    out.push_back("the device reported no flash size (unknown is not a match)");
  } else if (found.flash_size() != expected.flash_size) {
    out.push_back(fmt::format("flash of {} is not the SKU's {}", size_text(found.flash_size()),
                              size_text(expected.flash_size)));
  }
  for (const auto& image : expected.written) {
    if (found.flash_size() == 0) break;  // said once above
    if (image.size <= found.flash_size() && image.address <= found.flash_size() - image.size) continue;
    out.push_back(fmt::format("image '{}' ({} to {}) lies beyond the device's {} of flash",
                              image.name, hex_address(image.address),
                              hex_address(image.address + image.size), size_text(found.flash_size())));
  }
  if (found.boot_formats_size() > 0) {
    for (const auto& image : expected.written) {
      if (image.format == v1::IMAGE_FORMAT_RAW) continue;
      const std::string name = v1::ImageFormat_Name(image.format);
      if (std::find(found.boot_formats().begin(), found.boot_formats().end(), name) !=
          found.boot_formats().end()) {
        continue;
      }
      std::string boots;
      for (const auto& f : found.boot_formats()) boots += (boots.empty() ? "" : ", ") + printable(f);
      out.push_back(fmt::format("image '{}' is {}, which the device does not boot (it boots {})",
                                image.name, name, boots));
    }
  }
  return out;
}

std::string describe_part(const ExpectedDevice& expected) {
  return fmt::format("SKU {}: family '{}', flash {}", expected.sku, printable(expected.family),
                     size_text(expected.flash_size));
}

std::string describe_device(const v1::DeviceDescription& d) {
  std::string out = d.family().empty() ? std::string("no family")
                                       : fmt::format("family '{}'", printable(d.family()));
  out += d.flash_size() == 0 ? ", no flash size" : ", flash " + size_text(d.flash_size());
  if (!d.chip_revision().empty()) out += fmt::format(", revision {}", printable(d.chip_revision()));
  if (d.boot_formats_size() > 0) {
    out += ", boots";
    for (const auto& f : d.boot_formats()) out += " " + printable(f);
  }
  return out;
}

bool same_device(const v1::DeviceDescription& a, const v1::DeviceDescription& b) {
  return a.family() == b.family() && a.flash_size() == b.flash_size() && a.chip_revision() == b.chip_revision() &&
         std::equal(a.boot_formats().begin(), a.boot_formats().end(), b.boot_formats().begin(),
                    b.boot_formats().end());
}

}  // namespace hallmark::bundle
