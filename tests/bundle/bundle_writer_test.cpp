// create_bundle(): round trip, determinism, hashing once, and atomicity under failure.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "signer/bundle/bundle_writer.h"
#include "tests/bundle/bundle_test_support.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/core/document.h"

using namespace hallmark;
using namespace hallmark::bundle;
using namespace hallmark::bundle::testing;
namespace fs = std::filesystem;

namespace {

verifier::Digest sha(std::string_view data) { return *verifier::sha256(as_bytes(data)); }

}  // namespace

TEST_CASE("create then read gives back the Bundle, its exact bytes and every image") {
  Workspace w;
  const fs::path out = w.path("release.bundle");
  auto created = create_bundle(w.spec, w.dir.path(), w.catalog, out, kCreated);
  REQUIRE_MESSAGE(created.has_value(), created.error().message);
  auto read = read_bundle(out);
  REQUIRE_MESSAGE(read.has_value(), read.error().message);

  CHECK(read->bundle_bytes == created->bundle_bytes);
  CHECK(read->bundle_digest == created->bundle_digest);
  CHECK(read->bundle_digest == *verifier::sha256(read->bundle_bytes));
  CHECK(read->bundle_bytes == verifier::deterministic_bytes(read->bundle));
  CHECK(read->bundle.version() == "1.2.0");
  CHECK(read->bundle.requester() == "a11ce0000000000000000000000000000000000000000000000000000000face");
  CHECK(read->archive_bytes == fs::file_size(out));
  REQUIRE(read->entries.size() == 3);
  CHECK(read->entries[0].name == kBundleEntry);
  for (const std::string file : {"boot.bin", "app.bin"}) {
    const auto digest = sha(read_bytes(w.path(file)));
    const BundleEntry* entry = read->find(image_entry_name(digest));
    REQUIRE_MESSAGE(entry != nullptr, file);
    CHECK(entry->sha256 == digest);
    CHECK(entry->size == fs::file_size(w.path(file)));
    CHECK_FALSE(entry->bytes.has_value());  // images are streamed, never kept
  }
  const auto& app = read->bundle.images(1);
  CHECK(app.sha256() == std::string(as_chars(sha(read_bytes(w.path("app.bin"))).bytes())));
  CHECK(app.flash_address() == 0x10000);
}

TEST_CASE("identical inputs give byte-identical bundles") {
  Workspace w;
  const auto first = w.create("a.bundle");
  const auto second = w.create("b.bundle");
  CHECK(read_bytes(first) == read_bytes(second));
  // ... and the creation time is part of what is approved, so it changes the bytes.
  auto later = create_bundle(w.spec, w.dir.path(), w.catalog, w.path("c.bundle"), kCreated + 1);
  REQUIRE(later.has_value());
  CHECK(read_bytes(first) != read_bytes(w.path("c.bundle")));
}

TEST_CASE("entries carry no metadata: mode 0444, mtime 0, owner 0, fixed order") {
  Workspace w;
  const std::string bytes = read_bytes(w.create());
  // ustar header fields of the first entry: mode, uid, gid, mtime (octal, NUL/space ended)
  CHECK(bytes.substr(100, 6) == "000444");
  CHECK(bytes.substr(108, 6) == "000000");
  CHECK(bytes.substr(116, 6) == "000000");
  CHECK(bytes.substr(136, 11) == "00000000000");
  CHECK(bytes.substr(257, 5) == "ustar");
  CHECK(bytes.substr(265, 32).find_first_not_of('\0') == std::string::npos);  // uname
  const auto entries = entries_of(w.path("release.bundle"));
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].data == read_bytes(w.path("boot.bin")));  // spec order after bundle.pb
  CHECK(entries[2].data == read_bytes(w.path("app.bin")));
}

TEST_CASE("each image is hashed exactly once, and copied once, in blocks of at most 1 MiB") {
  Workspace w;
  w.dir.write("app.bin", pattern(3 * 1024 * 1024 + 5, 9));
  std::map<std::pair<Stage, std::string>, std::uint64_t> last;
  std::map<std::pair<Stage, std::string>, int> restarts;
  auto created = create_bundle(
      w.spec, w.dir.path(), w.catalog, w.path("r.bundle"), kCreated,
      [&](Stage stage, std::string_view image, std::uint64_t done, std::uint64_t total) {
        auto key = std::make_pair(stage, std::string(image));
        if (done <= last[key]) ++restarts[key];  // a second pass would start again from 0
        CHECK(done - last[key] <= 1024 * 1024);
        CHECK(total == fs::file_size(w.path(std::string(image) + ".bin")));
        last[key] = done;
      });
  REQUIRE_MESSAGE(created.has_value(), created.error().message);
  CHECK(last[{Stage::kHashing, "app"}] == 3 * 1024 * 1024 + 5);
  CHECK(last[{Stage::kCopying, "app"}] == 3 * 1024 * 1024 + 5);
  CHECK(restarts.empty());
}

