// Countersign on a full disk (a small tmpfs the test mounts; skipped where mounting is not
// permitted): the evidence store's file system full at several points of a batch, and the
// manifest directory's file system full. Each ends with an error naming the file, nothing
// half-written (the store as before the batch, no partial or temporary manifest file), and
// once there is space again the same countersign completes the batch.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/evidence/crash_support.h"
#include "tests/support/tmpfs_mount.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::TmpfsMount;

std::string open_dump(const std::string& location) {
  auto store = open_store(location);
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return dump_store(**store);
}

void clear(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) fs::remove_all(e.path());
}

}  // namespace

TEST_CASE("countersign on a full disk under the evidence store fails naming the store and leaves the log as it was; with space again the same batch completes") {
  CrashScenario s;
  const fs::path dir = s.w.path("full-store");
  TmpfsMount disk(dir / "disk", 8u << 20);
  if (!disk.mounted()) {
    MESSAGE("SKIPPED: " << disk.why());
    return;
  }
  const fs::path db_path = disk.dir() / "evidence.db";
  const std::string db = "sqlite:" + db_path.string();
  std::string after;
  unsigned failed = 0;
  // From no space at all to enough: the batch meets the full disk at its first write, in
  // its cache spills, in its journal, at its commit.
  for (std::size_t leave = 0; leave <= (4u << 20); leave = leave == 0 ? 4096 : leave * 2) {
    CAPTURE(leave);
    clear(disk.dir());
    const fs::path manifests = dir / fmt::format("manifests-{}", leave);
    s.prepare(db, manifests);
    const std::string before = open_dump(db);
    disk.fill(leave);
    auto r = s.run(db, s.batch, manifests, true);
    disk.free();
    if (r) {
      after = open_dump(db);
      break;
    }
    ++failed;
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK_MESSAGE(r.error().message.find(db_path.string()) != std::string::npos, r.error().message);
    CHECK_MESSAGE(r.error().message.find("full") != std::string::npos, r.error().message);
    CHECK(open_dump(db) == before);
    // With space again: the batch, all of it.
    auto again = s.run(db, s.batch, manifests, true);
    REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    CHECK(again->signatures == 1);
    if (after.empty()) after = open_dump(db);
    CHECK(open_dump(db) == after);
  }
  CHECK(failed >= 3);
  CHECK_FALSE(after.empty());
}

TEST_CASE("countersign on a full disk under the manifest directory fails naming the manifest file, leaves no partial or temporary file, and its rerun writes every file") {
  CrashScenario s;
  const fs::path dir = s.w.path("full-manifests");
  fs::create_directories(dir);
  TmpfsMount disk(dir / "disk", 1u << 20);
  if (!disk.mounted()) {
    MESSAGE("SKIPPED: " << disk.why());
    return;
  }
  const std::string ref_db = "sqlite:" + (dir / "ref.db").string();
  s.prepare(ref_db, dir / "ref-manifests");
  REQUIRE(s.run(ref_db, s.batch, dir / "ref-manifests", true));
  const DirContents ref_files = read_dir(dir / "ref-manifests");

  const std::string db = "sqlite:" + (dir / "evidence.db").string();
  const fs::path manifests = disk.dir() / "manifests";
  s.prepare(db, manifests);
  const DirContents before = read_dir(manifests);
  disk.fill(0);
  auto r = s.run(db, s.batch, manifests, false);
  disk.free();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK_MESSAGE(r.error().message.find(manifests.string()) != std::string::npos, r.error().message);
  CHECK_MESSAGE(r.error().message.find(".manifest.json") != std::string::npos, r.error().message);
  const DirContents left = read_dir(manifests);
  CHECK(left.hidden.empty());            // no temporary file
  CHECK(left.files == before.files);     // no partial file
  // The batch is committed (the log is the evidence; the files are copies of it): the
  // rerun finds it countersigned and writes the files it did not.
  auto again = s.run(db, s.batch, manifests, false);
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(again->signatures == 0);
  CHECK(read_dir(manifests).files == ref_files.files);
}

}  // namespace hallmark::evidence::testing
