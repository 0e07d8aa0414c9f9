#include "verifier/inspect/manifest_source.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "verifier/io/file_io.h"

namespace hallmark::inspect {
namespace {

// A manifest file carries one manifest, its proof and two envelopes (verifier/cli/
// manifest_command.cpp reads them with the same bound).
constexpr std::size_t kMaxManifestFileBytes = 16u * 1024u * 1024u;

Result<std::vector<std::filesystem::path>> manifest_files(
    const std::vector<std::filesystem::path>& sources) {
  std::vector<std::filesystem::path> files;
  for (const auto& source : sources) {
    std::error_code ec;
    if (!std::filesystem::is_directory(source, ec)) {
      files.push_back(source);
      continue;
    }
    std::filesystem::directory_iterator it(source, ec), end;
    if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot list: {}", source.string(), ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot list: {}", source.string(), ec.message()));
      if (!it->path().filename().string().ends_with(".manifest.json")) continue;
      files.push_back(it->path());
      if (files.size() > kMaxManifestFiles) {
        return fail(ErrorCode::kUsage,
                    fmt::format("{}: more than {} manifest files: give the unit's own (hallmark-"
                                "signer manifests --serial S --out DIR)",
                                source.string(), kMaxManifestFiles));
      }
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return fail(ErrorCode::kUsage, "no manifest file (*.manifest.json) given: write the unit's "
                                   "with hallmark-signer manifests --serial S --out DIR");
  }
  return files;
}

}  // namespace

Result<std::vector<verifier::VerifiedManifest>> load_manifests(
    const std::vector<std::filesystem::path>& sources, const verifier::TrustedRoot& root) {
  auto files = manifest_files(sources);
  if (!files) return std::unexpected(std::move(files).error());
  std::vector<verifier::VerifiedManifest> out;
  for (const auto& path : *files) {
    auto bytes = fileio::read_file(path, kMaxManifestFileBytes);
    if (!bytes) return std::unexpected(std::move(bytes).error());
    auto file = verifier::parse_manifest_file_json(std::string(as_chars(*bytes)), path.string());
    if (!file) return std::unexpected(std::move(file).error());
    auto verified = verifier::verify_manifest_file(*file, root);
    if (!verified) {
      return std::unexpected(std::move(verified).error().context(
          fmt::format("{} (a manifest that does not verify is never used: take the unit's "
                      "manifests again from the signer)",
                      path.string())));
    }
    out.push_back(std::move(*verified));
  }
  return out;
}

}  // namespace hallmark::inspect
