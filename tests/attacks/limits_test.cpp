// Memory bombs before any signature check: every reader of untrusted input enforces its
// limit while it reads, before a buffer grows, and names the field and the limit. Each
// limit is tested at limit + 1 (refused) and, where cheap, at the limit (accepted).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "signer/evidence/export_reader.h"
#include "station-agent/driver/command_template_driver.h"
#include "tests/bundle/bundle_test_support.h"
#include "testkit/in_process_keys.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/core/dsse.h"
#include "verifier/journal/export_chain.h"

namespace hallmark::attacks {
namespace {

namespace fs = std::filesystem;

bool says(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE("message was: " << text);
  return false;
}

// {"payloadType":"t","payload":"","signatures":[{},{},...]} with `count` empty signatures,
// padded with spaces to `size` bytes when `size` is larger.
std::string empty_signatures(std::size_t count, std::size_t size = 0) {
  std::string json = R"({"payloadType":"t","payload":"","signatures":[)";
  json.reserve(std::max(size, json.size() + 3 * count + 3));
  for (std::size_t i = 0; i < count; ++i) json += i == 0 ? "{}" : ",{}";
  json += "]}";
  if (json.size() < size) json.append(size - json.size(), ' ');
  return json;
}

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_CASE("a 64 MiB envelope of empty signatures is refused while parsing") {
  // As many "{}," as fit in the largest envelope accepted: ~22 million signatures, about
  // 1.5 GB once stored. The parser must stop at the 257th.
  const std::size_t count = (verifier::kMaxEnvelopeBytes - 64) / 3;
  const std::string json = empty_signatures(count);
  REQUIRE(json.size() <= verifier::kMaxEnvelopeBytes);
  const long before = peak_rss_kib();
  auto parsed = verifier::parse_envelope_json(json);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == ErrorCode::kUsage);
  CHECK(says(parsed.error().message, "more than 256 signatures"));
  CHECK(peak_rss_kib() - before < 16 * 1024);  // no growth worth the name
}

TEST_CASE("an envelope with one signature more than the limit is refused while parsing, and one at the limit parses") {
  auto at_limit = verifier::parse_envelope_json(empty_signatures(verifier::kMaxSignatures));
  REQUIRE_MESSAGE(at_limit, (at_limit ? "" : at_limit.error().message));
  CHECK(static_cast<std::size_t>(at_limit->signatures_size()) == verifier::kMaxSignatures);
  auto over = verifier::parse_envelope_json(empty_signatures(verifier::kMaxSignatures + 1));
  REQUIRE_FALSE(over);
  CHECK(says(over.error().message, "more than 256 signatures"));
}

// A StationExport file laid out as the station writes it, with hand-made field sizes.
class ExportFile {
 public:
  explicit ExportFile(const fs::path& path) : out_(path, std::ios::binary | std::ios::trunc) {}
  void field(int number, std::string_view bytes) { field_header(number, bytes.size()), out_ << bytes; }
  void varint_field(int number, std::uint64_t value) {
    varint(static_cast<std::uint64_t>(number) << 3);
    varint(value);
  }
  // A length prefix claiming `size` bytes, followed by only `present` of them.
  void claimed(int number, std::uint64_t size, std::size_t present) {
    field_header(number, size);
    out_ << std::string(present, 'x');
  }
  void close() { out_.close(); }

