// PostgreSQL side of the connection layer (libpq): server-side prepared statements, text
// and blobs sent and results received in binary form (bytea without hex escaping),
// streamed results through a cursor so a large query never sits in client memory and
// other statements can run between its rows, and writes (Rows::kNone) sent in libpq's
// pipeline mode, so a batch's inserts cost no round trip each: every synchronous call
// first settles the pipeline (waits for what is queued and learns its errors).
#include <libpq-fe.h>

#include <fmt/format.h>

#include <array>
#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "signer/store/sql_connection.h"

namespace hallmark::evidence::sql {
namespace {

// One writer at a time, like SQLite's BEGIN IMMEDIATE ("HALLMARK" in ASCII, truncated).
constexpr const char* kBeginSql = "BEGIN; SELECT pg_advisory_xact_lock(5206645744470082891)";
constexpr int kFetchRows = 256;
// Writes queued before the pipeline is settled anyway: bounds what the server's replies
// (a few dozen bytes each) may pile up in the socket while nobody reads them.
constexpr std::size_t kMaxQueued = 512;

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's message on one line (it ends in a newline and indents hints on the next).
std::string trimmed(const char* text) {
  std::string s;
  for (const char* p = text != nullptr ? text : ""; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!s.empty() && s.back() != ' ') s.push_back(' ');
    } else {
      s.push_back(*p);
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// `?` -> `$n`, outside quoted literals and identifiers; returns the parameter count.
int translate_placeholders(std::string_view sql, std::string& out) {
  out.clear();
  out.reserve(sql.size() + 16);
  int count = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += fmt::format("${}", ++count);
    } else {
      out.push_back(c);
    }
  }
  return count;
}

std::int64_t big_endian(const char* p, int size) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (size < 8 && size > 0 && (static_cast<unsigned char>(p[0]) & 0x80U) != 0) {
    v |= ~std::uint64_t{0} << (8 * size);  // sign-extend int2/int4
  }
  return static_cast<std::int64_t>(v);
}

class PostgresConnection;

class PostgresStatement final : public Statement {
 public:
  PostgresStatement(PostgresConnection& connection, std::string name, std::string sql, int params,
                    Rows rows)
      : connection_(connection),
        name_(std::move(name)),
        sql_(std::move(sql)),
        rows_(rows),
        values_(static_cast<std::size_t>(params), nullptr),
        lengths_(static_cast<std::size_t>(params), 0),
        formats_(static_cast<std::size_t>(params), 0),
        numbers_(static_cast<std::size_t>(params)) {}
  ~PostgresStatement() override;

