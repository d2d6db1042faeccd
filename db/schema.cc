// The schema of a bantrack database and the migrations that build it.
//
// Invariants of a migrated database (the rest of db/ relies on them):
//  1. PRAGMA user_version = the number of migrations applied; migration i (0-based) sets it to i + 1 in the same
//     transaction as its schema changes, so a crash leaves either all of a migration or none of it. Migrations
//     are only ever appended to kMigrations; a shipped one is never edited.
//  2. Records (entities, publishers, apps, rules) live in WITHOUT ROWID tables keyed by id, so "ORDER BY id" is a
//     scan of the table itself. Every list inside a record is a child table keyed by (owner, position), the
//     position being the element's index in the list: ordered scans rebuild every list, in order, in one pass.
//  3. A child row belongs to its record: deleting the record deletes it (ON DELETE CASCADE). A reference from one
//     record to another (rule -> issuer, rule -> apps and publishers, app -> publisher, publisher -> owners,
//     entity edges -> parent) is a foreign key with no action, so deleting a record still referred to fails.
//  4. Every foreign key is DEFERRABLE INITIALLY DEFERRED: checked at COMMIT, so an import may insert records in
//     any order and a replace may delete and re-insert a record inside one transaction. (ON DELETE RESTRICT is
//     avoided on purpose: SQLite checks RESTRICT immediately, even on a deferred key.) Every referring column is
//     indexed, so that deleting a record does not scan its referrers' tables.
//  5. Enumerations are stored by their names in the engine's spelling ("government-devices") and CHECKed; a store
//     identifier belongs to one app (UNIQUE (platform, value)).
//  6. The edit log is append-only: triggers abort any UPDATE or DELETE of it. seq is AUTOINCREMENT, so a seq is
//     never reused and max(seq) is the version of the data (0 when the log is empty).
//  7. Tokens are stored as the hex SHA-256 of their secret, never the secret.
#include "db/schema.h"

#include <sqlite3.h>

#include <iterator>
#include <string>
#include <string_view>

#include "db/sqlite.h"

