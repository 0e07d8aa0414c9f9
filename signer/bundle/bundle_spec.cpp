#include "signer/bundle/bundle_spec.h"

#include "verifier/bundle/promotion_approvals.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <set>
#include <string>
#include <system_error>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/core/textproto.h"
#include "verifier/io/file_io.h"

namespace hallmark::bundle {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxTextprotoBytes = 1024 * 1024;

template <class Msg>
Result<Msg> parse_textproto(std::string_view text, std::string_view origin,
                            std::string_view what) {
  Msg message;
  if (auto ok = verifier::parse_textproto(text, origin, what, message); !ok) {
    return std::unexpected(ok.error());
  }
  return message;
}

std::string format_name(v1::ImageFormat format) {
  switch (format) {
    case v1::IMAGE_FORMAT_RAW: return "RAW";
    case v1::ESP32_SECURE_BOOT_V2: return "ESP32_SECURE_BOOT_V2";
    case v1::MCUBOOT: return "MCUBOOT";
    default: return fmt::format("format {}", static_cast<int>(format));
  }
}

Result<void> check_format(const v1::BundleSpec::ImageFile& image, const v1::SkuCatalog::Sku& sku) {
  if (image.format() == v1::IMAGE_FORMAT_RAW) return {};  // raw bytes: no native signature
  std::string allowed = "RAW";
  for (const auto f : sku.formats()) {
    if (f == image.format()) return {};
    allowed += ", " + format_name(static_cast<v1::ImageFormat>(f));
  }
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("image '{}' has format {}, which device family '{}' of SKU '{}' does "
                          "not boot (allowed: {})",
                          image.name(), format_name(image.format()), sku.device_family(),
                          sku.sku(), allowed));
}

Result<std::uint64_t> regular_file_size(const fs::path& path, std::string_view image) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(ErrorCode::kIo,
                fmt::format("image '{}': cannot open {}: {}", image, path.string(),
                            std::error_code(errno, std::generic_category()).message()));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kIo, fmt::format("image '{}': {} is not a regular file", image,
                                            path.string()));
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<void> check_spec_fields(const v1::BundleSpec& spec) {
  if (spec.sku().empty()) return fail(ErrorCode::kUsage, "the spec names no sku");
  if (spec.version().empty()) {
    return fail(ErrorCode::kUsage, "the spec has an empty version: set version: \"x.y.z\"");
  }
  if (spec.requester().empty()) {
    return fail(ErrorCode::kUsage, "the spec names no requester (the key id of the card of the "
                                   "person asking for promotion, who may not approve it)");
  }
  if (auto ok = bundle::check_requester_form(spec.requester()); !ok) {
    return fail(ErrorCode::kUsage, ok.error().message);
  }
  if (spec.images_size() == 0) return fail(ErrorCode::kUsage, "the spec lists no images");
  for (const auto& image : spec.images()) {
    if (image.name().empty() || image.path().empty()) {
      return fail(ErrorCode::kUsage, "every image needs a name and a path");
    }
  }
  return {};
}

}  // namespace

Result<v1::BundleSpec> parse_bundle_spec(std::string_view text, std::string_view origin) {
  return parse_textproto<v1::BundleSpec>(text, origin, "bundle spec");
}

Result<v1::BundleSpec> load_bundle_spec(const fs::path& path) {
  auto bytes = fileio::read_file(path, kMaxTextprotoBytes);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_bundle_spec(as_chars(*bytes), path.string());
}

Result<v1::SkuCatalog> parse_sku_catalog(std::string_view text, std::string_view origin) {
  auto catalog = parse_textproto<v1::SkuCatalog>(text, origin, "SKU catalogue");
  if (!catalog) return catalog;
  std::set<std::string> seen;
  for (const auto& sku : catalog->skus()) {
    if (sku.sku().empty() || sku.device_family().empty() || sku.flash_size() == 0) {
      return fail(ErrorCode::kUsage, fmt::format("{}: every SKU needs sku, device_family and a "
                                                 "non-zero flash_size",
                                                 origin));
    }
    if (!seen.insert(sku.sku()).second) {
      return fail(ErrorCode::kUsage, fmt::format("{}: SKU '{}' is listed twice", origin,
                                                 sku.sku()));
    }
  }
  return catalog;
}

