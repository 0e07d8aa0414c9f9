#include "signer/bundle/deb_programs.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "verifier/io/file_io.h"

namespace hallmark::bundle {
namespace {

struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::unexpected<Error> bad_package(const std::filesystem::path& package, std::string why) {
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("package {}: {}", package.string(), std::move(why)));
}

// The bytes of the ar member named data.tar[.*].
Result<Bytes> data_member(const std::filesystem::path& package, const Bytes& deb) {
  ArchivePtr ar(archive_read_new());
  archive_read_support_format_ar(ar.get());
  if (archive_read_open_memory(ar.get(), deb.data(), deb.size()) != ARCHIVE_OK) {
    return bad_package(package, "not a Debian package (not an ar archive)");
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(ar.get(), &entry) == ARCHIVE_OK) {
    const std::string_view name = archive_entry_pathname(entry);
    if (!name.starts_with("data.tar")) continue;
    const la_int64_t size = archive_entry_size(entry);
    if (size <= 0 || static_cast<std::uint64_t>(size) > kMaxPackageBytes) {
      return bad_package(package, fmt::format("its {} member has size {}", name, size));
    }
    Bytes data(static_cast<std::size_t>(size));
    if (archive_read_data(ar.get(), data.data(), data.size()) != size) {
      return bad_package(package, fmt::format("its {} member is truncated", name));
    }
    return data;
  }
  return bad_package(package, "it has no data.tar member");
}

}  // namespace

Result<std::vector<InstalledProgram>> installed_programs(const std::filesystem::path& package,
                                                         const verifier::Digest& expected) {
  auto deb = fileio::read_file(package, kMaxPackageBytes);
  if (!deb) return std::unexpected(deb.error());
  auto digest = verifier::sha256(*deb);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != expected) {
    return fail(ErrorCode::kIo,
                fmt::format("package {} changed after it was hashed (SHA-256 {} then {}); "
                            "nothing was written — make sure the packages are final and run "
                            "again", package.string(), expected.hex(), digest->hex()));
  }
  auto data = data_member(package, *deb);
  if (!data) return std::unexpected(data.error());
  ArchivePtr tar(archive_read_new());
  archive_read_support_filter_all(tar.get());
  archive_read_support_format_tar(tar.get());
  if (archive_read_open_memory(tar.get(), data->data(), data->size()) != ARCHIVE_OK) {
    return bad_package(package, fmt::format("its data member does not read: {}",
                                            archive_error_string(tar.get())));
  }
  std::vector<InstalledProgram> programs;
  archive_entry* entry = nullptr;
  Bytes buffer(64 * 1024);
  for (;;) {
    const int rc = archive_read_next_header(tar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) {
      return bad_package(package, fmt::format("its data member does not read: {}",
                                              archive_error_string(tar.get())));
    }
    std::string_view name = archive_entry_pathname(entry);
    if (name.starts_with("./")) name.remove_prefix(1);
    else if (!name.starts_with("/")) continue;
    if (archive_entry_filetype(entry) != AE_IFREG ||
        !(name.starts_with("/usr/bin/") || name.starts_with("/usr/sbin/"))) {
      continue;
    }
    verifier::Sha256 hasher;
    for (;;) {
      const la_ssize_t n = archive_read_data(tar.get(), buffer.data(), buffer.size());
      if (n < 0) {
        return bad_package(package, fmt::format("{} does not read: {}", name,
                                                archive_error_string(tar.get())));
      }
      if (n == 0) break;
      hasher.update(ByteView(buffer.data(), static_cast<std::size_t>(n)));
    }
    auto program = hasher.finish();
    if (!program) return std::unexpected(program.error());
    programs.push_back({std::string(name), *program});
  }
  std::sort(programs.begin(), programs.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  for (std::size_t i = 1; i < programs.size(); ++i) {
    if (programs[i].path == programs[i - 1].path) {
      return bad_package(package, fmt::format("it holds {} twice", programs[i].path));
    }
  }
  return programs;
}

}  // namespace hallmark::bundle
