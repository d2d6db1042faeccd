// A thin layer over the SQLite C API, private to db/: prepared statements, transactions, and SQLite errors as
// bantrack::Error.
//
// SQL text given to this layer is always a compile-time constant; values reach SQLite only as bound parameters,
// never spliced into the text. An SQLite failure becomes Error(kIo, "<what>: <sqlite message>"), except that a
// database kept locked by another connection past the busy timeout becomes kUnavailable (retrying may succeed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/status.h"

struct sqlite3;
struct sqlite3_stmt;

// Returns the error of `expr` (a Status or Result) from the enclosing function, which returns a Status or Result.
#define BANTRACK_RETURN_IF_ERROR(expr)                            \
  do {                                                            \
    if (auto bantrack_status_ = (expr); !bantrack_status_.ok()) { \
      return std::move(bantrack_status_).take_error();            \
    }                                                             \
  } while (0)

// An SQL expression for the current time in UTC, ISO 8601 with "Z" ("2025-02-01T12:00:00Z"): timestamps are made
// by SQLite inside the statement that stores them.
#define BANTRACK_SQL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

namespace bantrack::db {

// The error for a failed SQLite call with result code `rc` on `db`: "<what>: <sqlite's message>".
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// Runs every statement of `script`, a constant holding several statements (a schema migration), in order.
Status ExecuteScript(sqlite3* db, const char* script);

// One prepared statement. Parameters are numbered from 1 (?1, ?2, ...); columns from 0.
class Statement {
 public:
  // Prepares one statement of `sql`, a constant.
  static Result<Statement> Prepare(sqlite3* db, const char* sql);
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds `values` to parameters 1..n, replacing earlier bindings.
  template <typename... Values>
  Status BindAll(const Values&... values) {
    int index = 0;
    Status status;
    ((status.ok() ? (void)(status = Bind(++index, values)) : (void)0), ...);
    return status;
  }

  // Advances to the next row: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Binds `values`, runs the statement to completion (any rows are discarded) and rewinds it for the next use.
  template <typename... Values>
  Status Run(const Values&... values) {
    BANTRACK_RETURN_IF_ERROR(BindAll(values...));
    return RunBound();
  }

  // Column values of the current row.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string_view Text(int column) const;  // valid until the next Step
  std::string String(int column) const { return std::string(Text(column)); }

 private:
  friend Status ExecuteScript(sqlite3* db, const char* script);
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status Bind(int index, std::string_view value);
  Status Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Status Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Status Bind(int index, int64_t value);
  Status Bind(int index, uint64_t value) { return Bind(index, static_cast<int64_t>(value)); }
  Status Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Status Bind(int index, std::nullopt_t);
  template <typename T>
  Status Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : Bind(index, std::nullopt);
  }
  Status RunBound();
  const char* Sql() const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// Prepares `sql`, binds `values`, runs it to completion: for statements run once.
template <typename... Values>
Status Execute(sqlite3* db, const char* sql, const Values&... values) {
  Result<Statement> statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return std::move(statement).take_error();
  return statement->Run(values...);
}

// Calls `on_row(statement)` (returning Status) for every row of a bound statement, stopping at the first error.
template <typename OnRow>
Status ForEachRow(Statement& statement, OnRow on_row) {
  while (true) {
    Result<bool> row = statement.Step();
    if (!row.ok()) return std::move(row).take_error();
    if (!*row) return Status();
    BANTRACK_RETURN_IF_ERROR(on_row(statement));
  }
}

// The single integer a statement such as "SELECT count(*) ..." returns.
Result<int64_t> QueryInt(sqlite3* db, const char* sql);

// A transaction that rolls back unless committed. kWrite begins IMMEDIATE: it takes the write lock at once, so
// that what the transaction reads (the version) cannot change before it commits.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  static Result<Transaction> Begin(sqlite3* db, Mode mode);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Commits. A failed COMMIT (e.g. a deferred foreign key that does not resolve) leaves the transaction open,
  // and this guard then rolls it back.
  Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;  // null once committed
};

}  // namespace bantrack::db
