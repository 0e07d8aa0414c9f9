// Countersign on SQLite killed with SIGKILL at every store call and at every write, sync
// and truncate SQLite makes inside the batch (its commit included), then run again: the
// store holds all of the batch or none of it after the kill, and after the rerun the
// store and the manifest files are byte-identical to those of a run never killed; nothing
// is countersigned twice, nothing committed is lost (crash_support.h). Label softhsm.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/evidence/crash_support.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;

// Kill points 1..total, every one when there are at most `most`, else `most` spread evenly
// (always the last ones: the commit and the manifest files).
std::vector<std::uint64_t> kill_points(std::uint64_t total, std::uint64_t most) {
  std::vector<std::uint64_t> out;
  if (total <= most) {
    for (std::uint64_t n = 1; n <= total; ++n) out.push_back(n);
    return out;
  }
  for (std::uint64_t i = 0; i < most; ++i) out.push_back(1 + i * (total - 1) / (most - 1));
  return out;
}

std::string open_dump(const std::string& location) {
  auto store = open_store(location);
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return dump_store(**store);
}

void check_killed_at_every_point(KillPoint point, std::uint64_t most) {
  install_counting_vfs();
  CrashScenario s;
  const fs::path dir = s.w.path("crash");

  // The reference: the batch never killed.
  const std::string ref_db = "sqlite:" + (dir / "ref.db").string();
  fs::create_directories(dir);
  s.prepare(ref_db, dir / "ref-manifests");
  const std::string before = open_dump(ref_db);
  reset_counts();
  auto ref = s.run(ref_db, s.batch, dir / "ref-manifests", true);
  const Counts total = counts();
  REQUIRE_MESSAGE(ref, (ref ? "" : ref.error().message));
  REQUIRE(ref->signatures == 1);
  REQUIRE(ref->new_size > ref->old_size);
  const std::string after = open_dump(ref_db);
  const DirContents ref_files = read_dir(dir / "ref-manifests");
  REQUIRE(ref_files.files.size() >= 6);
  const std::uint64_t points = point == KillPoint::kStoreCall ? total.store_calls : total.sqlite_io;
  MESSAGE(fmt::format("{} kill points in the batch; the test kills at {} of them", points,
                      std::min(points, most)));
  REQUIRE(points > 10);

  unsigned committed = 0;
  for (const std::uint64_t n : kill_points(points, most)) {
    CAPTURE(n);
    const fs::path here = dir / fmt::format("kill-{}", n);
    fs::create_directories(here);
    const std::string db = "sqlite:" + (here / "evidence.db").string();
    s.prepare(db, here / "manifests");

    std::string why;
    const bool killed = run_killed(point, n, [&] {
      return s.run(db, s.batch, here / "manifests", false) ? 0 : 1;
    }, why);
    REQUIRE_MESSAGE(killed, why);

    // All of the batch or nothing of it.
    const std::string found = open_dump(db);
    const bool was_committed = found == after;
    CHECK_MESSAGE((was_committed || found == before),
                  "after the kill the store holds part of the batch");
    committed += was_committed ? 1 : 0;

    // The rerun: countersigns what was not committed, nothing twice, and writes the
    // manifest files the killed run did not.
    auto again = s.run(db, s.batch, here / "manifests", false);
    REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    CHECK(again->signatures == (was_committed ? 0u : 1u));
    CHECK(again->new_size == ref->new_size);
    CHECK(open_dump(db) == after);
    const DirContents files = read_dir(here / "manifests");
    CHECK(files.files == ref_files.files);
    fs::remove_all(here);
  }
  // The kills landed on both sides of the commit.
  CHECK(committed > 0);
}

}  // namespace

TEST_CASE("countersign killed at any store call of a batch (SQLite) loses nothing committed, writes nothing twice, and its rerun makes the log and manifests of an uninterrupted run") {
  check_killed_at_every_point(KillPoint::kStoreCall, 400);
}

TEST_CASE("countersign killed at any write, sync or truncate SQLite makes in a batch (its commit included) leaves all of the batch or none, and its rerun makes the log of an uninterrupted run") {
  check_killed_at_every_point(KillPoint::kSqliteIo, 400);
}

}  // namespace hallmark::evidence::testing
