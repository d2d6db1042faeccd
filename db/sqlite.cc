#include "db/sqlite.h"

#include <sqlite3.h>

namespace bantrack::db {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  // The connection's message describes its most recent failure, which is the one at hand when rc says so.
  std::string message = db != nullptr && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  const ErrorCode code = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? ErrorCode::kUnavailable : ErrorCode::kIo;
  return Error(code, std::string(what) + ": " + message);
}

Result<Statement> Statement::Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db, rc, std::string("preparing \"") + sql + "\"");
  }
  return Statement(db, stmt);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

const char* Statement::Sql() const { return sqlite3_sql(stmt_); }

Status Statement::Bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("binding a parameter of \"") + Sql() + "\"");
  return Status();
}

Status Statement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("binding a parameter of \"") + Sql() + "\"");
  return Status();
}

Status Statement::Bind(int index, std::nullopt_t) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("binding a parameter of \"") + Sql() + "\"");
  return Status();
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // With sqlite3_prepare_v2 the step's result code is the specific error; reset so the statement can be reused.
  Error error = SqliteError(db_, rc, std::string("running \"") + Sql() + "\"");
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::RunBound() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return std::move(row).take_error();
    if (!*row) break;
  }
  sqlite3_reset(stmt_);
  return Status();
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::Text(int column) const {
  // column_text before column_bytes: the documented order that gives the byte count of the UTF-8 text.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<int64_t> QueryInt(sqlite3* db, const char* sql) {
  Result<Statement> statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return std::move(statement).take_error();
  Result<bool> row = statement->Step();
  if (!row.ok()) return std::move(row).take_error();
  if (!*row) return Error(ErrorCode::kInternal, std::string("\"") + sql + "\" returned no row");
  return statement->Int(0);
}

Status ExecuteScript(sqlite3* db, const char* script) {
  const char* rest = script;
  while (*rest != '\0') {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db, rest, -1, &stmt, &tail);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "preparing a schema statement");
    if (stmt == nullptr) break;  // only whitespace or comments were left
    Statement statement(db, stmt);
    BANTRACK_RETURN_IF_ERROR(statement.RunBound());
    rest = tail;
  }
  return Status();
}

Result<Transaction> Transaction::Begin(sqlite3* db, Mode mode) {
  BANTRACK_RETURN_IF_ERROR(Execute(db, mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    // Nothing useful can be done if ROLLBACK itself fails: SQLite has then already rolled back (or the
    // connection is closing), and the caller is returning the error that brought us here.
    (void)Execute(db_, "ROLLBACK");
  }
}

Status Transaction::Commit() {
  BANTRACK_RETURN_IF_ERROR(Execute(db_, "COMMIT"));
  db_ = nullptr;
  return Status();
}

}  // namespace bantrack::db
