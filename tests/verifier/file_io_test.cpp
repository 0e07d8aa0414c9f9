#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "testkit/in_process_keys.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"

namespace fio = hallmark::fileio;
namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using hallmark::as_chars;
using hallmark::ErrorCode;

namespace {
bool mentions(const hallmark::Error& e, std::string_view text) {
  return e.message.find(text) != std::string::npos;
}
}  // namespace

TEST_CASE("read_file returns the bytes and enforces its size limit exactly") {
  ht::TempDir dir;
  const auto path = dir.write("f.bin", std::string(100, 'a'));
  auto ok = fio::read_file(path, 100);
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 100);
  auto big = fio::read_file(path, 99);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == ErrorCode::kIo);
  CHECK(mentions(big.error(), path.string()));
  CHECK(mentions(big.error(), "limit"));
  CHECK(fio::read_file(dir.write("empty", ""), 0)->empty());
}

TEST_CASE("read_file on an endless device stops at the limit instead of reading everything") {
  // /dev/zero never ends; a reader without a limit would never return.
  auto r = fio::read_file("/dev/zero", 4096);
  REQUIRE_FALSE(r.has_value());
  CHECK(mentions(r.error(), "limit"));
}

TEST_CASE("read_file names a missing file and refuses a directory") {
  ht::TempDir dir;
  auto missing = fio::read_file(dir.path() / "nope.json", 10);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK(mentions(missing.error(), "nope.json"));
  CHECK(mentions(missing.error(), "No such file"));
  auto directory = fio::read_file(dir.path(), 10);
  REQUIRE_FALSE(directory.has_value());
  CHECK(mentions(directory.error(), "directory"));
}

TEST_CASE("hash_file of a multi-MiB file equals the one-shot hash, in 1 MiB blocks") {
  ht::TempDir dir;
  std::string data(5 * fio::kHashBlockBytes + 123, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : data) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  const auto path = dir.write("image.bin", data);
  std::vector<std::uint64_t> progress;
  std::uint64_t total_seen = 0;
  auto digest = fio::hash_file(path, [&](std::uint64_t done, std::uint64_t total) {
    progress.push_back(done);
    total_seen = total;
  });
  REQUIRE(digest.has_value());
  CHECK(*digest == *hv::sha256(as_bytes(data)));
  CHECK(progress.size() == 6);
  CHECK(progress.front() == fio::kHashBlockBytes);
  CHECK(progress.back() == data.size());
  CHECK(total_seen == data.size());
}

TEST_CASE("hash_file of a missing file is an I/O error naming it") {
  auto r = fio::hash_file("/nonexistent/firmware.bin");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(mentions(r.error(), "/nonexistent/firmware.bin"));
}

TEST_CASE("write_file_atomic writes, replaces, and leaves only the target") {
  ht::TempDir dir;
  const auto path = dir.path() / "out.json";
  REQUIRE(fio::write_file_atomic(path, as_bytes("first")).has_value());
  REQUIRE(fio::write_file_atomic(path, as_bytes("second")).has_value());
  CHECK(ht::read_text(path) == "second");
  CHECK(dir.entries() == std::vector<std::string>{"out.json"});
}

TEST_CASE("write_file_atomic applies the requested mode (less umask)") {
  ht::TempDir dir;
  const mode_t old = ::umask(022);
  const auto path = dir.path() / "secret";
  REQUIRE(fio::write_file_atomic(path, as_bytes("x"), 0600).has_value());
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("atomic write onto a directory fails and leaves no temp files") {
  ht::TempDir dir;
  std::filesystem::create_directory(dir.path() / "target");
  auto r = fio::write_file_atomic(dir.path() / "target", as_bytes("data"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(mentions(r.error(), "target"));
  CHECK(dir.entries() == std::vector<std::string>{"target"});
  CHECK(std::filesystem::is_empty(dir.path() / "target"));
}

TEST_CASE("atomic write into a missing directory fails without creating anything") {
  ht::TempDir dir;
  auto r = fio::write_file_atomic(dir.path() / "missing" / "out.json", as_bytes("data"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(dir.entries().empty());
}

TEST_CASE("atomic write into a read-only directory fails and leaves nothing") {
  if (::geteuid() == 0) {
    MESSAGE("running as root: permission bits do not stop root; checked by the cases above");
    CHECK(true);
    return;
  }
  ht::TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_exec);
  auto r = fio::write_file_atomic(dir.path() / "out.json", as_bytes("data"));
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  REQUIRE_FALSE(r.has_value());
  CHECK(dir.entries().empty());
}

TEST_CASE("exclusive write refuses to overwrite") {
  ht::TempDir dir;
  const auto path = dir.path() / "segment-0001";
  REQUIRE(fio::write_file_exclusive(path, as_bytes("original"), 0444).has_value());
  auto again = fio::write_file_exclusive(path, as_bytes("replacement"), 0444);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kIo);
  CHECK(mentions(again.error(), "segment-0001"));
  CHECK(mentions(again.error(), "already exists"));
  CHECK(ht::read_text(path) == "original");
}

TEST_CASE("exclusive write into a missing directory fails and names the file") {
  ht::TempDir dir;
  auto r = fio::write_file_exclusive(dir.path() / "no" / "f", as_bytes("x"), 0444);
  REQUIRE_FALSE(r.has_value());
  CHECK(mentions(r.error(), "no/f"));
}

TEST_CASE("an envelope file one byte over the one signed-document limit is refused unparsed") {
  ht::TempDir dir;
  // Valid JSON padded with spaces to exactly the limit, then one byte more.
  const std::string json =
      R"({"payloadType":"t","payload":"","signatures":[{"keyid":"","sig":"AA=="}]})";
  std::string at_limit = json + std::string(fio::kMaxSignedDocumentBytes - json.size(), ' ');
  const auto ok_path = dir.write("at-limit.json", at_limit);
  auto ok = fio::read_envelope(ok_path);
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  CHECK(ok->payload_type() == "t");
  const auto big_path = dir.write("over-limit.json", at_limit + " ");
  auto big = fio::read_envelope(big_path);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == ErrorCode::kIo);
  CHECK(mentions(big.error(), big_path.string()));
  CHECK(mentions(big.error(), "limit of " + std::to_string(fio::kMaxSignedDocumentBytes) + " bytes"));
}

TEST_CASE("an envelope file one byte over its kind's own limit is refused naming the file and "
          "that limit") {
  ht::TempDir dir;
  constexpr std::size_t kLimit = 512;  // a kind with its own constant (the station snapshot's)
  const std::string json =
      R"({"payloadType":"t","payload":"","signatures":[{"keyid":"","sig":"AA=="}]})";
  const std::string at_limit = json + std::string(kLimit - json.size(), ' ');
  auto ok = fio::read_envelope(dir.write("at-limit.json", at_limit), kLimit);
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  const auto big_path = dir.write("over-limit.json", at_limit + " ");
  auto big = fio::read_envelope(big_path, kLimit);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == ErrorCode::kIo);
  CHECK(mentions(big.error(), big_path.string()));
  CHECK(mentions(big.error(), "limit of 512 bytes"));
  // The same file is well within the signed-document limit: the limit given is the one held.
  CHECK(fio::read_envelope(big_path).has_value());
}

TEST_CASE("an envelope file that is not DSSE JSON is refused naming the file") {
  ht::TempDir dir;
  const auto path = dir.write("bad.json", "{\"payloadType\":");
  auto r = fio::read_envelope(path);
  REQUIRE_FALSE(r.has_value());
  CHECK(mentions(r.error(), path.string()));
}