namespace bantrack::db {
namespace {

struct Migration {
  const char* description;
  const char* script;  // ends by setting PRAGMA user_version to the migration's number
};

constexpr Migration kMigrations[] = {
    {"initial schema", R"sql(
CREATE TABLE entities (
  id   TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('country', 'supranational', 'state', 'province', 'city', 'government', 'agency',
                                     'legislature', 'military', 'regulator', 'court', 'organization'))
) WITHOUT ROWID;

CREATE TABLE entity_edges (
  child    TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  kind     TEXT NOT NULL CHECK (kind IN ('part_of', 'within')),
  position INTEGER NOT NULL CHECK (position >= 0),
  parent   TEXT NOT NULL REFERENCES entities (id) DEFERRABLE INITIALLY DEFERRED CHECK (parent <> child),
  PRIMARY KEY (child, kind, position)
) WITHOUT ROWID;
CREATE INDEX entity_edges_by_parent ON entity_edges (parent);

CREATE TABLE publishers (
  id      TEXT NOT NULL PRIMARY KEY,
  name    TEXT NOT NULL,
  country TEXT NOT NULL CHECK (country GLOB '[a-z][a-z]')
) WITHOUT ROWID;

CREATE TABLE publisher_owners (
  publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position     INTEGER NOT NULL CHECK (position >= 0),
  owner_id     TEXT NOT NULL REFERENCES publishers (id) DEFERRABLE INITIALLY DEFERRED CHECK (owner_id <> publisher_id),
  PRIMARY KEY (publisher_id, position)
) WITHOUT ROWID;
CREATE INDEX publisher_owners_by_owner ON publisher_owners (owner_id);

CREATE TABLE apps (
  id        TEXT NOT NULL PRIMARY KEY,
  name      TEXT NOT NULL,
  publisher TEXT NOT NULL REFERENCES publishers (id) DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;
CREATE INDEX apps_by_publisher ON apps (publisher);

CREATE TABLE app_categories (
  app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  category TEXT NOT NULL,
  PRIMARY KEY (app_id, position)
) WITHOUT ROWID;

CREATE TABLE app_identifiers (
  app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  platform TEXT NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
  position INTEGER NOT NULL CHECK (position >= 0),
  value    TEXT NOT NULL,
  PRIMARY KEY (app_id, platform, position),
  UNIQUE (platform, value)
) WITHOUT ROWID;

CREATE TABLE app_store_urls (
  app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  platform TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
  url      TEXT NOT NULL CHECK (url <> ''),
  PRIMARY KEY (app_id, platform)
) WITHOUT ROWID;

CREATE TABLE rules (
  id         TEXT NOT NULL PRIMARY KEY,
  issuer     TEXT NOT NULL REFERENCES entities (id) DEFERRABLE INITIALLY DEFERRED,
  title      TEXT NOT NULL,
  instrument TEXT NOT NULL CHECK (instrument IN ('law', 'executive-order', 'directive', 'regulator-order', 'guidance',
                                                 'memo', 'court-order')),
  effect     TEXT NOT NULL CHECK (effect IN ('ban', 'restrict', 'exempt')),
  summary    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rules_by_issuer ON rules (issuer);

CREATE TABLE rule_scopes (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  scope    TEXT NOT NULL CHECK (scope IN ('government-devices', 'work-devices', 'government-networks', 'public')),
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE rule_apps (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  app_id   TEXT NOT NULL REFERENCES apps (id) DEFERRABLE INITIALLY DEFERRED,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;
CREATE INDEX rule_apps_by_app ON rule_apps (app_id);

CREATE TABLE rule_publishers (
  rule_id      TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position     INTEGER NOT NULL CHECK (position >= 0),
  publisher_id TEXT NOT NULL REFERENCES publishers (id) DEFERRABLE INITIALLY DEFERRED,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;
CREATE INDEX rule_publishers_by_publisher ON rule_publishers (publisher_id);

CREATE TABLE rule_categories (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  category TEXT NOT NULL,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE rule_origin_countries (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  country  TEXT NOT NULL CHECK (country GLOB '[a-z][a-z]'),
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE rule_device_tags (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  tag      TEXT NOT NULL,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE rule_timeline (
  rule_id  TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position INTEGER NOT NULL CHECK (position >= 0),
  date     TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  status   TEXT NOT NULL CHECK (status IN ('under-review', 'announced', 'in-force', 'suspended', 'lifted')),
  note     TEXT NOT NULL,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE rule_sources (
  rule_id   TEXT NOT NULL REFERENCES rules (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  position  INTEGER NOT NULL CHECK (position >= 0),
  url       TEXT NOT NULL,
  title     TEXT NOT NULL,
  outlet    TEXT NOT NULL,
  published TEXT CHECK (published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;

CREATE TABLE edit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL
              CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import', 'replace')),
  record_type TEXT NOT NULL CHECK (record_type IN ('', 'entity', 'publisher', 'app', 'rule')),
  record_id   TEXT NOT NULL,
  reason      TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json  TEXT NOT NULL,
  -- a write of one record names it; an import or replace names none
  CHECK ((action IN ('import', 'replace')) = (record_type = '' AND record_id = ''))
);
CREATE TRIGGER edit_log_no_update BEFORE UPDATE ON edit_log
BEGIN
  SELECT RAISE(ABORT, 'the edit log is append-only');
END;
CREATE TRIGGER edit_log_no_delete BEFORE DELETE ON edit_log
BEGIN
  SELECT RAISE(ABORT, 'the edit log is append-only');
END;

CREATE TABLE tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL CHECK (name <> ''),
  role          TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
  secret_sha256 TEXT NOT NULL UNIQUE CHECK (length(secret_sha256) = 64),
  created_at    TEXT NOT NULL,
  revoked_at    TEXT
);

PRAGMA user_version = 1;
)sql"},
};

constexpr int64_t kKnownVersion = static_cast<int64_t>(std::size(kMigrations));

Status SetPragmas(sqlite3* db) {
  // foreign_keys is per connection and a no-op inside a transaction: set it first, outside any.
  BANTRACK_RETURN_IF_ERROR(Execute(db, "PRAGMA foreign_keys = ON"));
  Result<Statement> journal = Statement::Prepare(db, "PRAGMA journal_mode = WAL");
  if (!journal.ok()) return std::move(journal).take_error();
  Result<bool> row = journal->Step();
  if (!row.ok()) return std::move(row).take_error();
  // An in-memory database (":memory:") keeps its "memory" journal: there is no file to share.
  const std::string_view mode = *row ? journal->Text(0) : std::string_view();
  if (mode != "wal" && mode != "memory") {
    return Error(ErrorCode::kIo,
                 "switching the database to WAL journal mode: it stays in \"" + std::string(mode) + "\" mode");
  }
  return Execute(db, "PRAGMA synchronous = FULL");
}

Status Apply(sqlite3* db, int64_t index) {
  Result<Transaction> transaction = Transaction::Begin(db, Transaction::Mode::kWrite);
  if (!transaction.ok()) return std::move(transaction).take_error();
  // Another process may have applied it between our first look and taking the write lock.
  Result<int64_t> version = QueryInt(db, "PRAGMA user_version");
  if (!version.ok()) return std::move(version).take_error();
  if (*version > index) return Status();

  const Migration& migration = kMigrations[index];
  const std::string what = "schema migration " + std::to_string(index + 1) + " (" + migration.description + ")";
  if (Status applied = ExecuteScript(db, migration.script); !applied.ok()) {
    return Error(applied.error().code(), what + ": " + applied.error().message());
  }
  version = QueryInt(db, "PRAGMA user_version");
  if (!version.ok()) return std::move(version).take_error();
  if (*version != index + 1) return Error(ErrorCode::kInternal, what + " did not set user_version to its number");
  return transaction->Commit();
}

}  // namespace

int64_t SchemaVersion() { return kKnownVersion; }

Status Migrate(sqlite3* db) {
  // Refuse a newer file before changing anything in it, the journal mode included.
  Result<int64_t> version = QueryInt(db, "PRAGMA user_version");
  if (!version.ok()) return std::move(version).take_error();
  if (*version > kKnownVersion) {
    return Error(ErrorCode::kIo, "the database has schema version " + std::to_string(*version) +
                                     ", newer than this program knows (" + std::to_string(kKnownVersion) +
                                     "): use a newer bantrack");
  }
  BANTRACK_RETURN_IF_ERROR(SetPragmas(db));
  for (int64_t index = *version; index < kKnownVersion; ++index) BANTRACK_RETURN_IF_ERROR(Apply(db, index));
  return Status();
}

}  // namespace bantrack::db
