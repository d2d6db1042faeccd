// The database schema and its migrations, private to db/ (the invariants are written in schema.cc).
#pragma once

#include <cstdint>

#include "engine/status.h"

struct sqlite3;

namespace bantrack::db {

// The number of migrations this program knows: a migrated database has PRAGMA user_version equal to it.
int64_t SchemaVersion();

// Sets the connection's pragmas and applies, each in its own transaction, the migrations `db` has not had yet.
// A database whose user_version is newer than SchemaVersion() is refused (kIo) before anything is changed.
Status Migrate(sqlite3* db);

}  // namespace bantrack::db