  void bind_int64(int param, std::int64_t value) override {
    if (!slot(param)) return;
    auto& buffer = numbers_[index(param)];
    auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size() - 1, value).ptr;
    *end = '\0';
    set(param, buffer.data(), 0, 0);  // text format: the server converts to the column's type
  }
  void bind_text(int param, std::string_view value) override {
    if (!slot(param)) return;
    set(param, value.empty() ? "" : value.data(), static_cast<int>(value.size()), 1);
  }
  void bind_blob(int param, ByteView value) override {
    if (!slot(param)) return;
    set(param, value.empty() ? "" : reinterpret_cast<const char*>(value.data()),
        static_cast<int>(value.size()), 1);
  }
  void bind_null(int param) override {
    if (!slot(param)) return;
    set(param, nullptr, 0, 0);
  }

  Result<bool> step() override;
  void reset() noexcept override;

  bool is_null(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  std::int64_t column_int64(int column) const override {
    if (is_null(column)) return 0;
    const char* p = PQgetvalue(result_.get(), row_, column);
    const int size = PQgetlength(result_.get(), row_, column);
    return size <= 8 ? big_endian(p, size) : 0;
  }
  std::string_view column_text(int column) const override {
    return {PQgetvalue(result_.get(), row_, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
  }
  ByteView column_blob(int column) const override {
    return {reinterpret_cast<const std::byte*>(PQgetvalue(result_.get(), row_, column)),
            static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
  }

 private:
  static std::size_t index(int param) noexcept { return static_cast<std::size_t>(param - 1); }
  bool slot(int param) noexcept {
    if (param >= 1 && index(param) < values_.size()) return true;
    bad_bind_ = true;
    return false;
  }
  void set(int param, const char* value, int length, int format) noexcept {
    values_[index(param)] = value;
    lengths_[index(param)] = length;
    formats_[index(param)] = format;
  }
  Result<bool> fetch();

  PostgresConnection& connection_;
  const std::string name_;  // the prepared statement; empty for a streamed one
  const std::string sql_;   // translated SQL ($n)
  const Rows rows_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<std::array<char, 24>> numbers_;
  bool bad_bind_ = false;

  ResultPtr result_;
  bool executed_ = false;
  int row_ = 0;
  int row_count_ = 0;
  std::string cursor_;  // open cursor of a streamed statement
  bool exhausted_ = false;
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PGconn* conn, std::string display_name) noexcept
      : conn_(conn), display_name_(std::move(display_name)) {}
  ~PostgresConnection() override {
    rollback();
    PQfinish(conn_);
  }

  Dialect dialect() const noexcept override { return Dialect::kPostgres; }
  const std::string& display_name() const noexcept override { return display_name_; }

  Result<void> exec(std::string_view sql) override {
    if (auto ok = settle(); !ok) return ok;
    const std::string text(sql);
    ResultPtr result(PQexec(conn_, text.c_str()));
    if (auto ok = check(result.get(), "SQL failed"); !ok) return std::unexpected(std::move(ok.error()));
    return {};
  }

  Result<std::unique_ptr<Statement>> prepare(std::string_view sql, Rows rows) override {
    std::string translated;
    const int params = translate_placeholders(sql, translated);
    std::string name;
    if (auto ok = settle(); !ok) return std::unexpected(std::move(ok.error()));
    if (rows != Rows::kStreamed) {
      name = fmt::format("hallmark_{}", ++next_id_);
      ResultPtr result(PQprepare(conn_, name.c_str(), translated.c_str(), params, nullptr));
      if (auto ok = check(result.get(), fmt::format("cannot prepare \"{}\"", sql)); !ok) {
        return std::unexpected(std::move(ok.error()));
      }
    }
    return std::make_unique<PostgresStatement>(*this, std::move(name), std::move(translated), params,
                                               rows);
  }

  Result<void> begin() override {
    if (auto ok = may_begin(in_transaction_, display_name_); !ok) return ok;
    if (auto ok = exec(kBeginSql); !ok) {
      PQclear(PQexec(conn_, "ROLLBACK"));
      return ok;
    }
    in_transaction_ = true;
    failed_ = false;
    return {};
  }

  Result<void> commit() override {
    if (auto ok = settle(); !ok) {
      rollback();
      ok.error().message += "; the transaction was rolled back";
      return ok;
    }
    if (auto ok = may_commit(in_transaction_, failed_, display_name_); !ok) {
      if (in_transaction_) rollback();
      return ok;
    }
    ResultPtr result(PQexec(conn_, "COMMIT"));
    auto ok = check(result.get(), "COMMIT failed");
    if (!ok && (result == nullptr || PQstatus(conn_) != CONNECTION_OK)) {
      // COMMIT may have reached the server and taken effect: only its reply was lost.
      ok = fail(ErrorCode::kIo,
                fmt::format("{}: the connection was lost while COMMIT's reply was awaited, so "
                            "the outcome is unknown: the transaction may or may not have been "
                            "committed ({})",
                            display_name_, trimmed(PQerrorMessage(conn_))));
    }
    // A transaction the server aborted answers COMMIT with ROLLBACK.
    if (ok && std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
      ok = fail(ErrorCode::kIo, display_name_ + ": the server rolled the transaction back");
    }
    in_transaction_ = false;
    failed_ = false;
    if (!ok) return std::unexpected(std::move(ok.error()));
    return {};
  }

  void rollback() noexcept override {
    (void)settle();  // what was queued is rolled back with the rest
    if (!in_transaction_) return;
    PQclear(PQexec(conn_, "ROLLBACK"));
    in_transaction_ = false;
    failed_ = false;
  }

  bool in_transaction() const noexcept override { return in_transaction_; }

  // An error for a failed result (null result = connection trouble), or success.
  Result<void> check(const PGresult* result, std::string_view what) {
    const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    if (in_transaction_) failed_ = true;
    std::string state;
    if (result != nullptr) {
      const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      if (s != nullptr) state = s;
    }
    ErrorCode code = ErrorCode::kInternal;
    if (state.starts_with("23")) {
      code = ErrorCode::kUsage;  // integrity constraint violation
    } else if (PQstatus(conn_) != CONNECTION_OK || state.starts_with("08") ||
               state.starts_with("53") || state.starts_with("57") || state.starts_with("58")) {
      code = ErrorCode::kIo;
    }
    std::string why = result != nullptr ? trimmed(PQresultErrorMessage(result)) : "";
    if (why.empty()) why = trimmed(PQerrorMessage(conn_));
    return fail(code, fmt::format("{}: {}: {}", display_name_, what, why));
  }

  // Sends a prepared write without waiting for it (pipeline mode); settle() learns how it went.
  Result<void> queue(const std::string& name, const std::string& sql, int params,
                     const char* const* values, const int* lengths, const int* formats) {
    if (!pipelined_) {
      if (PQenterPipelineMode(conn_) != 1) return check(nullptr, "cannot enter pipeline mode");
      pipelined_ = true;
    }
    if (PQsendQueryPrepared(conn_, name.c_str(), params, values, lengths, formats, 1) != 1) {
      failed_ = true;
      return check(nullptr, fmt::format("\"{}\" could not be sent", sql));
    }
    queued_.push_back(&sql);
    if (queued_.size() >= kMaxQueued) return settle();
    return {};
  }

  // A read while writes are queued: sent behind them in the same pipeline and answered with
  // them, so the read and the writes before it cost one round trip together.
  Result<ResultPtr> read_after_queued(const std::string& name, const std::string& sql, int params,
                                      const char* const* values, const int* lengths,
                                      const int* formats) {
    if (PQsendQueryPrepared(conn_, name.c_str(), params, values, lengths, formats, 1) != 1) {
      failed_ = true;
      return std::unexpected(check(nullptr, fmt::format("\"{}\" could not be sent", sql)).error());
    }
    queued_.push_back(&sql);
    keep_last_ = true;
    auto ok = settle();
    ResultPtr result = std::move(kept_);
    if (!ok) return std::unexpected(std::move(ok.error()));
    return result;
  }
  [[nodiscard]] bool pipelined() const noexcept { return pipelined_; }

  // Waits for every queued write and leaves pipeline mode; the first failure among them is
  // the error (named by its SQL), and the transaction is poisoned.
  Result<void> settle() {
    if (!pipelined_) return {};
    std::optional<Error> first;
    if (PQpipelineSync(conn_) != 1) first = check(nullptr, "cannot settle the pipeline").error();
    std::size_t at = 0;  // the queued write whose results are being read
    bool synced = false;
    while (!first || PQstatus(conn_) == CONNECTION_OK) {
      ResultPtr result(PQgetResult(conn_));
      if (!result) {  // the end of one write's results
        if (++at > queued_.size() || PQstatus(conn_) != CONNECTION_OK) break;  // nothing more will come
        continue;
      }
      const auto status = PQresultStatus(result.get());
      if (status == PGRES_PIPELINE_SYNC) {
        synced = true;
        break;
      }
      if (status == PGRES_PIPELINE_ABORTED || first) continue;  // after the first failure
      const std::string& sql = *queued_[std::min(at, queued_.size() - 1)];
      if (auto ok = check(result.get(), fmt::format("\"{}\" failed", sql)); !ok) {
        first = std::move(ok.error());
      } else if (keep_last_ && at + 1 == queued_.size()) {
        kept_ = std::move(result);
      }
    }
    if (!synced && !first) first = check(nullptr, "the server did not answer the queued writes").error();
    (void)PQexitPipelineMode(conn_);
    pipelined_ = false;
    queued_.clear();
    keep_last_ = false;
    if (first) {
      failed_ = true;
      return std::unexpected(std::move(*first));
    }
    return {};
  }

  PGconn* conn() const noexcept { return conn_; }
  std::string next_cursor() { return fmt::format("hallmark_cursor_{}", ++next_id_); }

 private:
  PGconn* conn_;
  std::string display_name_;
  bool in_transaction_ = false;
  bool failed_ = false;
  unsigned long next_id_ = 0;
  bool pipelined_ = false;
  std::vector<const std::string*> queued_;  // the SQL of each queued write (statements outlive it)
  bool keep_last_ = false;                   // the last queued statement is a read: keep its rows
  ResultPtr kept_;
};

PostgresStatement::~PostgresStatement() {
  reset();
  (void)connection_.settle();
  if (!name_.empty() && PQstatus(connection_.conn()) == CONNECTION_OK) {
    PQclear(PQexec(connection_.conn(), fmt::format("DEALLOCATE {}", name_).c_str()));
  }
}

Result<bool> PostgresStatement::step() {
  if (bad_bind_) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: a parameter out of range was bound to \"{}\"",
                            connection_.display_name(), sql_));
  }
  const int params = static_cast<int>(values_.size());
  if (rows_ == Rows::kNone && connection_.in_transaction()) {
    if (auto ok = connection_.queue(name_, sql_, params, values_.data(), lengths_.data(), formats_.data());
        !ok) {
      return std::unexpected(std::move(ok.error()));
    }
    return false;
  }
  if (!executed_ && rows_ == Rows::kBuffered && connection_.pipelined()) {
    executed_ = true;
    row_ = 0;
    auto result = connection_.read_after_queued(name_, sql_, params, values_.data(), lengths_.data(),
                                                formats_.data());
    if (!result) return std::unexpected(std::move(result.error()));
    result_ = std::move(*result);
    row_count_ = PQresultStatus(result_.get()) == PGRES_TUPLES_OK ? PQntuples(result_.get()) : 0;
    return row_ < row_count_;
  }
  if (auto ok = connection_.settle(); !ok) return std::unexpected(std::move(ok.error()));
  if (!executed_) {
    executed_ = true;
    row_ = 0;
    if (rows_ != Rows::kStreamed) {
      result_.reset(PQexecPrepared(connection_.conn(), name_.c_str(), params, values_.data(),
                                   lengths_.data(), formats_.data(), 1));
      if (auto ok = connection_.check(result_.get(), fmt::format("\"{}\" failed", sql_)); !ok) {
        result_.reset();
        return std::unexpected(std::move(ok.error()));
      }
      row_count_ = PQresultStatus(result_.get()) == PGRES_TUPLES_OK ? PQntuples(result_.get()) : 0;
      return row_ < row_count_;
    }
    // WITH HOLD: the cursor also works outside a transaction (the server keeps the rows).
    std::string cursor = connection_.next_cursor();
    const std::string declare =
        fmt::format("DECLARE {} NO SCROLL CURSOR WITH HOLD FOR {}", cursor, sql_);
    ResultPtr declared(PQexecParams(connection_.conn(), declare.c_str(), params, nullptr,
                                    values_.data(), lengths_.data(), formats_.data(), 0));
    if (auto ok = connection_.check(declared.get(), fmt::format("\"{}\" failed", sql_)); !ok) {
      return std::unexpected(std::move(ok.error()));
    }
    cursor_ = std::move(cursor);
    return fetch();
  }
  ++row_;
  if (row_ < row_count_) return true;
  if (rows_ != Rows::kStreamed || exhausted_) return false;
  return fetch();
}

