// Bundle specs and the SKU catalogue: loading them from textproto and turning a spec into
// the Bundle that `bundle create` will write.
//
// Loading reports syntax errors with file, line and column. plan_bundle() checks a spec
// against the catalogue and the file system before any image is hashed: the SKU is known,
// every image file exists and is a regular file (named by path), every image format is one
// the SKU's device family boots, and the resulting Bundle obeys check_bundle_rules() (fits
// the flash, no overlaps, plan and eFuse rules). It stats files but never reads them.
// Failures: kUsage for a malformed spec or catalogue, kIo for a missing or unreadable image
// file, kPolicyRefused for a spec the rules refuse. Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

[[nodiscard]] Result<v1::BundleSpec> parse_bundle_spec(std::string_view text,
                                                       std::string_view origin);
[[nodiscard]] Result<v1::BundleSpec> load_bundle_spec(const std::filesystem::path& path);
[[nodiscard]] Result<v1::SkuCatalog> parse_sku_catalog(std::string_view text,
                                                       std::string_view origin);
[[nodiscard]] Result<v1::SkuCatalog> load_sku_catalog(const std::filesystem::path& path);

// nullptr when the catalogue has no such SKU.
[[nodiscard]] const v1::SkuCatalog::Sku* find_sku(const v1::SkuCatalog& catalog,
                                                  std::string_view sku);

// A Bundle ready to be hashed: images carry name, role, format, address and size (from
// stat) but no digest yet; paths[i] is the file of bundle.images(i).
struct PlannedBundle {
  v1::Bundle bundle;
  std::vector<std::filesystem::path> paths;
};

// Image paths are relative to spec_dir (absolute paths are taken as they are).
[[nodiscard]] Result<PlannedBundle> plan_bundle(const v1::BundleSpec& spec,
                                                const std::filesystem::path& spec_dir,
                                                const v1::SkuCatalog& catalog,
                                                std::int64_t now_unix);

}  // namespace hallmark::bundle
