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
