// Test-only helpers for the bundle tests: a workspace with build outputs, a catalogue and a
// spec that passes every rule; hand-made tar archives (libarchive) for malformed bundles;
// byte-level tampering. Never used outside tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "testkit/in_process_keys.h"
#include "testkit/pattern.h"
#include "verifier/core/bytes.h"

namespace hallmark::bundle::testing {

inline constexpr std::uint64_t kFlashSize = 4 * 1024 * 1024;
inline constexpr std::int64_t kCreated = 1'700'000'000;

// Deterministic pseudo-random bytes (testkit/pattern.h).
using hallmark::testing::pattern;

// A temporary directory holding boot.bin (24 KiB), app.bin (300 KiB), the SKU catalogue
// ("sensor-c3", esp32-c3, 4 MiB, ESP32 Secure Boot V2) and a valid spec for them.
struct Workspace {
  Workspace();
  verifier::testing::TempDir dir;
  v1::SkuCatalog catalog;
  v1::BundleSpec spec;

  [[nodiscard]] std::filesystem::path path(const std::string& name) const {
    return dir.path() / name;
  }
  // Writes spec and catalog as textproto files (for the CLI); returns the spec path.
  std::filesystem::path write_textprotos() const;
  // create_bundle() with this workspace's spec into `name`; fails the test on error.
  std::filesystem::path create(const std::string& name = "release.bundle") const;
};

v1::BundleSpec::ImageFile* find_image(v1::BundleSpec& spec, std::string_view name);

enum class EntryType { kFile, kSymlink, kHardlink, kDirectory };

struct TestEntry {
  std::string name;
  std::string data;
  EntryType type = EntryType::kFile;
  std::string target;  // link target
};

inline TestEntry file_entry(std::string name, std::string data) {
  return TestEntry{std::move(name), std::move(data), EntryType::kFile, {}};
}

// A ustar archive of exactly these entries, in this order.
void write_archive(const std::filesystem::path& path, const std::vector<TestEntry>& entries);

// The entries of a valid bundle, bytes and all, to rebuild it with changes.
std::vector<TestEntry> entries_of(const std::filesystem::path& bundle);

std::string read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, std::string_view data);  // replaces

// Whether `text` mentions `part` (for readable CHECK failures, print the message too).
bool mentions(const std::string& text, std::string_view part);

}  // namespace hallmark::bundle::testing
