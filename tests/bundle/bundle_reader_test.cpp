// read_bundle(): every way a bundle file can be altered or malformed is refused, and the
// message names the bundle file and the entry.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>

#include "tests/bundle/bundle_test_support.h"
#include "verifier/bundle/bundle_reader.h"

using namespace hallmark;
using namespace hallmark::bundle;
using namespace hallmark::bundle::testing;
namespace fs = std::filesystem;

namespace {

std::string digest_hex(std::string_view data) {
  return verifier::sha256(as_bytes(data))->hex();
}

// Reads `path` expecting a refusal; returns the message.
std::string refusal(const fs::path& path, ErrorCode code = ErrorCode::kVerificationFailed,
                    const ReadOptions& options = {}) {
  auto read = read_bundle(path, options);
  REQUIRE_FALSE_MESSAGE(read.has_value(), "expected " << path << " to be refused");
  INFO(read.error().message);
  CHECK(read.error().code == code);
  CHECK(mentions(read.error().message, "bundle " + path.string()));
  return read.error().message;
}

// A valid bundle's entries, changed by `edit`, written as a new archive.
template <class Edit>
fs::path rebuilt(const Workspace& w, Edit edit) {
  auto entries = entries_of(w.create());
  edit(entries);
  const fs::path out = w.path("edited.bundle");
  write_archive(out, entries);
  return out;
}

}  // namespace

TEST_CASE("a hand-made archive with the same entries reads as a valid bundle") {
  Workspace w;  // guards the tests below: their archives fail for the reason they name
  auto read = read_bundle(rebuilt(w, [](auto&) {}));
  CHECK_MESSAGE(read.has_value(), read.error().message);
}

TEST_CASE("a byte flipped inside an image entry is caught as a digest mismatch") {
  Workspace w;
  const fs::path path = w.create();
  std::string bytes = read_bytes(path);
  const std::string app = read_bytes(w.path("app.bin"));
  const auto at = bytes.find(app.substr(0, 64));
  REQUIRE(at != std::string::npos);
  bytes[at + 5000] = static_cast<char>(bytes[at + 5000] ^ 0x01);
  write_bytes(path, bytes);
  const auto message = refusal(path);
  CHECK(mentions(message, "entry 'images/sha256-" + digest_hex(app) + "'"));
  CHECK(mentions(message, "not the digest its name claims"));
}

TEST_CASE("an image entry holding another listed image's bytes is caught") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) {
    e[2].data = e[1].data;  // app's entry now holds boot's bytes
  });
  CHECK(mentions(refusal(path), "not the digest its name claims"));
}

TEST_CASE("a truncated archive is refused wherever it is cut") {
  Workspace w;
  const fs::path path = w.create();
  const std::string bytes = read_bytes(path);
  const std::size_t size = bytes.size();
  // mid-image, just after the last entry (whole end marker gone), inside the end marker,
  // inside bundle.pb, and the empty file.
  for (std::size_t cut : {size / 2, size - 1024, size - 512, size - 1, std::size_t{600},
                          std::size_t{0}}) {
    CAPTURE(cut);
    const fs::path cut_path = w.path("cut.bundle");
    write_bytes(cut_path, std::string_view(bytes).substr(0, cut));
    refusal(cut_path);
  }
  write_bytes(w.path("cut.bundle"), std::string_view(bytes).substr(0, size - 1024));
  const auto message = refusal(w.path("cut.bundle"));
  CHECK(mentions(message, "truncated"));
  CHECK(mentions(message, "after entry 'images/sha256-"));
}

TEST_CASE("data hidden after the end-of-archive marker is refused") {
  Workspace w;
  const fs::path path = w.create();
  write_bytes(path, read_bytes(path) + std::string(512, '\0') + "hidden");
  CHECK(mentions(refusal(path), "data follows the end-of-archive marker"));
}

