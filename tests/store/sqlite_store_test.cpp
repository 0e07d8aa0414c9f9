// The evidence store on SQLite (label unit), and how locations are read and named.
#include <doctest/doctest.h>
#include <sqlite3.h>

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

TEST_CASE("sqlite: the store is one file in WAL mode, so readers never block the writer") {
  SqliteBackend backend;
  auto store = backend.open();
  CHECK(pragma(backend.dir() / "evidence.db", "PRAGMA journal_mode") == "wal");
  CHECK(pragma(backend.dir() / "evidence.db", "SELECT version FROM hallmark_schema") == "3");
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
