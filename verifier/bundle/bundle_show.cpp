#include "verifier/bundle/bundle_show.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/core/bytes.h"
#include "verifier/core/time_format.h"

namespace hallmark::bundle {
namespace {

std::string role_name(v1::ImageRole role) {
  switch (role) {
    case v1::BOOTLOADER: return "bootloader";
    case v1::PARTITION_TABLE: return "partition-table";
    case v1::APPLICATION: return "application";
    case v1::DATA: return "data";
    default: return "unspecified";
  }
}

std::string format_name(v1::ImageFormat format) {
  switch (format) {
    case v1::IMAGE_FORMAT_RAW: return "raw";
    case v1::ESP32_SECURE_BOOT_V2: return "esp32-secure-boot-v2";
    case v1::MCUBOOT: return "mcuboot";
    default: return "unknown";
  }
}

std::string digest_hex(const std::string& raw) { return to_hex(as_bytes(raw)); }

std::string range_of(const v1::Image& image) {
  return fmt::format("[{}, {})", hex_address(image.flash_address()),
                     hex_address(image.flash_address() + image.size()));
}

std::string profile_text(const v1::DeviceCertificateProfile& p) {
  if (p.subject_template().empty() && p.validity_days() == 0 && p.key_algorithm().empty()) {
    return "none";
  }
  return fmt::format("subject \"{}\", valid {} days, key {}", p.subject_template(),
                     p.validity_days(), p.key_algorithm().empty() ? "default" : p.key_algorithm());
}

void images_table(const v1::Bundle& b, std::string& out) {
  std::vector<std::array<std::string, 6>> rows;
  rows.push_back({"NAME", "ROLE", "FORMAT", "ADDRESS RANGE", "SIZE", "SHA-256"});
  for (const auto& image : b.images()) {
    rows.push_back({image.name(), role_name(image.role()), format_name(image.format()),
                    range_of(image), std::to_string(image.size()), digest_hex(image.sha256())});
  }
  std::array<std::size_t, 6> width{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    out += " ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += c == 4 ? fmt::format(" {:>{}}", row[c], width[c])
                    : fmt::format(" {:<{}}", row[c], width[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  }
}

// Longest-common-subsequence line diff: plans are short, and a step moved or inserted
// reads better as -/+ lines than as every later step "changed".
void line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
               std::string& out) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += fmt::format("      {}\n", a[i]);
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += fmt::format("    - {}\n", a[i++]);
    } else {
      out += fmt::format("    + {}\n", b[j++]);
    }
  }
}

std::vector<std::string> plan_lines(const v1::Bundle& b) {
  std::vector<std::string> lines;
  for (const auto& step : b.plan()) lines.push_back(describe_step(step));
  return lines;
}

void diff_images(const v1::Bundle& before, const v1::Bundle& after, std::string& out) {
  std::map<std::string, const v1::Image*> old_images;
  for (const auto& image : before.images()) old_images[image.name()] = &image;
  for (const auto& image : after.images()) {
    const auto it = old_images.find(image.name());
    if (it == old_images.end()) {
      out += fmt::format("  image '{}' added: {} {} at {}, {} bytes, sha256 {}\n", image.name(),
                         role_name(image.role()), format_name(image.format()), range_of(image),
                         image.size(), digest_hex(image.sha256()));
      continue;
    }
    const v1::Image& old = *it->second;
    const std::string name = image.name();
    if (old.sha256() != image.sha256()) {
      out += fmt::format("  image '{}' sha256: {} -> {}\n", name, digest_hex(old.sha256()),
                         digest_hex(image.sha256()));
    }
    if (old.flash_address() != image.flash_address() || old.size() != image.size()) {
      out += fmt::format("  image '{}' region: {} ({} bytes) -> {} ({} bytes)\n", name,
                         range_of(old), old.size(), range_of(image), image.size());
    }
    if (old.role() != image.role()) {
      out += fmt::format("  image '{}' role: {} -> {}\n", name, role_name(old.role()),
                         role_name(image.role()));
    }
    if (old.format() != image.format()) {
      out += fmt::format("  image '{}' format: {} -> {}\n", name, format_name(old.format()),
                         format_name(image.format()));
    }
    old_images.erase(it);
  }
  for (const auto& [name, image] : old_images) {
    out += fmt::format("  image '{}' removed (was at {}, sha256 {})\n", name, range_of(*image),
                       digest_hex(image->sha256()));
  }
}

void diff_efuses(const v1::Bundle& before, const v1::Bundle& after, std::string& out) {
  std::map<std::string, std::string> old_values;
  for (const auto& e : before.efuses()) old_values[e.name()] = e.value();
  for (const auto& e : after.efuses()) {
    const auto it = old_values.find(e.name());
    if (it == old_values.end()) {
      out += fmt::format("  eFuse '{}' added: {}\n", e.name(), efuse_value_text(e));
      continue;
    }
    if (it->second != e.value()) {
      out += fmt::format("  eFuse '{}' value: {} -> {}\n", e.name(), digest_hex(it->second),
                         digest_hex(e.value()));
    }
    old_values.erase(it);
  }
  for (const auto& [name, value] : old_values) {
    out += fmt::format("  eFuse '{}' removed (was {})\n", name, digest_hex(value));
  }
}

}  // namespace