TEST_CASE("a byte changed in the zero padding after an entry's data is refused although every digest still matches") {
  Workspace w;
  const fs::path path = w.create();
  std::string bytes = read_bytes(path);
  // The first entry (hallmark/bundle.pb): its size is the octal field at header byte 124.
  const std::size_t size = std::stoul(bytes.substr(124, 11), nullptr, 8);
  REQUIRE(size % 512 != 0);  // it has padding
  const std::size_t at = 512 + size + (512 - size % 512) / 2;
  REQUIRE(bytes[at] == '\0');
  bytes[at] = 'x';
  write_bytes(path, bytes);
  const auto message = refusal(path);
  CHECK(mentions(message, "non-zero byte in the padding after its data"));
  CHECK(mentions(message, fmt::format("byte {} of the file", at)));
  CHECK(mentions(message, "hallmark/bundle.pb"));
}

TEST_CASE("zero padding after the end marker (tar's usual blocking) is accepted") {
  Workspace w;
  const fs::path path = w.create();
  write_bytes(path, read_bytes(path) + std::string(10240, '\0'));
  CHECK(read_bundle(path).has_value());
}

TEST_CASE("an extra entry the Bundle does not list is refused") {
  Workspace w;
  const std::string extra = pattern(4096, 77);
  const fs::path path = rebuilt(w, [&](auto& e) {
    e.push_back(file_entry("images/sha256-" + digest_hex(extra), extra));
  });
  const auto message = refusal(path);
  CHECK(mentions(message, "entry 'images/sha256-" + digest_hex(extra) + "'"));
  CHECK(mentions(message, "is not listed in hallmark/bundle.pb"));
}

TEST_CASE("an entry with an unknown name is refused") {
  Workspace w;
  const fs::path path =
      rebuilt(w, [](auto& e) { e.push_back(file_entry("README.txt", "hello")); });
  const auto message = refusal(path);
  CHECK(mentions(message, "entry 'README.txt': is not a bundle entry"));
}

TEST_CASE("an entry whose name climbs out with ../ is refused as path traversal") {
  Workspace w;
  for (const std::string name : {"../evil", "promotion/../../etc/passwd", "images/../x"}) {
    CAPTURE(name);
    const fs::path path = rebuilt(w, [&](auto& e) { e.push_back(file_entry(name, "x")); });
    const auto message = refusal(path);
    CHECK(mentions(message, "entry '" + name + "'"));
    CHECK(mentions(message, "path traversal"));
  }
}

TEST_CASE("an entry with an absolute name is refused as path traversal") {
  Workspace w;
  const fs::path path =
      rebuilt(w, [](auto& e) { e.push_back(file_entry("/etc/cron.d/x", "x")); });
  const auto message = refusal(path);
  CHECK(mentions(message, "absolute path"));
}

TEST_CASE("a symbolic link entry is refused even under an allowed name") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) {
    e.push_back({"promotion/trust-root.json", "", EntryType::kSymlink, "/etc/shadow"});
  });
  const auto message = refusal(path);
  CHECK(mentions(message, "entry 'promotion/trust-root.json': is a symbolic link"));
}

TEST_CASE("a hard link entry is refused") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) {
    e.push_back({"promotion/copy.json", "", EntryType::kHardlink, "hallmark/bundle.pb"});
  });
  CHECK(mentions(refusal(path), "entry 'promotion/copy.json': is a hard link"));
}

TEST_CASE("a directory entry is refused") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) {
    e.push_back({"promotion/dir", "", EntryType::kDirectory, ""});
  });
  CHECK(mentions(refusal(path), "director"));
}

TEST_CASE("a duplicate entry is refused") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) { e.push_back(e[2]); });
  const auto message = refusal(path);
  CHECK(mentions(message, "entry '" + std::string("images/sha256-")));
  CHECK(mentions(message, "appears twice"));
}

TEST_CASE("a second hallmark/bundle.pb is refused as a duplicate") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) { e.push_back(e[0]); });
  CHECK(mentions(refusal(path), "entry 'hallmark/bundle.pb': appears twice"));
}

