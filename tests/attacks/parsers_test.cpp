// Inputs the fuzz targets found accepted (or mishandled) by a parser, kept as regression
// tests named after what they showed (fuzz/*_fuzz.cpp; docs/testing.md lists each).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "signer/evidence/export_reader.h"
#include "testkit/in_process_keys.h"

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;

fs::path write(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// fuzz/export_reader_fuzz.cpp: the reader took a 0 byte where a field starts (no protobuf
// writer emits one; protobuf's parser refuses it) for the end of the header and read on.
TEST_CASE("a station export with a 0 byte where a field starts is refused, as protobuf refuses it") {
  verifier::testing::TempDir dir;
  // 0x00, then field 5 (the checkpoint) of 5 bytes: read as an export without records.
  const auto path = write(dir.path() / "zero-tag.export", std::string_view("\x00\x2a\x05{}   ", 8));
  auto reader = evidence::ExportReader::open(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == ErrorCode::kVerificationFailed);
  CHECK(reader.error().message.find(path.string()) != std::string::npos);
  CHECK(reader.error().message.find("a 0 byte where a field starts, at byte 0") != std::string::npos);
}

// fuzz/export_reader_fuzz.cpp: the reader took any bytes for the station id; protobuf's
// parser (and so every other reader of the export) refuses a string field that is not UTF-8.
TEST_CASE("a station export whose station id is not UTF-8 is refused, as protobuf refuses it") {
  verifier::testing::TempDir dir;
  // station id "st\x80", then the checkpoint: an export without records.
  const auto path = write(dir.path() / "latin1-id.export", std::string_view("\x0a\x03st\x80\x2a\x02{}", 9));
  auto reader = evidence::ExportReader::open(path);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code == ErrorCode::kVerificationFailed);
  CHECK(reader.error().message.find(path.string()) != std::string::npos);
  CHECK(reader.error().message.find("the station id is not UTF-8") != std::string::npos);
}

}  // namespace
}  // namespace hallmark::attacks
