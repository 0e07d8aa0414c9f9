#include "signer/bundle/bundle_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <set>
#include <system_error>

#include "signer/bundle/archive_writer.h"
#include "signer/bundle/bundle_spec.h"
#include "signer/bundle/deb_programs.h"
#include "verifier/bundle/bundle_format.h"
#include "verifier/bundle/bundle_rules.h"
#include "verifier/core/document.h"
#include "verifier/io/file_io.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::bundle {
namespace {

namespace fs = std::filesystem;

std::unexpected<Error> changed(const v1::Image& image, const fs::path& path,
                               std::string_view how) {
  return fail(ErrorCode::kIo,
              fmt::format("image '{}': {} changed after it was hashed ({}); nothing was "
                          "written — make sure the build outputs are final and run again",
                          image.name(), path.string(), how));
}

Result<void> hash_images(PlannedBundle& planned, const CreateProgress& progress) {
  for (int i = 0; i < planned.bundle.images_size(); ++i) {
    v1::Image& image = *planned.bundle.mutable_images(i);
    const fs::path& path = planned.paths[static_cast<std::size_t>(i)];
    std::uint64_t hashed = 0;
    auto digest = fileio::hash_file(path, [&](std::uint64_t done, std::uint64_t total) {
      hashed = done;
      if (progress) progress(Stage::kHashing, image.name(), done, total);
    });
    if (!digest) return std::unexpected(digest.error().context("image '" + image.name() + "'"));
    if (hashed != image.size()) {
      return changed(image, path, fmt::format("{} bytes when checked, {} when hashed",
                                              image.size(), hashed));
    }
    const ByteView bytes = digest->bytes();
    image.set_sha256(std::string(as_chars(bytes)));
  }
  return {};
}

// A station-software release: the programs each package installs, from the bytes hashed.
Result<void> list_programs(PlannedBundle& planned) {
  v1::StationSoftware& software = *planned.bundle.mutable_station_software();
  for (int i = 0; i < planned.bundle.images_size(); ++i) {
    const v1::Image& image = planned.bundle.images(i);
    auto digest = verifier::Digest::from_bytes(as_bytes(image.sha256()));
    if (!digest) return std::unexpected(digest.error());
    auto programs = installed_programs(planned.paths[static_cast<std::size_t>(i)], *digest);
    if (!programs) return std::unexpected(programs.error());
    for (const auto& program : *programs) {
      auto* binary = software.add_binaries();
      binary->set_path(program.path);
      const ByteView bytes = program.sha256.bytes();
      binary->set_sha256(std::string(as_chars(bytes)));
      binary->set_package(image.name());
    }
  }
  return {};
}

// Streams one image into the archive, hashing it again: the bytes written must be the
// bytes whose digest the Bundle records.
Result<void> copy_image(ArchiveWriter& writer, const v1::Image& image, const fs::path& path,
                        const CreateProgress& progress) {
  fileio::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    return fail(ErrorCode::kIo,
                fmt::format("image '{}': cannot open {}: {}", image.name(), path.string(),
                            std::error_code(errno, std::generic_category()).message()));
  }
  auto recorded = verifier::Digest::from_bytes(as_bytes(image.sha256()));
  if (!recorded) return std::unexpected(recorded.error());
  if (auto ok = writer.begin_entry(image_entry_name(*recorded), image.size()); !ok) return ok;
  Bytes buffer(fileio::kHashBlockBytes);
  verifier::Sha256 hasher;
  std::uint64_t done = 0;
  for (;;) {
    ssize_t n = 0;
    do {
      n = ::read(fd.get(), buffer.data(), buffer.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      return fail(ErrorCode::kIo,
                  fmt::format("image '{}': cannot read {}: {}", image.name(), path.string(),
                              std::error_code(errno, std::generic_category()).message()));
    }
    if (n == 0) break;
    const ByteView block(buffer.data(), static_cast<std::size_t>(n));
    if (block.size() > image.size() - done) return changed(image, path, "it grew");
    hasher.update(block);
    if (auto ok = writer.write(block); !ok) return ok;
    done += block.size();
    if (progress) progress(Stage::kCopying, image.name(), done, image.size());
  }
  if (done != image.size()) return changed(image, path, "it shrank");
  auto digest = hasher.finish();
  if (!digest) return std::unexpected(digest.error());
  if (*digest != *recorded) {
    return changed(image, path, fmt::format("SHA-256 {} when hashed, {} when copied",
                                            recorded->hex(), digest->hex()));
  }
  return writer.end_entry();
}

}  // namespace

Result<BundleSummary> create_bundle(const v1::BundleSpec& spec, const fs::path& spec_dir,
                                    const v1::SkuCatalog& catalog, const fs::path& out,
                                    std::int64_t now_unix, const CreateProgress& progress) {
  auto planned = plan_bundle(spec, spec_dir, catalog, now_unix);
  if (!planned) return std::unexpected(planned.error());
  if (auto ok = hash_images(*planned, progress); !ok) return std::unexpected(ok.error());
  if (planned->bundle.has_station_software()) {
    if (auto ok = list_programs(*planned); !ok) return std::unexpected(ok.error());
  }
  if (auto ok = check_bundle_rules(planned->bundle); !ok) return std::unexpected(ok.error());

  BundleSummary summary;
  summary.path = out;
  summary.bundle = planned->bundle;
  summary.bundle_bytes = verifier::deterministic_bytes(summary.bundle);
  auto digest = verifier::sha256(summary.bundle_bytes);
  if (!digest) return std::unexpected(digest.error());
  summary.bundle_digest = *digest;

  auto writer = ArchiveWriter::create(out);
  if (!writer) return std::unexpected(writer.error());
  if (auto ok = writer->add_entry(kBundleEntry, summary.bundle_bytes); !ok) {
    return std::unexpected(ok.error());
  }
  // Content-addressed: two images with identical bytes share one entry.
  std::set<std::string> written;
  for (int i = 0; i < summary.bundle.images_size(); ++i) {
    const v1::Image& image = summary.bundle.images(i);
    if (!written.insert(image.sha256()).second) continue;
    if (auto ok = copy_image(*writer, image, planned->paths[static_cast<std::size_t>(i)],
                             progress);
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto size = writer->commit();
  if (!size) return std::unexpected(size.error());
  summary.archive_bytes = *size;
  return summary;
}

}  // namespace hallmark::bundle
