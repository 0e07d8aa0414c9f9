// The evidence store on PostgreSQL (label postgres: a throwaway server started by the
// CTest fixture, tests/support/postgres_server.sh), and both backends side by side.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>

#include "signer/store/sql_connection.h"
#include "signer/store/store_statements.h"
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


// The plan of `sql` (EXPLAIN's lines) on `db`; fails the test on error.
std::string plan_of(sql::Connection& db, const std::string& explain) {
  auto s = db.prepare(explain, sql::Rows::kBuffered);
  REQUIRE(s.has_value());
  std::string plan;
  for (;;) {
    auto row = (*s)->step();
    REQUIRE(row.has_value());
    if (!*row) break;
    plan += std::string((*s)->column_text(0)) + "\n";
  }
  return plan;
}

// The clone checks ask for a chunk's serials and hardware ids at once (128 of each). An IN
// list of that length, planned against a table PostgreSQL has no statistics for yet (a
// store grown inside one countersign transaction), was a scan of the whole entries table
// for every chunk: 15 ms a query at 40 000 entries, growing with the store. The plan made
// for the values and the generic plan a prepared statement settles on after five runs
// must both look the keys up in the indexes.
TEST_CASE("postgres: the clone checks' prefetch looks keys up in the indexes, never scans the whole store") {
  PostgresBackend backend;
  (void)backend.open();  // the schema
  auto opened = sql::open_postgres(backend.location().substr(std::string_view("postgres:").size()),
                                   "the test database");
  REQUIRE(opened.has_value());
  sql::Connection& db = **opened;
  REQUIRE(db.begin());
  REQUIRE(db.exec("INSERT INTO firmware_sets (bundle_digest, firmware) VALUES ('\\x00', '\\x00')"));
  REQUIRE(db.exec(
      "INSERT INTO entries (idx, leaf_hash, station_id, station_sequence, record_hash, serial, "
      "hardware_id, firmware_set, event, result, event_unix, countersigned_unix, clock_synced, "
      "finding_count, operator_name, supervisor_name, why, finding_kinds) SELECT i, '\\x00', "
      "'station', i, '\\x00', 'SN-' || i, 'HW-' || i, (SELECT MIN(id) FROM firmware_sets), 1, 1, "
      "0, 0, 1, 0, '', '', '', '' FROM generate_series(0, 49999) AS i"));

  const std::string sql = statements::sightings_prefetch_sql(sql::Dialect::kPostgres);
  std::string numbered;  // `?` -> `$n`, as the connection sends it
  std::string inlined;   // the keys written in
  std::string values;    // the keys, as EXECUTE's arguments
  int n = 0;
  for (char c : sql) {
    if (c != '?') {
      numbered.push_back(c);
      inlined.push_back(c);
      continue;
    }
    ++n;
    const std::string key = fmt::format("'{}-{}'", n <= statements::kPrefetchWidth ? "SN" : "HW", n * 97);
    numbered += fmt::format("${}", n);
    inlined += key;
    values += (n == 1 ? "" : ", ") + key;
  }
  REQUIRE(n == 2 * statements::kPrefetchWidth);

  const std::string custom = plan_of(db, "EXPLAIN " + inlined);
  INFO("plan for the values:\n" << custom);
  CHECK(custom.find("Index") != std::string::npos);
  CHECK(custom.find("Seq Scan on entries") == std::string::npos);

  REQUIRE(db.exec("SET plan_cache_mode = force_generic_plan"));
  REQUIRE(db.exec("PREPARE prefetch_probe AS " + numbered));
  const std::string generic = plan_of(db, "EXPLAIN EXECUTE prefetch_probe(" + values + ")");
  INFO("generic plan:\n" << generic);
  CHECK(generic.find("Index") != std::string::npos);
  CHECK(generic.find("Seq Scan on entries") == std::string::npos);
  db.rollback();
}

}  // namespace
}  // namespace hallmark::evidence::test
