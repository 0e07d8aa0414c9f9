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

// A database of the store's schema holding 50 000 entries written inside the open
// transaction, so PostgreSQL has no statistics for them: a store grown by one countersign.
struct StoreWithoutStatistics {
  PostgresBackend backend;
  std::unique_ptr<sql::Connection> db;

  StoreWithoutStatistics() {
    (void)backend.open();  // the schema
    auto opened = sql::open_postgres(
        backend.location().substr(std::string_view("postgres:").size()), "the test database");
    REQUIRE(opened.has_value());
    db = std::move(*opened);
    REQUIRE(db->begin());
    REQUIRE(db->exec("INSERT INTO firmware_sets (bundle_digest, firmware) VALUES ('\\x00', '\\x00')"));
    REQUIRE(db->exec(
        "INSERT INTO entries (idx, leaf_hash, station_id, station_sequence, record_hash, serial, "
        "hardware_id, firmware_set, event, result, event_unix, countersigned_unix, clock_synced, "
        "finding_count, operator_name, supervisor_name, why, finding_kinds) SELECT i, '\\x00', "
        "'station', i, '\\x00', 'SN-' || i, 'HW-' || i, (SELECT MIN(id) FROM firmware_sets), 1, 1, "
        "0, 0, 1, 0, '', '', '', '' FROM generate_series(0, 49999) AS i"));
  }
  ~StoreWithoutStatistics() { db->rollback(); }

  // The generic plan of `sql` (`?` placeholders, as the store writes it) with `argument(n)`
  // for parameter n: the plan a prepared statement settles on after five executions.
  template <typename Argument>
  std::string generic_plan(const std::string& sql, const std::string& name, Argument argument) {
    std::string numbered;
    std::string arguments;
    int n = 0;
    for (char c : sql) {
      if (c != '?') {
        numbered.push_back(c);
        continue;
      }
      ++n;
      numbered += fmt::format("${}", n);
      arguments += (n == 1 ? "" : ", ") + argument(n);
    }
    REQUIRE(db->exec("SET plan_cache_mode = force_generic_plan"));
    REQUIRE(db->exec(fmt::format("PREPARE {} AS {}", name, numbered)));
    const std::string plan = plan_of(
        *db, n == 0 ? "EXPLAIN EXECUTE " + name : fmt::format("EXPLAIN EXECUTE {}({})", name, arguments));
    REQUIRE(db->exec("SET plan_cache_mode = auto"));
    return plan;
  }
};

// The clone checks ask for a chunk's serials and hardware ids at once (128 of each). An IN
// list of that length, planned against a table PostgreSQL has no statistics for yet (a
// store grown inside one countersign transaction), was a scan of the whole entries table
// for every chunk: 15 ms a query at 40 000 entries, growing with the store. The plan made
// for the values and the generic plan a prepared statement settles on after five runs
// must both look the keys up in the indexes.
TEST_CASE("postgres: the clone checks' prefetch looks keys up in the indexes, never scans the whole store") {
  StoreWithoutStatistics store;
  const std::string sql = statements::sightings_prefetch_sql(sql::Dialect::kPostgres);
  auto key = [](int n) {
    return fmt::format("'{}-{}'", n <= statements::kPrefetchWidth ? "SN" : "HW", n * 97);
  };
  std::string inlined;  // the keys written in
  int n = 0;
  for (char c : sql) inlined += c == '?' ? key(++n) : std::string(1, c);
  REQUIRE(n == 2 * statements::kPrefetchWidth);

  const std::string custom = plan_of(*store.db, "EXPLAIN " + inlined);
  INFO("plan for the values:\n" << custom);
  CHECK(custom.find("Index") != std::string::npos);
  CHECK(custom.find("Seq Scan on entries") == std::string::npos);

  const std::string generic = store.generic_plan(sql, "prefetch_probe", key);
  INFO("generic plan:\n" << generic);
  CHECK(generic.find("Index") != std::string::npos);
  CHECK(generic.find("Seq Scan on entries") == std::string::npos);
}

// The store's statements keep PostgreSQL's plan caching (planning each execution cost a
// third of the server's time), which is safe only while every prepared read is an index
// lookup whatever the size of the tables when its generic plan was made (postgres_connection.cpp).
// A read that scans a growing table under its generic plan slows every countersign as
// the store grows. Each is checked on a store without statistics, and with its tables
// of nodes, manifests and firmware digests still empty.
TEST_CASE("postgres: every prepared read of the store is an index lookup under its generic plan") {
  StoreWithoutStatistics store;
  int reads = 0;
  for (std::size_t op = 0; op < statements::kOpCount; ++op) {
    if (statements::is_plain_write(static_cast<statements::Op>(op))) continue;
    const std::string sql = statements::with_unit_events(statements::kSql[op]);
    if (!sql.starts_with("SELECT")) continue;  // INSERT ... RETURNING
    ++reads;
    CAPTURE(sql);
    // '1' is a valid literal of every parameter type the store uses (integer, text, bytea).
    const std::string plan = store.generic_plan(sql, fmt::format("read_probe_{}", op),
                                                [](int) { return std::string("'1'"); });
    INFO("generic plan:\n" << plan);
    for (const char* table : {"entries", "manifests", "nodes", "firmware_set_digests",
                              "firmware_sets", "station_registrations"}) {
      CHECK(plan.find(fmt::format("Seq Scan on {} ", table)) == std::string::npos);
    }
  }
  CHECK(reads >= 10);
}

}  // namespace
}  // namespace hallmark::evidence::test