Result<v1::SkuCatalog> load_sku_catalog(const fs::path& path) {
  auto bytes = fileio::read_file(path, kMaxTextprotoBytes);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_sku_catalog(as_chars(*bytes), path.string());
}

const v1::SkuCatalog::Sku* find_sku(const v1::SkuCatalog& catalog, std::string_view sku) {
  for (const auto& entry : catalog.skus()) {
    if (entry.sku() == sku) return &entry;
  }
  return nullptr;
}

namespace {

// What every bundle takes from its spec as it is.
void copy_spec(const v1::BundleSpec& spec, std::int64_t now_unix, v1::Bundle& b) {
  b.set_sku(spec.sku());
  b.set_version(spec.version());
  b.set_security_counter(spec.security_counter());
  b.set_created_unix(now_unix);
  b.set_requester(spec.requester());
  *b.mutable_plan() = spec.plan();
  *b.mutable_efuses() = spec.efuses();
  if (spec.has_certificate_profile()) *b.mutable_certificate_profile() = spec.certificate_profile();
}

// The spec's images added to `planned`, each a regular file under `spec_dir`, then the
// bundle rules (check_bundle_rules) over the whole. With `sku`, a firmware bundle: each
// image's format must be one the device boots. Without, a station-software release: its
// packages are data (an image without a role is DATA), and the rules refuse anything a
// device would run.
Result<PlannedBundle> with_images(PlannedBundle planned, const v1::BundleSpec& spec,
                                  const fs::path& spec_dir, const v1::SkuCatalog::Sku* sku) {
  v1::Bundle& b = planned.bundle;
  for (const auto& file : spec.images()) {
    if (sku != nullptr) {
      if (auto ok = check_format(file, *sku); !ok) return std::unexpected(ok.error());
    }
    fs::path path = spec_dir / file.path();
    auto size = regular_file_size(path, file.name());
    if (!size) return std::unexpected(size.error());
    auto* image = b.add_images();
    image->set_name(file.name());
    image->set_role(sku == nullptr && file.role() == v1::IMAGE_ROLE_UNSPECIFIED ? v1::DATA : file.role());
    image->set_format(file.format());
    image->set_flash_address(file.flash_address());
    image->set_size(*size);
    planned.paths.push_back(std::move(path));
  }
  if (auto ok = check_bundle_rules(b, /*require_digests=*/false); !ok) {
    return std::unexpected(ok.error());
  }
  return planned;
}

}  // namespace

Result<PlannedBundle> plan_bundle(const v1::BundleSpec& spec, const fs::path& spec_dir,
                                  const v1::SkuCatalog& catalog, std::int64_t now_unix) {
  if (auto ok = check_spec_fields(spec); !ok) return std::unexpected(ok.error());
  PlannedBundle planned;
  v1::Bundle& b = planned.bundle;
  copy_spec(spec, now_unix, b);
  if (spec.station_software()) {  // no device, no catalogue entry
    b.mutable_station_software();
    return with_images(std::move(planned), spec, spec_dir, nullptr);
  }
  const auto* sku = find_sku(catalog, spec.sku());
  if (sku == nullptr) {
    std::string known;
    for (const auto& s : catalog.skus()) known += (known.empty() ? "" : ", ") + s.sku();
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("unknown SKU '{}': known SKUs are {}", spec.sku(),
                            known.empty() ? "(none: the catalogue is empty)" : known));
  }
  b.set_device_family(sku->device_family());
  b.set_flash_size(sku->flash_size());
  return with_images(std::move(planned), spec, spec_dir, sku);
}

}  // namespace hallmark::bundle
