// The SQLite store: the data set, the append-only edit log, and API tokens, in one database file.
//
// Every write of data is one transaction that also appends exactly one edit-log entry; the store's version is
// the sequence number of the newest edit-log entry (0 for an empty store), so a version names one state of the
// data. (Token changes are not data: they neither log nor change the version.)
// SQLite exceptions do not exist here (the C API is used); every failure is an Error: kIo for SQLite's own
// failures ("<what>: <sqlite message>"), kUnavailable when another process kept the database locked for longer
// than the busy timeout (5 s), kConflict / kNotFound / kInvalidInput as each function says.
// A Store is used by one thread at a time (the Catalog serializes access); several processes may share a file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/status.h"

struct sqlite3;

namespace bantrack::db {

// Who made a change and why, and what it looked like before and after (JSON text, or empty when there was
// nothing: no `before` on create, no `after` on delete). The caller renders the records.
struct Edit {
  std::string actor;
  std::string reason;
  std::string before;
  std::string after;
};

struct LogEntry {
  uint64_t seq = 0;
  std::string at;           // UTC, "2025-02-01T12:00:00Z"
  std::string actor;
  std::string action;       // create | update | delete | import | replace
  std::string record_type;  // entity | publisher | app | rule; empty for import/replace
  std::string record_id;    // empty for import/replace
  std::string reason;
  std::string before;       // JSON text or empty
  std::string after;        // JSON text or empty
};

enum class Role : uint8_t { kReader, kEditor, kAdmin };  // ordered: a larger role can do everything a smaller can
std::string_view Name(Role role);
std::optional<Role> ParseRole(std::string_view text);

// How errors name a record: `rule "us-tx-2025-01-31-chinese-ai-social"`.
std::string RecordLabel(RecordType type, std::string_view id);

struct TokenInfo {
  int64_t id = 0;
  std::string name;
  Role role = Role::kReader;
  std::string created_at;
  std::string revoked_at;  // empty while valid
};

class Store {
 public:
  // Opens (creating when missing) the database at `path` and migrates its schema to the newest version
  // (PRAGMA user_version), one transaction per migration step; WAL journal, foreign keys on, synchronous=FULL so
  // an acknowledged write survives a crash. A file newer than this program's schema is refused (kIo) untouched.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The whole data set as of one moment (one read transaction), each list ordered by id, lists inside records
  // in the order they were written.
  Result<Model> Load();
  Result<uint64_t> Version();

  // Writes. Each checks, inside its transaction, that the store is still at `expected_version` (kConflict
  // otherwise: someone else wrote since the caller validated; nothing is written) and returns the new version,
  // which is always expected_version + 1.
  // Callers validate the resulting model first; foreign keys are the database's own last line of defence (a
  // reference left dangling fails the commit, kIo, and nothing is written).
  // `edit` is logged as given: before/after are the caller's JSON text (for Import, `after` is its summary).

  // Adds or replaces (by id) every record of `records` (action "import"); with `replace_all`, first removes
  // everything (action "replace").
  Result<uint64_t> Import(const Model& records, bool replace_all, const Edit& edit, uint64_t expected_version);
  // Creates or replaces one record (action "create" when `edit.before` is empty, else "update"). A create of an
  // existing id is kConflict, an update of a missing one kNotFound.
  Result<uint64_t> Put(const Record& record, const Edit& edit, uint64_t expected_version);
  // Deletes one record (action "delete"); kNotFound when there is none with that id.
  Result<uint64_t> Remove(RecordType type, const std::string& id, const Edit& edit, uint64_t expected_version);

  // Edit-log entries with seq > since, oldest first, at most `limit`.
  Result<std::vector<LogEntry>> Changes(uint64_t since, size_t limit);

  // Tokens: only SHA-256 hashes are stored. CreateToken returns the secret, shown once ("bt_" + 64 hex digits);
  // an empty name is kInvalidInput.
  Result<std::string> CreateToken(const std::string& name, Role role);
  Result<std::vector<TokenInfo>> ListTokens();  // by id, revoked ones included
  Status RevokeToken(int64_t id);  // kNotFound when no such token; revoking again keeps the first revoked_at
  // The valid token with this secret, comparing hashes in constant time; kUnauthenticated otherwise.
  Result<TokenInfo> Authenticate(std::string_view secret);

  // PRAGMA integrity_check and PRAGMA foreign_key_check; ok when the first says "ok" and the second finds no
  // dangling reference, kIo listing the problems otherwise.
  Status CheckIntegrity();

 private:
  explicit Store(sqlite3* db);
  sqlite3* db_;
};

}  // namespace bantrack::db