Result<bool> PostgresStatement::fetch() {
  const std::string sql = fmt::format("FETCH FORWARD {} FROM {}", kFetchRows, cursor_);
  result_.reset(PQexecParams(connection_.conn(), sql.c_str(), 0, nullptr, nullptr, nullptr,
                             nullptr, 1));
  if (auto ok = connection_.check(result_.get(), fmt::format("\"{}\" failed", sql_)); !ok) {
    result_.reset();
    return std::unexpected(std::move(ok.error()));
  }
  row_ = 0;
  row_count_ = PQntuples(result_.get());
  exhausted_ = row_count_ < kFetchRows;
  return row_count_ > 0;
}

void PostgresStatement::reset() noexcept {
  result_.reset();
  if (!cursor_.empty()) {
    (void)connection_.settle();  // a failure stays recorded: the transaction is poisoned
    PQclear(PQexec(connection_.conn(), fmt::format("CLOSE {}", cursor_).c_str()));
    cursor_.clear();
  }
  executed_ = false;
  exhausted_ = false;
  row_ = 0;
  row_count_ = 0;
  bad_bind_ = false;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    values_[i] = nullptr;
    lengths_[i] = 0;
    formats_[i] = 0;
  }
}

void ignore_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo, std::string display_name) {
  // connect_timeout first, so a value in the caller's conninfo (expanded after it) wins.
  const std::array<const char*, 3> keywords{"connect_timeout", "dbname", nullptr};
  const std::array<const char*, 3> values{"10", conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (conn == nullptr) {
    return fail(ErrorCode::kIo, fmt::format("{}: cannot connect: out of memory", display_name));
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return fail(ErrorCode::kIo, fmt::format("{}: cannot connect: {}", display_name, why));
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(conn, std::move(display_name));
  // Statements keep PostgreSQL's default plan caching: after five executions a statement
  // may run on a generic plan made while a new store was nearly empty. That is safe only
  // because every prepared read is an equality lookup on an index (a generic plan of one is
  // an index scan at any size) and the one read of many keys, the clone checks' prefetch
  // (store_statements.cpp), looks each key up on its own. An IN list of 128 keys planned
  // without statistics scanned the whole table: 370 units/s. Planning every execution
  // instead (plan_cache_mode = force_custom_plan) cost the server a third of its time on
  // the inserts: 11 500 against 15 000 units/s for a 20 000-unit batch into a new store.
  // tests/store/postgres_store_test.cpp checks every prepared read's generic plan.
  if (auto ok = connection->exec("SET client_min_messages = warning"); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace hallmark::evidence::sql
