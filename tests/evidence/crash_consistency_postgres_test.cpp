// Countersign on PostgreSQL killed with SIGKILL at store calls of a batch and run again
// (crash_support.h), and its connection dropped mid-batch by the server (another session
// terminates it): a clear error naming the store, and nothing of the batch in it. Label
// postgres: the CTest fixture starts and stops the server (tests/support/postgres_server.sh).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/evidence/crash_support.h"
#include "tests/store/store_test_support.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
using test::PostgresBackend;

std::string open_dump(const std::string& location) {
  auto store = open_store(location);
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return dump_store(**store);
}

struct Reference {
  std::string before;
  std::string after;
  DirContents files;
  std::uint64_t store_calls = 0;
  std::uint64_t new_size = 0;
};

Reference reference(CrashScenario& s, const fs::path& dir) {
  PostgresBackend backend;
  Reference ref;
  s.prepare(backend.location(), dir / "ref-manifests");
  ref.before = open_dump(backend.location());
  reset_counts();
  auto done = s.run(backend.location(), s.batch, dir / "ref-manifests", true);
  ref.store_calls = counts().store_calls;
  REQUIRE_MESSAGE(done, (done ? "" : done.error().message));
  REQUIRE(done->signatures == 1);
  ref.new_size = done->new_size;
  ref.after = open_dump(backend.location());
  ref.files = read_dir(dir / "ref-manifests");
  REQUIRE(ref.files.files.size() >= 6);
  return ref;
}

constexpr const char* kTerminateOthers =
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()";

}  // namespace

TEST_CASE("postgres: countersign killed at store calls of a batch loses nothing committed, writes nothing twice, and its rerun makes the log and manifests of an uninterrupted run") {
  CrashScenario s;
  const fs::path dir = s.w.path("crash");
  const Reference ref = reference(s, dir);
  REQUIRE(ref.store_calls > 10);
  // Every 4th call (a fresh database each), and the last ones: the commit, the manifests.
  std::vector<std::uint64_t> points;
  for (std::uint64_t n = 1; n <= ref.store_calls; n += 4) points.push_back(n);
  for (std::uint64_t n = ref.store_calls > 12 ? ref.store_calls - 12 : 1; n <= ref.store_calls; ++n) {
    points.push_back(n);
  }
  MESSAGE(fmt::format("{} store calls in the batch; the test kills at {} of them",
                      ref.store_calls, points.size()));
  unsigned committed = 0;
  for (const std::uint64_t n : points) {
    CAPTURE(n);
    PostgresBackend backend;
    const fs::path manifests = dir / fmt::format("manifests-{}", n);
    s.prepare(backend.location(), manifests);
    std::string why;
    const bool killed = run_killed(KillPoint::kStoreCall, n, [&] {
      return s.run(backend.location(), s.batch, manifests, false) ? 0 : 1;
    }, why);
    REQUIRE_MESSAGE(killed, why);
    // The server rolls back what the killed client left open; the rerun's begin() waits
    // for it (the store's write lock).
    auto again = s.run(backend.location(), s.batch, manifests, false);
    REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    const bool was_committed = again->signatures == 0;
    committed += was_committed ? 1 : 0;
    CHECK(again->new_size == ref.new_size);
    CHECK(open_dump(backend.location()) == ref.after);
    CHECK(read_dir(manifests).files == ref.files.files);
    fs::remove_all(manifests);
  }
  CHECK(committed > 0);
}

TEST_CASE("postgres: a connection dropped by the server mid-batch ends countersign with an error naming the store, and nothing of the batch is in it") {
  CrashScenario s;
  const fs::path dir = s.w.path("drop");
  const Reference ref = reference(s, dir);
  // Calls before the batch's commit: a drop there must leave nothing.
  unsigned refused = 0;
  for (std::uint64_t n = 2; n < ref.store_calls; n += std::max<std::uint64_t>(1, ref.store_calls / 12)) {
    CAPTURE(n);
    PostgresBackend backend;
    const fs::path manifests = dir / fmt::format("manifests-{}", n);
    s.prepare(backend.location(), manifests);
    const DirContents files_before = read_dir(manifests);
    on_store_call([&backend, n](std::uint64_t call) {
      if (call == n) backend.raw_exec(kTerminateOthers);
    });
    reset_counts();
    auto r = s.run(backend.location(), s.batch, manifests, false);
    on_store_call({});
    const std::string now = open_dump(backend.location());
    if (r) {
      // Dropped after the commit, while manifest files were written: the batch is whole.
      CHECK(now == ref.after);
      continue;
    }
    ++refused;
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK_MESSAGE(r.error().message.find(backend.location()) != std::string::npos,
                  r.error().message);
    if (now == ref.after) {
      // The connection went while the manifest files were being written: the batch is
      // committed; the rerun writes the rest.
      auto again = s.run(backend.location(), s.batch, manifests, false);
      REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
      CHECK(read_dir(manifests).files == ref.files.files);
    } else {
      CHECK(now == ref.before);
      CHECK(read_dir(manifests).files == files_before.files);
    }
  }
  CHECK(refused >= 6);
}

}  // namespace hallmark::evidence::testing