std::string render_summary(const v1::Bundle& b, const verifier::Digest& bundle_digest) {
  std::string out;
  out += fmt::format("Bundle digest     {}\n", bundle_digest.hex());
  out += fmt::format("SKU               {}\n", b.sku());
  out += fmt::format("device family     {} (flash {} bytes, {})\n", b.device_family(),
                     b.flash_size(), hex_address(b.flash_size()));
  out += fmt::format("version           {}\n", b.version());
  out += fmt::format("security counter  {}\n", b.security_counter());
  out += fmt::format("requester         {}\n", b.requester());
  out += fmt::format("created           {} ({})\n", verifier::format_utc(b.created_unix()), b.created_unix());
  out += fmt::format("\nImages ({})\n", b.images_size());
  images_table(b, out);
  if (b.has_station_software()) {
    // What custodians approve here: the programs stations may run, by digest.
    out += fmt::format("\nStation software: programs installed ({})\n",
                       b.station_software().binaries_size());
    for (const auto& p : b.station_software().binaries()) {
      out += fmt::format("  {:<40} sha256 {}  from {}\n", p.path(), to_hex(as_bytes(p.sha256())),
                         p.package());
    }
    return out;
  }
  out += "\nProvisioning plan\n";
  int number = 0;
  for (const auto& line : plan_lines(b)) out += fmt::format("  {:>2}. {}\n", ++number, line);
  out += "\neFuse plan (burnt last, irreversible)\n";
  if (b.efuses().empty()) out += "  none\n";
  for (const auto& e : b.efuses()) {
    out += fmt::format("  {} = {}\n", e.name(), efuse_value_text(e));
  }
  out += fmt::format("\nDevice certificate profile\n  {}\n", profile_text(b.certificate_profile()));
  return out;
}

Result<std::string> render_diff(const v1::Bundle& before, const v1::Bundle& after) {
  if (before.sku() != after.sku()) {
    return fail(ErrorCode::kUsage,
                fmt::format("cannot compare bundles of different SKUs ('{}' and '{}'): compare "
                            "against the last bundle promoted for SKU '{}'",
                            before.sku(), after.sku(), after.sku()));
  }
  std::string changes;
  if (before.version() != after.version()) {
    changes += fmt::format("  version: {} -> {}\n", before.version(), after.version());
  }
  if (before.security_counter() != after.security_counter()) {
    changes += fmt::format("  security counter: {} -> {}{}\n", before.security_counter(),
                           after.security_counter(),
                           after.security_counter() < before.security_counter()
                               ? " (LOWER: a downgrade)"
                               : "");
  }
  if (before.device_family() != after.device_family() ||
      before.flash_size() != after.flash_size()) {
    changes += fmt::format("  device family: {} ({} bytes flash) -> {} ({} bytes flash)\n",
                           before.device_family(), before.flash_size(), after.device_family(),
                           after.flash_size());
  }
  diff_images(before, after, changes);
  const auto old_plan = plan_lines(before);
  const auto new_plan = plan_lines(after);
  if (old_plan != new_plan) {
    changes += "  provisioning plan:\n";
    line_diff(old_plan, new_plan, changes);
  }
  diff_efuses(before, after, changes);
  const std::string old_profile = profile_text(before.certificate_profile());
  const std::string new_profile = profile_text(after.certificate_profile());
  if (old_profile != new_profile) {
    changes += fmt::format("  certificate profile: {} -> {}\n", old_profile, new_profile);
  }
  std::string out = fmt::format("Changes for SKU {} from version {} to version {}:\n", after.sku(),
                                before.version(), after.version());
  return out + (changes.empty() ? "  no changes to images, plan, eFuses or profile\n" : changes);
}

Result<std::string> render_changes(const std::optional<Baseline>& baseline,
                                   const v1::Bundle& bundle, const verifier::Digest& digest) {
  if (!baseline) {
    return fmt::format("\nFirst promotion for SKU {}: nothing was promoted for it before, so "
                       "there is nothing to compare with\n",
                       bundle.sku());
  }
  std::string out = fmt::format("\nAgainst {} (bundle digest {})\n", baseline->description,
                                baseline->digest.hex());
  if (baseline->digest == digest) {
    return out + "  this is the same bundle (same bundle digest): nothing changed\n";
  }
  auto diff = render_diff(baseline->bundle, bundle);
  if (!diff) return std::unexpected(diff.error());
  return out + *diff;
}

}  // namespace hallmark::bundle
