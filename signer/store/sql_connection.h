// A small SQL connection layer under the evidence store: one interface over SQLite and
// PostgreSQL (libpq), so the store is written once with the same SQL for both.
//
// SQL is written with `?` placeholders; the PostgreSQL connection rewrites them to $1..$n.
// Prepared statements are meant to be cached by the caller and reused: bind, step, reset.
// Bound text and blobs are NOT copied: the bound bytes must stay alive until reset().
// Column views (text, blob) are valid until the next step() or reset().
//
// Transactions: begin() takes the database's write lock (SQLite BEGIN IMMEDIATE; PostgreSQL
// a transaction-scoped advisory lock), so writers queue instead of failing halfway. Any
// statement that fails inside a transaction poisons it (PostgreSQL aborts the transaction
// on any error; SQLite is made to behave the same): commit() then rolls back and fails.
//
// Errors carry the connection's display name (never a password) and map to ErrorCode:
// constraint violations -> kUsage, storage/connection failures -> kIo, the rest kInternal.
// Thread-safety: a connection and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::evidence::sql {

enum class Dialect { kSqlite, kPostgres };

class Statement {
 public:
  virtual ~Statement() = default;
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as `?` appear in the SQL.
  virtual void bind_int64(int param, std::int64_t value) = 0;
  virtual void bind_text(int param, std::string_view value) = 0;
  virtual void bind_blob(int param, ByteView value) = 0;
  virtual void bind_null(int param) = 0;

  // Runs the statement (first call) or moves to the next row: true while a row is there.
  [[nodiscard]] virtual Result<bool> step() = 0;
  // Runs a statement that returns no rows.
  [[nodiscard]] Result<void> run() {
    auto row = step();
    if (!row) return std::unexpected(std::move(row.error()));
    return {};
  }
  // Ends the current execution and clears the bindings; the statement can be run again.
  virtual void reset() noexcept = 0;

  // Columns are 0-based.
  [[nodiscard]] virtual bool is_null(int column) const = 0;
  [[nodiscard]] virtual std::int64_t column_int64(int column) const = 0;
  [[nodiscard]] virtual std::string_view column_text(int column) const = 0;
  [[nodiscard]] virtual ByteView column_blob(int column) const = 0;
};

// Resets a statement when leaving a scope, whatever the outcome.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) noexcept : statement_(statement) {}
  ~ResetOnExit() { statement_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& statement_;
};

enum class Rows {
  kBuffered,  // small results (PostgreSQL: one round trip, all rows at once)
  kStreamed,  // large results read a batch at a time (PostgreSQL: a server-side cursor);
              // other statements may run on the connection between rows
  kNone,      // a write inside a transaction whose outcome may be learnt later: PostgreSQL
              // queues it in a pipeline without waiting for the server, and the next other
              // statement, exec, savepoint or commit waits for everything queued first; a
              // failure is then reported there, naming the write that failed, and poisons
              // the transaction as any failure does. SQLite runs it at once.
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] virtual Dialect dialect() const noexcept = 0;
  // How errors name this connection ("sqlite:/x/evidence.db", password redacted).
  [[nodiscard]] virtual const std::string& display_name() const noexcept = 0;

  // Runs one or more statements without parameters or results (schema work).
  [[nodiscard]] virtual Result<void> exec(std::string_view sql) = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<Statement>> prepare(std::string_view sql,
                                                                   Rows rows = Rows::kBuffered) = 0;

  [[nodiscard]] virtual Result<void> begin() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  virtual void rollback() noexcept = 0;
  [[nodiscard]] virtual bool in_transaction() const noexcept = 0;
};

// The transaction rules both backends keep, in one place: one transaction at a time; a
// commit needs an open transaction; a transaction in which a statement failed is never
// committed (the caller rolls it back when this refuses with `failed` set).
[[nodiscard]] Result<void> may_begin(bool in_transaction, const std::string& display_name);
[[nodiscard]] Result<void> may_commit(bool in_transaction, bool failed,
                                      const std::string& display_name);

// SQLite file at `path` (created when absent): rollback journal (TRUNCATE), synchronous=FULL,
// foreign keys, busy timeout. `display_name` names it in errors.
[[nodiscard]] Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path,
                                                              std::string display_name);

// PostgreSQL via libpq: `conninfo` is a libpq URI or keyword/value string.
[[nodiscard]] Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo,
                                                                std::string display_name);

}  // namespace hallmark::evidence::sql
