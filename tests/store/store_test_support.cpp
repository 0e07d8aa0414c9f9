#include "tests/store/store_test_support.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace hallmark::evidence::test {
namespace {

constexpr std::int64_t kT = 1'700'000'000;

struct Spec {
  const char* station;
  std::uint64_t sequence;
  int event;
  const char* serial;
  const char* hardware_id;
  unsigned bundle;  // 0 = none
  std::vector<unsigned> firmware;
  std::int64_t time_offset;
  int result = 1;
  bool synced = true;
  std::uint32_t findings = 0;
};

const std::vector<Spec>& specs() {
  static const std::vector<Spec> kSpecs{
      {"st-a", 1, 6, "", "", 0, {}, 0},                               // login: no unit
      {"st-a", 2, 1, "SN-1", "HW-1", 0xB1, {0x11, 0x12, 0x11}, 10},  // a digest listed twice
      {"st-a", 3, 1, "SN-2", "HW-2", 0xB1, {0x11, 0x12}, 20},
      {"st-b", 1, 1, "SN-3", "HW-3", 0xB2, {0x21, 0x22, 0x23}, 30},
      {"st-b", 2, 2, "SN-2", "HW-2", 0xB2, {0x21, 0x22}, 40},        // rework elsewhere
      {"st-a", 4, 1, "SN-1", "HW-4", 0xB1, {0x11}, 50, 1, true, 1},  // clone of SN-1
      {"st-b", 3, 3, "SN-3", "HW-3", 0, {}, 60},                     // scrap
      {"st-b", 4, 1, "SN-5", "HW-3", 0xB2, {0x21}, 70, 1, true, 2},  // scrapped id is back
      {"st-a", 5, 7, "", "", 0, {}, 80},
      {"st-a", 6, 1, "SN-1", "HW-1", 0xB1, {0x11, 0x12}, 5, 2, false},  // late, clock unsynced
      {"st-b", 5, 3, "SN-5", "HW-3", 0, {}, 90},                         // scrapped again
      {"st-a", 7, 1, "", "HW-9", 0xB1, {0x12}, 100},                     // no serial
  };
  return kSpecs;
}

std::string hex(ByteView bytes) { return to_hex(bytes); }

}  // namespace

Digest digest_of(unsigned fill) {
  Digest::Array bytes{};
  bytes.fill(static_cast<std::byte>(fill));
  return Digest(bytes);
}

LogEntry sample_entry(std::uint64_t index) {
  const Spec& s = specs().at(index);
  LogEntry e;
  e.index = index;
  e.leaf_hash = digest_of(0x40 + static_cast<unsigned>(index));
  e.manifest = to_bytes(fmt::format("manifest {}", index));
  e.manifest.push_back(std::byte{0});  // binary: NUL and high bytes survive
  e.manifest.push_back(std::byte{0xff});
  e.station_id = StationId(s.station);
  e.station_sequence = s.sequence;
  e.record_hash = digest_of(0x80 + static_cast<unsigned>(index));
  e.serial = Serial(s.serial);
  e.hardware_id = HardwareId(s.hardware_id);
  if (s.bundle != 0) {
    const Digest bundle = digest_of(s.bundle);
    e.bundle_digest.assign(bundle.bytes().begin(), bundle.bytes().end());
  }
  e.event = s.event;
  e.result = s.result;
  e.event_unix = kT + s.time_offset;
  e.countersigned_unix = kT + 1000 + static_cast<std::int64_t>(index);
  e.clock_synced = s.synced;
  for (unsigned f : s.firmware) e.firmware.push_back(digest_of(f));
  e.finding_count = s.findings;
  // Who and why as columns: text with commas and quotes, and kinds in the manifest's order.
  if (s.event == 1 || s.event == 2) e.operator_name = fmt::format("op-{}", index % 3);
  if (s.event == 5) e.supervisor_name = "sam";
  if (s.result == 2) e.why = fmt::format("late, \"clock\" {}", index);
  for (std::uint32_t k = 0; k < s.findings; ++k) e.finding_kinds.push_back(static_cast<int>(12 - 5 * k));
  return e;
}

std::vector<LogEntry> sample_log() {
  std::vector<LogEntry> log;
  for (std::uint64_t i = 0; i < specs().size(); ++i) log.push_back(sample_entry(i));
  return log;
}

