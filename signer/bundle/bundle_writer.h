// create_bundle(): turns a bundle spec and the build outputs it names into one bundle file
// (docs/bundle-format.md), for `hallmark-signer bundle create`.
//
// Guarantees: the spec is checked against the catalogue and the rules before any image is
// read (plan_bundle); each image is hashed exactly once, streaming in 1 MiB blocks, and
// that digest is the one recorded in the Bundle; while the image is copied into the
// archive it is hashed again and the copy fails if the file changed in between (content
// or size). The archive is written to a temporary file beside `out`, fsynced and renamed:
// on any failure nothing is left at `out` or beside it. Same spec, files and `now_unix`
// give the same bytes. Never signs anything. One call per thread; no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "hallmark/release.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

struct BundleSummary {
  std::filesystem::path path;
  v1::Bundle bundle;
  Bytes bundle_bytes;              // the hallmark/bundle.pb entry
  verifier::Digest bundle_digest;  // SHA-256 of bundle_bytes: what custodians approve
  std::uint64_t archive_bytes = 0;
};

enum class Stage { kHashing, kCopying };

// Called after each block of each image: bytes done so far and the image's size.
using CreateProgress = std::function<void(Stage stage, std::string_view image,
                                          std::uint64_t done, std::uint64_t total)>;

[[nodiscard]] Result<BundleSummary> create_bundle(const v1::BundleSpec& spec,
                                                  const std::filesystem::path& spec_dir,
                                                  const v1::SkuCatalog& catalog,
                                                  const std::filesystem::path& out,
                                                  std::int64_t now_unix,
                                                  const CreateProgress& progress = {});

}  // namespace hallmark::bundle
