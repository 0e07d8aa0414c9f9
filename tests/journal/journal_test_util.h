// Helpers for the journal tests: a throwaway directory and whole-file reads and writes.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>

#include "verifier/core/bytes.h"

namespace hallmark::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hm-journal-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Bytes read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return to_bytes(s);
}

inline void write_all(const std::filesystem::path& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(as_chars(bytes).data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// An envelope-like payload, distinct per sequence number.
inline Bytes envelope_for(std::uint64_t n, std::size_t size = 200) {
  std::string s = "{\"payloadType\":\"unit-" + std::to_string(n) + "\"}";
  s.resize(size, static_cast<char>('a' + static_cast<char>(n % 26)));
  return to_bytes(s);
}

}  // namespace hallmark::testing