 private:
  void field_header(int number, std::uint64_t size) {
    varint(static_cast<std::uint64_t>(number) << 3 | 2);
    varint(size);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.put(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.put(static_cast<char>(v));
  }
  std::ofstream out_;
};

Error export_refusal(const fs::path& path) {
  auto reader = evidence::ExportReader::open(path);
  if (!reader) return reader.error();
  for (;;) {
    auto record = reader->next();
    if (!record) return record.error();
    if (!record->has_value()) break;
  }
  FAIL("the export was read to its end");
  return {};
}

TEST_CASE("a station export whose record claims more than the record limit is refused before it is read") {
  verifier::testing::TempDir dir;
  const fs::path path = dir.path() / "bomb.export";
  ExportFile file(path);
  file.field(1, "station-1");
  file.varint_field(2, 1);
  file.varint_field(3, 1);
  file.claimed(4, verifier::kMaxJournalRecordBytes + 1, 100);
  file.close();
  const Error e = export_refusal(path);
  CHECK(e.code == ErrorCode::kVerificationFailed);
  CHECK(says(e.message, path.string()));
  CHECK(says(e.message, fmt::format("a record of {} bytes is over the {} byte limit",
                                    verifier::kMaxJournalRecordBytes + 1,
                                    verifier::kMaxJournalRecordBytes)));
}

TEST_CASE("a station export record at the record limit is read") {
  verifier::testing::TempDir dir;
  const fs::path path = dir.path() / "big.export";
  ExportFile file(path);
  file.field(1, "station-1");
  file.varint_field(2, 1);
  file.varint_field(3, 1);
  file.field(4, std::string(verifier::kMaxJournalRecordBytes, 'r'));
  file.field(5, "{}");
  file.close();
  auto reader = evidence::ExportReader::open(path);
  REQUIRE(reader);
  auto record = reader->next();
  REQUIRE_MESSAGE(record, (record ? "" : record.error().message));
  REQUIRE(record->has_value());
  CHECK((*record)->size() == verifier::kMaxJournalRecordBytes);
}

TEST_CASE("a station export with an oversized station id or checkpoint is refused before it is read") {
  verifier::testing::TempDir dir;
  const fs::path id_path = dir.path() / "id.export";
  {
    ExportFile file(id_path);
    file.claimed(1, verifier::kMaxStationIdBytes + 1, verifier::kMaxStationIdBytes + 1);
    file.close();
  }
  auto by_id = evidence::ExportReader::open(id_path);
  REQUIRE_FALSE(by_id);
  CHECK(says(by_id.error().message, "the station id of 256 bytes is over the 255 byte limit"));

  const fs::path checkpoint_path = dir.path() / "checkpoint.export";
  {
    ExportFile file(checkpoint_path);
    file.field(1, "station-1");
    file.varint_field(2, 1);
    file.varint_field(3, 0);
    file.claimed(5, 2u * 1024u * 1024u * 1024u - 1, 10);  // 2 GiB claimed
    file.close();
  }
  const Error e = export_refusal(checkpoint_path);
  CHECK(says(e.message, fmt::format("over the {} byte limit", verifier::kMaxCheckpointBytes)));
}

TEST_CASE("an export chain refuses a record or checkpoint over its limit, whoever read it") {
  verifier::ExportHeader header{StationId("station-1"), 1, 1};
  auto chain = verifier::ExportChain::begin(header, verifier::ChainPoint{}, true);
  REQUIRE(chain);
  const Bytes record(verifier::kMaxJournalRecordBytes + 1, std::byte{0});
  auto added = chain->add(record);
  REQUIRE_FALSE(added);
  CHECK(says(added.error().message, "the limit is 16777216"));
  verifier::ExportHeader empty{StationId("station-1"), 1, 0};
  auto none = verifier::ExportChain::begin(empty, verifier::ChainPoint{}, true);
  REQUIRE(none);
  const auto& key = verifier::testing::key(verifier::testing::Alg::kP256).pub;
  auto finished = none->finish(std::string(verifier::kMaxCheckpointBytes + 1, ' '), key);
  REQUIRE_FALSE(finished);
  CHECK(says(finished.error().message, "checkpoint envelope is 65537 bytes"));
}

TEST_CASE("a device tool that floods its output is killed and refused, and output at the limit is kept") {
  const std::size_t limit = device::kMaxToolOutputBytes;
  auto flood = device::run_tool({"/bin/sh", "-c", "exec head -c 100000000 /dev/zero"},
                                std::chrono::seconds(20));
  REQUIRE_FALSE(flood);
  CHECK(flood.error().code == ErrorCode::kIo);
  CHECK(says(flood.error().message, fmt::format("passed the {} byte limit", limit)));
  CHECK(says(flood.error().message, "/bin/sh"));

  auto over = device::run_tool({"/bin/sh", "-c", fmt::format("exec head -c {} /dev/zero", limit + 1)},
                               std::chrono::seconds(20));
  REQUIRE_FALSE(over);
  auto at = device::run_tool({"/bin/sh", "-c", fmt::format("exec head -c {} /dev/zero", limit)},
                             std::chrono::seconds(20));
  REQUIRE_MESSAGE(at, (at ? "" : at.error().message));
  CHECK(at->exit_status == 0);
  CHECK(at->output.size() == limit);
}

std::string bundle_refusal(const fs::path& path) {
  auto read = bundle::read_bundle(path);
  REQUIRE_FALSE_MESSAGE(read, "expected " << path << " to be refused");
  CHECK(read.error().code == ErrorCode::kVerificationFailed);
  return read.error().message;
}

TEST_CASE("a bundle with a promotion entry over the promotion entry limit is refused before it is read") {
  bundle::testing::Workspace w;
  auto entries = bundle::testing::entries_of(w.create());
  entries.push_back(bundle::testing::file_entry(
      "promotion/approval-1.json", std::string(bundle::kMaxPromotionEntryBytes + 1, ' ')));
  const fs::path path = w.path("huge-approval.bundle");
  bundle::testing::write_archive(path, entries);
  CHECK(says(bundle_refusal(path), fmt::format("promotion/approval-1.json': is {} bytes, more than "
                                               "the limit of {} bytes for a promotion entry",
                                               bundle::kMaxPromotionEntryBytes + 1,
                                               bundle::kMaxPromotionEntryBytes)));
}

TEST_CASE("a bundle with one promotion entry more than the limit is refused, and one at the limit is read") {
  bundle::testing::Workspace w;
  const auto base = bundle::testing::entries_of(w.create());
  auto with = [&](std::size_t count) {
    auto entries = base;
    for (std::size_t i = 1; i <= count; ++i) {
      entries.push_back(bundle::testing::file_entry(fmt::format("promotion/approval-{}.json", i), "{}"));
    }
    const fs::path path = w.path(fmt::format("promotions-{}.bundle", count));
    bundle::testing::write_archive(path, entries);
    return path;
  };
  auto at_limit = bundle::read_bundle(with(bundle::kMaxPromotionEntries));
  CHECK_MESSAGE(at_limit, (at_limit ? "" : at_limit.error().message));
  CHECK(says(bundle_refusal(with(bundle::kMaxPromotionEntries + 1)),
             fmt::format("is promotion entry 257: a bundle carries at most {}",
                         bundle::kMaxPromotionEntries)));
}

}  // namespace
}  // namespace hallmark::attacks