TEST_CASE("an image listed in the Bundle but absent from the archive is refused") {
  Workspace w;
  const std::string app = read_bytes(w.path("app.bin"));
  const fs::path path = rebuilt(w, [](auto& e) { e.pop_back(); });
  const auto message = refusal(path);
  CHECK(mentions(message, "entry 'images/sha256-" + digest_hex(app) + "': is missing"));
  CHECK(mentions(message, "image 'app'"));
}

TEST_CASE("an archive that does not start with hallmark/bundle.pb is refused") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) { std::swap(e[0], e[1]); });
  CHECK(mentions(refusal(path), "comes first, but a bundle must start with hallmark/bundle.pb"));
}

TEST_CASE("a bundle.pb that is not a Bundle message is refused") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) { e[0].data = "\xff\xff\xff garbage"; });
  CHECK(mentions(refusal(path), "entry 'hallmark/bundle.pb': is not a valid hallmark.v1.Bundle"));
}

TEST_CASE("promotion and native entries are exposed: small bytes kept, digests streamed") {
  Workspace w;
  const std::string native = pattern(200000, 5);
  const std::string approval = R"({"payloadType":"x","payload":"","signatures":[]})";
  const fs::path path = rebuilt(w, [&](auto& e) {
    e.push_back(file_entry("native/sha256-" + digest_hex(native), native));
    e.push_back(file_entry("promotion/approvals/1.json", approval));
  });
  auto read = read_bundle(path);
  REQUIRE_MESSAGE(read.has_value(), read.error().message);
  const Bytes* small = read->small_entry("promotion/approvals/1.json");
  REQUIRE(small != nullptr);
  CHECK(as_chars(*small) == approval);
  const BundleEntry* n = read->find("native/sha256-" + digest_hex(native));
  REQUIRE(n != nullptr);
  CHECK(n->kind == EntryKind::kNative);
  CHECK(n->size == native.size());
  CHECK_FALSE(n->bytes.has_value());
}

TEST_CASE("a native entry whose content does not match its name is refused") {
  Workspace w;
  const std::string native = pattern(1000, 5);
  const fs::path path = rebuilt(w, [&](auto& e) {
    e.push_back(file_entry("native/sha256-" + digest_hex(native), native + "x"));
  });
  CHECK(mentions(refusal(path), "not the digest its name claims"));
}

TEST_CASE("a promotion entry over the document size limit is refused before it is read") {
  Workspace w;
  const fs::path path = rebuilt(w, [](auto& e) {
    e.push_back(file_entry("promotion/huge.json", std::string(5000, 'a')));
  });
  ReadOptions options;
  options.max_small_entry_bytes = 4096;
  CHECK(mentions(refusal(path, ErrorCode::kVerificationFailed, options),
                 "more than the limit of 4096 bytes"));
}

TEST_CASE("images stream through in blocks of at most 1 MiB, never whole") {
  Workspace w;
  w.dir.write("app.bin", pattern(3 * 1024 * 1024 + 17, 3));
  const fs::path path = w.create();
  std::size_t largest = 0;
  std::uint64_t app_bytes = 0;
  ReadOptions options;
  options.on_block = [&](const BundleEntry& entry, ByteView block) {
    largest = std::max(largest, block.size());
    if (entry.kind == EntryKind::kImage) app_bytes += block.size();
  };
  auto read = read_bundle(path, options);
  REQUIRE_MESSAGE(read.has_value(), read.error().message);
  CHECK(largest <= kReadBlockBytes);
  CHECK(app_bytes == 3 * 1024 * 1024 + 17 + 24 * 1024);
}

TEST_CASE("a compressed bundle is refused: only plain tar is read") {
  Workspace w;
  const fs::path path = w.create();
  const fs::path gz = w.path("release.bundle.gz");
  REQUIRE(std::system(("gzip -c " + path.string() + " > " + gz.string()).c_str()) == 0);
  refusal(gz);
}

TEST_CASE("a missing bundle file is an I/O error naming it") {
  Workspace w;
  auto read = read_bundle(w.path("nope.bundle"));
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().code == ErrorCode::kIo);
  CHECK(mentions(read.error().message, "nope.bundle"));
}
