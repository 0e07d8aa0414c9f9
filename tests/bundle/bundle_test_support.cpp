#include "tests/bundle/bundle_test_support.h"

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "signer/bundle/bundle_writer.h"

namespace hallmark::bundle::testing {

namespace fs = std::filesystem;

Workspace::Workspace() {
  dir.write("boot.bin", pattern(24 * 1024, 1));
  dir.write("app.bin", pattern(300 * 1024, 2));
  const bool catalog_ok = google::protobuf::TextFormat::ParseFromString(R"pb(
    skus { sku: "sensor-c3" device_family: "esp32-c3" flash_size: 4194304
           formats: ESP32_SECURE_BOOT_V2 }
    skus { sku: "gateway-nrf" device_family: "nrf52840" flash_size: 1048576 formats: MCUBOOT }
  )pb", &catalog);
  const bool spec_ok = google::protobuf::TextFormat::ParseFromString(R"pb(
    sku: "sensor-c3"
    version: "1.2.0"
    security_counter: 3
    requester: "a11ce0000000000000000000000000000000000000000000000000000000face"  # rm-alice's card
    images { name: "boot" path: "boot.bin" role: BOOTLOADER format: ESP32_SECURE_BOOT_V2
             flash_address: 0x0 }
    images { name: "app" path: "app.bin" role: APPLICATION flash_address: 0x10000 }
    plan { kind: WRITE_IMAGE image: "boot" }
    plan { kind: WRITE_IMAGE image: "app" }
    plan { kind: VERIFY_READBACK image: "app" }
    plan { kind: PROVISION_IDENTITY }
    plan { kind: BURN_EFUSE efuse: "secure-boot-enable" }
    plan { kind: BURN_EFUSE efuse: "debug-disable" }
    efuses { name: "secure-boot-enable" value: "\001" }
    efuses { name: "debug-disable" value: "\001" }
    certificate_profile { subject_template: "CN=${serial},O=Example" validity_days: 3650
                          key_algorithm: "ecdsa-p256" }
  )pb", &spec);
  if (!catalog_ok || !spec_ok) throw std::runtime_error("test textproto does not parse");
}

fs::path Workspace::write_textprotos() const {
  std::string spec_text;
  std::string catalog_text;
  google::protobuf::TextFormat::PrintToString(spec, &spec_text);
  google::protobuf::TextFormat::PrintToString(catalog, &catalog_text);
  dir.write("catalog.textproto", catalog_text);
  return dir.write("spec.textproto", spec_text);
}

fs::path Workspace::create(const std::string& name) const {
  const fs::path out = path(name);
  auto created = create_bundle(spec, dir.path(), catalog, out, kCreated);
  if (!created) FAIL("create_bundle failed: " << created.error().message);
  return out;
}

v1::BundleSpec::ImageFile* find_image(v1::BundleSpec& spec, std::string_view name) {
  for (auto& image : *spec.mutable_images()) {
    if (image.name() == name) return &image;
  }
  throw std::runtime_error("no image " + std::string(name));
}

void write_archive(const fs::path& path, const std::vector<TestEntry>& entries) {
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                                   &archive_write_free);
  archive_write_set_format_ustar(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open_filename(a.get(), path.c_str()) != ARCHIVE_OK) {
    throw std::runtime_error("cannot open " + path.string());
  }
  for (const auto& e : entries) {
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(
        archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(entry.get(), e.name.c_str());
    archive_entry_set_perm(entry.get(), 0444);
    switch (e.type) {
      case EntryType::kFile:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
        break;
      case EntryType::kSymlink:
        archive_entry_set_filetype(entry.get(), AE_IFLNK);
        archive_entry_set_symlink(entry.get(), e.target.c_str());
        break;
      case EntryType::kHardlink:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_hardlink(entry.get(), e.target.c_str());
        break;
      case EntryType::kDirectory:
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        break;
    }
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      throw std::runtime_error(std::string("header: ") + archive_error_string(a.get()));
    }
    if (e.type == EntryType::kFile && !e.data.empty()) {
      archive_write_data(a.get(), e.data.data(), e.data.size());
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) throw std::runtime_error("close failed");
}

std::vector<TestEntry> entries_of(const fs::path& bundle) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                                  &archive_read_free);
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), bundle.c_str(), 65536) != ARCHIVE_OK) {
    throw std::runtime_error("cannot open " + bundle.string());
  }
  std::vector<TestEntry> entries;
  struct archive_entry* entry = nullptr;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    TestEntry e;
    e.name = archive_entry_pathname(entry);
    e.data.resize(static_cast<std::size_t>(archive_entry_size(entry)));
    if (!e.data.empty()) archive_read_data(a.get(), e.data.data(), e.data.size());
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& path, std::string_view data) {
  std::error_code ec;
  fs::remove(path, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

bool mentions(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace hallmark::bundle::testing
