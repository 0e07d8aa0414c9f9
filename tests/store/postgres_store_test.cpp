// The evidence store on PostgreSQL (label postgres: a throwaway server started by the
// CTest fixture, tests/support/postgres_server.sh), and both backends side by side.
#include <doctest/doctest.h>

#include "tests/store/store_scenarios.h"

namespace hallmark::evidence::test {
namespace {

#define HALLMARK_POSTGRES_CASE(fn, name) \
  TEST_CASE("postgres: " name) {         \
    PostgresBackend backend;             \
    scenario::fn(backend);               \
  }
HALLMARK_STORE_SCENARIOS(HALLMARK_POSTGRES_CASE)
#undef HALLMARK_POSTGRES_CASE

TEST_CASE("SQLite and PostgreSQL give identical answers to the same questions") {
  SqliteBackend sqlite;
  PostgresBackend postgres;
  auto a = sqlite.open();
  auto b = postgres.open();
  scenario::fill(*a);
  scenario::fill(*b);
  const auto from_sqlite = scenario::answers(*a);
  const auto from_postgres = scenario::answers(*b);
  CHECK(from_sqlite.size() > 4000);
  CHECK(from_sqlite == from_postgres);
}

// Writes are pipelined (no round trip each): a read after more writes than one pipeline
// holds sees all of them, and a write that fails among them (a Merkle node written twice:
// a replayed or double-counted batch) is reported by the next read, named, and nothing of
// the transaction is committed.
TEST_CASE("postgres: pipelined writes are all seen by the next read, and a failed one poisons the batch") {
  PostgresBackend backend;
  auto store = backend.open();
  REQUIRE(store->begin());
  for (std::uint64_t i = 0; i < 1500; ++i) REQUIRE(store->put_node(1, i, digest_of(static_cast<unsigned>(i % 250))));
  auto last = store->node(1, 1499);
  REQUIRE(last.has_value());
  CHECK(*last == digest_of(1499 % 250));
  REQUIRE(store->commit());

  REQUIRE(store->begin());
  REQUIRE(store->put_node(1, 1500, digest_of(1)));
  const auto twice = store->put_node(1, 7, digest_of(2));  // level 1, index 7 exists
  CHECK(twice.has_value());                                // queued, not yet answered
  REQUIRE(store->put_node(1, 1501, digest_of(3)));
  const auto read = store->node(1, 1500);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().code == ErrorCode::kUsage);
  CHECK(read.error().message.find("INSERT INTO nodes") != std::string::npos);
  CHECK(read.error().message.find(store->location()) != std::string::npos);
  const auto commit = store->commit();
  REQUIRE_FALSE(commit.has_value());
  CHECK(commit.error().message.find("rolled back") != std::string::npos);
  auto kept = store->node(1, 7);
  REQUIRE(kept.has_value());
  CHECK(*kept == digest_of(7));
  CHECK_FALSE(store->node(1, 1500).has_value());  // the batch left nothing
}

TEST_CASE("postgres: a missing database is an I/O error naming the location") {
  PostgresBackend backend;
  const auto location = backend.location() + "_missing";
  auto store = open_store(location);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kIo);
  CHECK(store.error().message.find(location) != std::string::npos);
}

TEST_CASE("postgres: two stores on one database see each other's commits") {
  PostgresBackend backend;
  auto writer = backend.open();
  auto reader = backend.open();
  scenario::fill(*writer);
  CHECK(scenario::answers(*reader) == scenario::answers(*writer));
}

}  // namespace
}  // namespace hallmark::evidence::test