TEST_CASE("two images with identical bytes share one content-addressed entry") {
  Workspace w;
  w.dir.write("data.bin", read_bytes(w.path("boot.bin")));
  auto* data = w.spec.add_images();
  data->set_name("data");
  data->set_path("data.bin");
  data->set_role(v1::DATA);
  data->set_flash_address(0x300000);
  auto* plan = w.spec.mutable_plan();
  auto* step = plan->Add();
  step->set_kind(v1::ProvisioningStep::WRITE_IMAGE);
  step->set_image("data");
  for (int i = plan->size() - 1; i > 2; --i) plan->SwapElements(i, i - 1);  // before the burns
  auto created = create_bundle(w.spec, w.dir.path(), w.catalog, w.path("r.bundle"), kCreated);
  REQUIRE_MESSAGE(created.has_value(), created.error().message);
  auto read = read_bundle(w.path("r.bundle"));
  REQUIRE_MESSAGE(read.has_value(), read.error().message);
  CHECK(read->bundle.images_size() == 3);
  CHECK(read->entries.size() == 3);
}

TEST_CASE("an input file vanishing halfway leaves no output and no temporary file") {
  Workspace w;
  const auto before = w.dir.entries();
  auto created = create_bundle(
      w.spec, w.dir.path(), w.catalog, w.path("r.bundle"), kCreated,
      [&](Stage stage, std::string_view image, std::uint64_t, std::uint64_t) {
        if (stage == Stage::kCopying && image == "boot") fs::remove(w.path("app.bin"));
      });
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().code == ErrorCode::kIo);
  CHECK(mentions(created.error().message, w.path("app.bin").string()));
  auto expected = before;
  std::erase(expected, "app.bin");
  CHECK(w.dir.entries() == expected);  // no r.bundle, no .r.bundle.tmp-*
}

TEST_CASE("a file changed between hashing and copying is caught and nothing is written") {
  Workspace w;
  const std::string original = read_bytes(w.path("app.bin"));
  auto created = create_bundle(
      w.spec, w.dir.path(), w.catalog, w.path("r.bundle"), kCreated,
      [&](Stage stage, std::string_view image, std::uint64_t, std::uint64_t) {
        if (stage == Stage::kCopying && image == "boot") {
          std::string changed = original;
          changed[1000] = static_cast<char>(changed[1000] ^ 1);  // same size, other bytes
          write_bytes(w.path("app.bin"), changed);
        }
      });
  REQUIRE_FALSE(created.has_value());
  CHECK(mentions(created.error().message, "changed after it was hashed"));
  CHECK(mentions(created.error().message, "image 'app'"));
  CHECK_FALSE(fs::exists(w.path("r.bundle")));
  for (const auto& name : w.dir.entries()) CHECK_FALSE(mentions(name, ".tmp-"));
}

TEST_CASE("a file that grew between hashing and copying is caught") {
  Workspace w;
  auto created = create_bundle(
      w.spec, w.dir.path(), w.catalog, w.path("r.bundle"), kCreated,
      [&](Stage stage, std::string_view image, std::uint64_t, std::uint64_t) {
        if (stage == Stage::kCopying && image == "boot") {
          write_bytes(w.path("app.bin"), read_bytes(w.path("app.bin")) + "extra");
        }
      });
  REQUIRE_FALSE(created.has_value());
  CHECK(mentions(created.error().message, "it grew"));
  CHECK_FALSE(fs::exists(w.path("r.bundle")));
}

TEST_CASE("an output path that cannot be replaced leaves no temporary file behind") {
  Workspace w;
  fs::create_directory(w.path("out"));
  w.dir.write("out/keep", "x");  // a non-empty directory: rename over it fails
  auto created = create_bundle(w.spec, w.dir.path(), w.catalog, w.path("out"), kCreated);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().code == ErrorCode::kIo);
  CHECK(mentions(created.error().message, w.path("out").string()));
  for (const auto& name : w.dir.entries()) CHECK_FALSE(mentions(name, ".tmp-"));
}

TEST_CASE("a failed create leaves an existing bundle at the output path untouched") {
  Workspace w;
  const auto out = w.create("r.bundle");
  const std::string old = read_bytes(out);
  w.spec.set_version("1.3.0");
  find_image(w.spec, "app")->set_path("gone.bin");
  CHECK_FALSE(create_bundle(w.spec, w.dir.path(), w.catalog, out, kCreated).has_value());
  CHECK(read_bytes(out) == old);
}

TEST_CASE("an output directory that does not exist is an I/O error naming the path") {
  Workspace w;
  auto created =
      create_bundle(w.spec, w.dir.path(), w.catalog, w.path("no/such/dir/r.bundle"), kCreated);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().code == ErrorCode::kIo);
  CHECK(mentions(created.error().message, "no/such/dir/r.bundle"));
}
