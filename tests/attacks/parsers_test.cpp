// Inputs the fuzz targets found accepted (or mishandled) by a parser, kept as regression
// tests named after what they showed (fuzz/*_fuzz.cpp; docs/testing.md lists each).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
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

// What the export reader refuses the file with, opening it or reading it to its end;
// nullopt when it reads whole.
std::optional<Error> refusal(const fs::path& path) {
  auto reader = evidence::ExportReader::open(path);
  if (!reader) return reader.error();
  for (;;) {
    auto step = reader->next();
    if (!step) return step.error();
    if (!*step) return std::nullopt;
  }
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

// A tag cut short after its first byte (0x80 at the end of the file) was reported as "a 0
// byte where a field starts": the operator was sent looking for a byte that is not there.
TEST_CASE("a station export that ends inside a field tag is refused as cut short, not as a 0 byte") {
  verifier::testing::TempDir dir;
  // first_sequence 1, then the first byte of a two-byte tag.
  const auto path = write(dir.path() / "cut-tag.export", std::string_view("\x10\x01\x80", 3));
  const auto error = refusal(path);
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kVerificationFailed);
  CHECK(error->message.find(path.string()) != std::string::npos);
  INFO(error->message);
  CHECK(error->message.find("the field tag at byte 2 is cut short") != std::string::npos);
  CHECK(error->message.find("a 0 byte") == std::string::npos);
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

// fuzz/export_reader_fuzz.cpp, 2026-12-07 (export_reader-crash-8673ee7f): a record's size
// padded to 9 bytes (0x80 ... 0x00, value 0). CodedInputStream read it as 0 and the reader
// accepted the file; protobuf's parser, and so every other reader of the export, refuses a
// size over 5 bytes. Padded sizes, tags and sequence numbers are all refused now.
TEST_CASE("a station export with a padded varint that protobuf refuses is refused, fuzz finding export_reader-crash-8673ee7f") {
  verifier::testing::TempDir dir;
  struct Case {
    const char* name;
    std::string_view bytes;
    const char* says;
  };
  const Case cases[] = {
      // field 4 (a record) of size 0 in 9 bytes, then the checkpoint: the fuzzer's input.
      {"size-9-bytes", std::string_view("\x22\x80\x80\x80\x80\x80\x80\x80\x00\x2a\x02{}", 13),
       "a record at byte 1 has a padded varint"},
      // the same size in 2 bytes: protobuf takes it, but no writer emits it.
      {"size-2-bytes", std::string_view("\x22\x80\x00\x2a\x02{}", 7),
       "a record at byte 1 has a padded varint"},
      // field 4's tag padded to 6 bytes, its low 32 bits the tag itself.
      {"tag-6-bytes", std::string_view("\xa2\x80\x80\x80\x80\x10\x00\x2a\x02{}", 11),
       "the field tag at byte 0 has a padded varint"},
      // first_sequence 1 in 2 bytes.
      {"sequence-2-bytes", std::string_view("\x10\x81\x00\x2a\x02{}", 7),
       "the first sequence at byte 1 has a padded varint"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto path = write(dir.path() / (std::string(c.name) + ".export"), c.bytes);
    const auto error = refusal(path);
    REQUIRE(error);
    CHECK(error->code == ErrorCode::kVerificationFailed);
    CHECK(error->message.find(path.string()) != std::string::npos);
    CHECK(error->message.find(c.says) != std::string::npos);
  }
  // The shortest encodings still read: one record of 1 byte, then the checkpoint.
  const auto good = write(dir.path() / "good.export", std::string_view("\x10\x01\x22\x01x\x2a\x02{}", 9));
  auto reader = evidence::ExportReader::open(good);
  REQUIRE_MESSAGE(reader, (reader ? "" : reader.error().message));
  auto record = reader->next();
  REQUIRE((record && *record && (*record)->size() == 1));
  auto end = reader->next();
  REQUIRE((end && !*end));
  CHECK(reader->checkpoint_envelope() == "{}");
}

}  // namespace
}  // namespace hallmark::attacks
