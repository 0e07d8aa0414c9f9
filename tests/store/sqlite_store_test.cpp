// The evidence store on SQLite (label unit), and how locations are read and named.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "tests/store/store_scenarios.h"

namespace hallmark::evidence::test {
namespace {

#define HALLMARK_SQLITE_CASE(fn, name) \
  TEST_CASE("sqlite: " name) {         \
    SqliteBackend backend;             \
    scenario::fn(backend);             \
  }
HALLMARK_STORE_SCENARIOS(HALLMARK_SQLITE_CASE)
#undef HALLMARK_SQLITE_CASE

// A release row of ~1 MiB: forty of them overflow the store's 8 MiB page cache.
ReleaseRow big_release(unsigned n) {
  ReleaseRow r;
  r.bundle_digest = digest_of(n);
  r.sku = "sku";
  r.version = std::to_string(n);
  r.bundle.assign(1u << 20, static_cast<std::byte>(n));
  return r;
}

// How many releases a separate reader sees right now, or "busy" when it would have to wait.
std::string releases_seen(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string seen = "busy";
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM releases", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    seen = std::to_string(sqlite3_column_int64(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return seen;
}

std::string pragma(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  std::string value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

TEST_CASE("sqlite: the store is one file with a rollback journal synced at every commit") {
  SqliteBackend backend;
  auto store = backend.open();
  CHECK(pragma(backend.dir() / "evidence.db", "PRAGMA journal_mode") == "delete");  // a fresh connection's default
  CHECK(pragma(backend.dir() / "evidence.db", "SELECT version FROM hallmark_schema") == "6");
  REQUIRE(store->begin());
  REQUIRE(store->put_release(big_release(1)));
  REQUIRE(store->commit());
  // TRUNCATE mode: the journal is emptied at commit (no WAL file, no stale journal).
  CHECK_FALSE(std::filesystem::exists(backend.dir() / "evidence.db-wal"));
  CHECK(std::filesystem::file_size(backend.dir() / "evidence.db-journal") == 0);
}

// A reader never sees half a batch: while a batch is open it reads the state before it, or
// waits (here: is told it is busy) once the batch writes into the file; after the commit it
// sees all of it.
TEST_CASE("sqlite: a reader during a batch sees the state before it or waits, never half of it") {
  SqliteBackend backend;
  auto store = backend.open();
  REQUIRE(store->begin());
  for (unsigned i = 1; i <= 40; ++i) REQUIRE(store->put_release(big_release(i)));  // spills past the cache
  const auto during = releases_seen(backend.dir() / "evidence.db");
  CHECK((during == "busy" || during == "0"));
  REQUIRE(store->commit());
  CHECK(releases_seen(backend.dir() / "evidence.db") == "40");
}

// A signer killed in the middle of a batch (power cut, OOM killer, SIGKILL) leaves a hot
// journal; the next open rolls the batch back: the store is exactly as committed before.
TEST_CASE("sqlite: a batch killed after it spilled into the file is rolled back at the next open") {
  SqliteBackend backend;
  {
    auto store = backend.open();
    REQUIRE(store->begin());
    REQUIRE(store->put_release(big_release(1)));
    REQUIRE(store->commit());
  }
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto store = open_store(backend.location());
    if (!store || !(*store)->begin()) _exit(2);
    for (unsigned i = 2; i <= 40; ++i) {
      if (!(*store)->put_release(big_release(i))) _exit(3);
    }
    raise(SIGKILL);  // no commit, no rollback, no close
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(std::filesystem::file_size(backend.dir() / "evidence.db-journal") > 0);  // hot
  REQUIRE(std::filesystem::file_size(backend.dir() / "evidence.db") > 20u << 20);   // spilled
  auto store = backend.open();
  REQUIRE(store->begin());  // the first write transaction after the crash
  auto kept = store->release(big_release(1).bundle_digest);
  REQUIRE(kept.has_value());
  CHECK(kept->has_value());
  auto lost = store->release(big_release(2).bundle_digest);
  REQUIRE(lost.has_value());
  CHECK_FALSE(lost->has_value());
  store->rollback();
  CHECK(releases_seen(backend.dir() / "evidence.db") == "1");
  CHECK(pragma(backend.dir() / "evidence.db", "PRAGMA integrity_check") == "ok");
}

TEST_CASE("sqlite: a plain path is a SQLite file, even with a colon after a slash") {
  const auto dir = make_temp_dir();
  const auto path = (dir / "a:b.db").string();
  auto store = open_store(path);
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  CHECK((*store)->location() == "sqlite:" + path);
  CHECK(std::filesystem::exists(path));
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("sqlite: a file that is not a database is refused with a clear error") {
  const auto dir = make_temp_dir();
  const auto path = dir / "evidence.db";
  std::ofstream(path) << "these are not the pages you are looking for, padded to a page size"
                      << std::string(4096, 'x');
  auto store = open_store("sqlite:" + path.string());
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kIo);
  CHECK(store.error().message.find("sqlite:" + path.string()) != std::string::npos);
  CHECK(store.error().message.find("not an SQLite database") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("sqlite: a store in a missing directory is an I/O error naming the path") {
  auto store = open_store("sqlite:/nonexistent-hallmark-dir/evidence.db");
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kIo);
  CHECK(store.error().message.find("/nonexistent-hallmark-dir/evidence.db") != std::string::npos);
}

TEST_CASE("an unknown scheme is a usage error naming the location") {
  for (const char* location : {"mysql://db.example/evidence", "oracle:evidence", "s3:bucket/evidence"}) {
    INFO(location);
    auto store = open_store(location);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().code == ErrorCode::kUsage);
    CHECK(store.error().message.find("unknown scheme") != std::string::npos);
    CHECK(store.error().message.find(location) != std::string::npos);
  }
  auto empty = open_store("");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == ErrorCode::kUsage);
}

TEST_CASE("an unreachable PostgreSQL server is an I/O error naming it without its password") {
  const auto dir = make_temp_dir();  // a socket directory with no server in it
  const std::string keyword = "postgres:host=" + dir.string() + " port=5999 dbname=x password=hunter2";
  const std::string uri = "postgresql://ops:hunter2@%2Fnonexistent-hallmark-socket:5999/x?password=hunter2";
  for (const auto& location : {keyword, uri}) {
    INFO(location);
    auto store = open_store(location);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().code == ErrorCode::kIo);
    CHECK(store.error().message.find("hunter2") == std::string::npos);
    CHECK(store.error().message.find("***") != std::string::npos);
    CHECK(store.error().message.find("5999") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a password is never shown in a location: keyword, quoted keyword and URI forms") {
  auto show = [](const char* location) {
    auto store = open_store(location);
    REQUIRE_FALSE(store.has_value());
    return store.error().message;
  };
  CHECK(show("postgres:host=/nonexistent password = 'a b\\'c' dbname=x").find("a b") == std::string::npos);
  CHECK(show("postgres://u:secret@/x?host=/nonexistent").find("secret") == std::string::npos);
  CHECK(show("postgres:password=s3 host=/nonexistent").find("s3") == std::string::npos);
}

}  // namespace
}  // namespace hallmark::evidence::test