std::string describe(const LogEntry& e) {
  std::string firmware;
  for (const auto& d : e.firmware) firmware += d.hex().substr(0, 4) + ",";
  return fmt::format(
      "#{} leaf={} manifest={} station={}/{} record={} serial='{}' hw='{}' bundle={} event={} "
      "result={} time={} countersigned={} synced={} firmware=[{}] findings={} operator='{}' "
      "supervisor='{}' why='{}' kinds=[{}]\n",
      e.index, e.leaf_hash.hex(), hex(e.manifest), e.station_id, e.station_sequence,
      e.record_hash.hex(), e.serial, e.hardware_id, hex(e.bundle_digest), e.event, e.result,
      e.event_unix, e.countersigned_unix, e.clock_synced, firmware, e.finding_count,
      e.operator_name, e.supervisor_name, e.why, fmt::join(e.finding_kinds, ","));
}

std::string describe(const CheckpointRow& c) {
  return fmt::format("checkpoint size={} root={} time={} envelope={}\n", c.tree_size,
                     c.root_hash.hex(), c.time_unix, hex(c.envelope));
}

std::string describe(const FindingRow& f) {
  return fmt::format("finding time={} event={} station={} kind={} index={} bytes={}\n", f.time_unix,
                     f.event_unix, f.station_id, f.kind,
                     f.log_index ? std::to_string(*f.log_index) : "-", hex(f.finding));
}

template <class Id>
std::string describe_rows(const std::vector<SeenWith<Id>>& rows) {
  std::string out;
  for (const auto& r : rows) out += fmt::format("{}@{} ", r.value, r.log_index);
  return out;
}
std::string describe(const std::vector<SeenWith<HardwareId>>& rows) { return describe_rows(rows); }
std::string describe(const std::vector<SeenWith<Serial>>& rows) { return describe_rows(rows); }

std::string describe_query(EvidenceStore& store, const EntryQuery& query) {
  std::string out;
  auto ok = store.query(query, [&](const LogEntry& e) -> Result<void> {
    out += describe(e);
    return {};
  });
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
  return out;
}

std::unique_ptr<EvidenceStore> Backend::open() const {
  auto store = open_store(location());
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  return std::move(*store);
}

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hallmark-store-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

SqliteBackend::SqliteBackend() : dir_(make_temp_dir()), path_(dir_ / "evidence.db") {}
SqliteBackend::~SqliteBackend() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SqliteBackend::raw_exec(const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path_.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

namespace {

std::string test_server() {
  if (const char* conninfo = std::getenv("HALLMARK_TEST_POSTGRES")) return conninfo;
  const char* file = std::getenv("HALLMARK_TEST_POSTGRES_FILE");
  REQUIRE_MESSAGE(file != nullptr,
                  "set HALLMARK_TEST_POSTGRES_FILE (ctest does) or HALLMARK_TEST_POSTGRES");
  std::ifstream in(file);
  std::string conninfo;
  std::getline(in, conninfo);
  REQUIRE_MESSAGE(!conninfo.empty(), fmt::format("no conninfo in {}", file));
  return conninfo;
}

void pg_exec(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  const bool connected = PQstatus(conn) == CONNECTION_OK;
  std::string message = PQerrorMessage(conn);
  bool ok = false;
  if (connected) {
    PGresult* result = PQexec(conn, sql.c_str());
    ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
    message = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  REQUIRE_MESSAGE(ok, fmt::format("{}: {}", sql, message));
}

}  // namespace

PostgresBackend::PostgresBackend() : server_(test_server()) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  database_ = fmt::format("hm_test_{}_{}_{}", ::getpid(), counter++, random() % 100000);
  pg_exec(server_, fmt::format("CREATE DATABASE {} STRATEGY FILE_COPY", database_));
  conninfo_ = fmt::format("{} dbname={}", server_, database_);
}

PostgresBackend::~PostgresBackend() {
  PGconn* conn = PQconnectdb(server_.c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    PQclear(PQexec(conn, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", database_).c_str()));
  }
  PQfinish(conn);
}

void PostgresBackend::raw_exec(const std::string& sql) { pg_exec(conninfo_, sql); }

}  // namespace hallmark::evidence::test
