// SQLite side of the connection layer: one file, a rollback journal (TRUNCATE) with
// synchronous=FULL (a committed transaction survives power loss; an interrupted one is
// rolled back by the next open), foreign keys on, a busy timeout for several processes.
//
// Why not WAL: the store is append-mostly, and a countersign batch is tens of MiB of new
// pages. WAL writes each page twice (into the WAL, then into the database at the
// checkpoint, each synced), and the checkpoint is most of a batch's commit. A rollback
// journal copies only the few existing pages a batch changes (index and tree pages); new
// pages go straight into the database file, where SQLite's cache spills them while the
// batch is still being verified, so the commit is one sync of data already written. The
// price: a reader waits (busy timeout) while a batch commits, instead of reading the
// state before it; it never sees half a batch either way. docs/evidence.md §Throughput has
// the numbers.
#include <sqlite3.h>

#include <fmt/format.h>

#include <string>
#include <utility>

#include "signer/store/sql_connection.h"

namespace hallmark::evidence::sql {
namespace {

constexpr int kBusyTimeoutMs = 30'000;

ErrorCode code_of(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return ErrorCode::kUsage;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS: return ErrorCode::kIo;
    default: return ErrorCode::kInternal;
  }
}

class SqliteConnection;

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(SqliteConnection& connection, sqlite3_stmt* statement) noexcept
      : connection_(connection), statement_(statement) {}
  ~SqliteStatement() override { sqlite3_finalize(statement_); }

  void bind_int64(int param, std::int64_t value) override {
    note(sqlite3_bind_int64(statement_, param, value));
  }
  void bind_text(int param, std::string_view value) override {
    // A null pointer would bind NULL, not the empty string.
    const char* data = value.empty() ? "" : value.data();
    note(sqlite3_bind_text64(statement_, param, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind_blob(int param, ByteView value) override {
    if (value.empty()) {
      note(sqlite3_bind_zeroblob(statement_, param, 0));
    } else {
      note(sqlite3_bind_blob64(statement_, param, value.data(), value.size(), SQLITE_STATIC));
    }
  }
  void bind_null(int param) override { note(sqlite3_bind_null(statement_, param)); }

  Result<bool> step() override;

  void reset() noexcept override {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    bind_error_ = SQLITE_OK;
  }

  bool is_null(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  std::int64_t column_int64(int column) const override {
    return sqlite3_column_int64(statement_, column);
  }
  std::string_view column_text(int column) const override {
    const auto* text = sqlite3_column_text(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text), size};
  }
  ByteView column_blob(int column) const override {
    const void* blob = sqlite3_column_blob(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    if (blob == nullptr) return {};
    return {static_cast<const std::byte*>(blob), size};
  }

 private:
  void note(int rc) noexcept {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  SqliteConnection& connection_;
  sqlite3_stmt* statement_;
  int bind_error_ = SQLITE_OK;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string display_name) noexcept
      : db_(db), display_name_(std::move(display_name)) {}
  ~SqliteConnection() override {
    rollback();
    sqlite3_close_v2(db_);  // statements are finalized by their owners (before or after)
  }

  Dialect dialect() const noexcept override { return Dialect::kSqlite; }
  const std::string& display_name() const noexcept override { return display_name_; }

  Result<void> exec(std::string_view sql) override {
    const std::string text(sql);
    if (int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return std::unexpected(error(rc, "SQL failed"));
    }
    return {};
  }

  Result<std::unique_ptr<Statement>> prepare(std::string_view sql, Rows) override {
    sqlite3_stmt* statement = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      return std::unexpected(error(rc, fmt::format("cannot prepare \"{}\"", sql)));
    }
    return std::make_unique<SqliteStatement>(*this, statement);
  }

  Result<void> begin() override {
    if (auto ok = may_begin(in_transaction_, display_name_); !ok) return ok;
    // IMMEDIATE takes the write lock now: a second writer waits (busy timeout) here
    // rather than failing in the middle of its transaction.
    if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
    in_transaction_ = true;
    failed_ = false;
    return {};
  }

  Result<void> commit() override {
    if (auto ok = may_commit(in_transaction_, failed_, display_name_); !ok) {
      if (in_transaction_) rollback();
      return ok;
    }
    if (auto ok = exec("COMMIT"); !ok) {
      rollback();
      return ok;
    }
    in_transaction_ = false;
    return {};
  }

  void rollback() noexcept override {
    if (!in_transaction_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_transaction_ = false;
    failed_ = false;
  }

  bool in_transaction() const noexcept override { return in_transaction_; }

  // Called for every failed statement.
  Error error(int rc, std::string_view what) {
    if (in_transaction_) failed_ = true;
    Error e{code_of(rc), fmt::format("{}: {}: {}", display_name_, what, sqlite3_errmsg(db_)), 0, {}};
    if ((rc & 0xff) == SQLITE_NOTADB) {
      e.message = fmt::format("{}: not an SQLite database ({})", display_name_, sqlite3_errstr(rc));
    }
    return e;
  }

  sqlite3* db() const noexcept { return db_; }

 private:
  sqlite3* db_;
  std::string display_name_;
  bool in_transaction_ = false;
  bool failed_ = false;
};

Result<bool> SqliteStatement::step() {
  if (bind_error_ != SQLITE_OK) {
    return std::unexpected(connection_.error(bind_error_, "cannot bind a parameter"));
  }
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(connection_.error(rc, fmt::format("\"{}\" failed", sqlite3_sql(statement_))));
}

Result<std::string> pragma_text(SqliteConnection& connection, std::string_view sql) {
  auto statement = connection.prepare(sql, Rows::kBuffered);
  if (!statement) return std::unexpected(std::move(statement.error()));
  auto row = (*statement)->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::string();
  return std::string((*statement)->column_text(0));
}

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path, std::string display_name) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr); rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return fail(ErrorCode::kIo, fmt::format("{}: cannot open: {}", display_name, why));
  }
  auto connection = std::make_unique<SqliteConnection>(db, std::move(display_name));
  sqlite3_extended_result_codes(db, 0);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // Pages of 16 KiB: a manifest (~1.4 KB, an attestation with its device certificate) is
  // one row of its own table, and 8 KiB pages held five with a sixth's room unused (200 B
  // per unit); 16 KiB pages waste a quarter of that. Only takes effect when the file is new.
  (void)connection->exec("PRAGMA page_size=16384");
  // The first statement reads the file header: a file that is not a database fails here.
  auto mode = pragma_text(*connection, "PRAGMA journal_mode=TRUNCATE");
  if (!mode) {
    auto e = std::move(mode.error());
    e.code = ErrorCode::kIo;
    return std::unexpected(std::move(e));
  }
  if (*mode != "truncate") {
    return fail(ErrorCode::kIo, fmt::format("{}: cannot switch to a rollback journal (journal "
                                            "mode is \"{}\"; is another process holding it?)",
                                            connection->display_name(), *mode));
  }
  if (auto ok = connection->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192"); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace hallmark::evidence::sql
