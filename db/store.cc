// The Store's data and edit log: opening, loading, writing. Tokens are in tokens.cc; the schema in schema.cc.
#include "db/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "db/schema.h"
#include "db/sqlite.h"

namespace bantrack::db {
namespace {

constexpr const char* kReadVersion = "SELECT coalesce(max(seq), 0) FROM edit_log";
constexpr const char* kAppendLog =
    "INSERT INTO edit_log (at, actor, action, record_type, record_id, reason, before_json, after_json) "
    "VALUES (" BANTRACK_SQL_NOW ", ?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// Indexed by RecordType. Deleting a record deletes its child rows (ON DELETE CASCADE).
constexpr const char* kDeleteRecord[] = {
    "DELETE FROM entities WHERE id = ?1",
    "DELETE FROM publishers WHERE id = ?1",
    "DELETE FROM apps WHERE id = ?1",
    "DELETE FROM rules WHERE id = ?1",
};
// Referrers first, so that no deferred foreign key is ever counted as broken in between.
constexpr const char* kDeleteEverything[] = {
    "DELETE FROM rules",
    "DELETE FROM apps",
    "DELETE FROM publishers",
    "DELETE FROM entities",
};

constexpr const char* kInsertEntity = "INSERT INTO entities (id, name, kind) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertEntityEdge =
    "INSERT INTO entity_edges (child, kind, position, parent) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kInsertPublisher = "INSERT INTO publishers (id, name, country) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertPublisherOwner =
    "INSERT INTO publisher_owners (publisher_id, position, owner_id) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertApp = "INSERT INTO apps (id, name, publisher) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertAppCategory =
    "INSERT INTO app_categories (app_id, position, category) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertAppIdentifier =
    "INSERT INTO app_identifiers (app_id, platform, position, value) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kInsertAppStoreUrl = "INSERT INTO app_store_urls (app_id, platform, url) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRule =
    "INSERT INTO rules (id, issuer, title, instrument, effect, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kInsertRuleScope = "INSERT INTO rule_scopes (rule_id, position, scope) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRuleApp = "INSERT INTO rule_apps (rule_id, position, app_id) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRulePublisher =
    "INSERT INTO rule_publishers (rule_id, position, publisher_id) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRuleCategory =
    "INSERT INTO rule_categories (rule_id, position, category) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRuleOriginCountry =
    "INSERT INTO rule_origin_countries (rule_id, position, country) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRuleDeviceTag =
    "INSERT INTO rule_device_tags (rule_id, position, tag) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertRuleTimeline =
    "INSERT INTO rule_timeline (rule_id, position, date, status, note) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kInsertRuleSource =
    "INSERT INTO rule_sources (rule_id, position, url, title, outlet, published) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr std::string_view kPartOf = "part_of";
constexpr std::string_view kWithin = "within";

// Writes records and their child rows through statements prepared once per transaction.
class RecordWriter {
 public:
  explicit RecordWriter(sqlite3* db) : db_(db) {}

  Status Insert(const Entity& entity) {
    BANTRACK_RETURN_IF_ERROR(Run(kInsertEntity, entity.id, entity.name, Name(entity.kind)));
    BANTRACK_RETURN_IF_ERROR(InsertEdges(entity.id, kPartOf, entity.part_of));
    return InsertEdges(entity.id, kWithin, entity.within);
  }

  Status Insert(const Publisher& publisher) {
    BANTRACK_RETURN_IF_ERROR(Run(kInsertPublisher, publisher.id, publisher.name, publisher.country));
    return InsertList(kInsertPublisherOwner, publisher.id, publisher.owned_by);
  }

  Status Insert(const App& app) {
    BANTRACK_RETURN_IF_ERROR(Run(kInsertApp, app.id, app.name, app.publisher));
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertAppCategory, app.id, app.categories));
    for (int p = 0; p < kPlatformCount; ++p) {
      const std::vector<std::string>& identifiers = app.identifiers[p];
      for (size_t k = 0; k < identifiers.size(); ++k) {
        BANTRACK_RETURN_IF_ERROR(Run(kInsertAppIdentifier, app.id, Name(static_cast<Platform>(p)), k, identifiers[k]));
      }
    }
    for (int p = 0; p < static_cast<int>(std::size(app.store_urls)); ++p) {
      if (app.store_urls[p].empty()) continue;
      BANTRACK_RETURN_IF_ERROR(Run(kInsertAppStoreUrl, app.id, Name(static_cast<Platform>(p)), app.store_urls[p]));
    }
    return Status();
  }

  Status Insert(const Rule& rule) {
    BANTRACK_RETURN_IF_ERROR(
        Run(kInsertRule, rule.id, rule.issuer, rule.title, Name(rule.instrument), Name(rule.effect), rule.summary));
    for (size_t k = 0; k < rule.scope.size(); ++k) {
      BANTRACK_RETURN_IF_ERROR(Run(kInsertRuleScope, rule.id, k, Name(rule.scope[k])));
    }
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertRuleApp, rule.id, rule.apps));
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertRulePublisher, rule.id, rule.publishers));
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertRuleCategory, rule.id, rule.categories));
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertRuleOriginCountry, rule.id, rule.origin_countries));
    BANTRACK_RETURN_IF_ERROR(InsertList(kInsertRuleDeviceTag, rule.id, rule.device_tags));
    for (size_t k = 0; k < rule.timeline.size(); ++k) {
      const TimelineEntry& entry = rule.timeline[k];
      BANTRACK_RETURN_IF_ERROR(
          Run(kInsertRuleTimeline, rule.id, k, entry.date.ToString(), Name(entry.status), entry.note));
    }
    for (size_t k = 0; k < rule.sources.size(); ++k) {
      const Source& source = rule.sources[k];
      std::optional<std::string> published;
      if (source.published) published = source.published->ToString();
      BANTRACK_RETURN_IF_ERROR(Run(kInsertRuleSource, rule.id, k, source.url, source.title, source.outlet, published));
    }
    return Status();
  }

  Status Insert(const Record& record) {
    return std::visit([this](const auto& r) { return Insert(r); }, record);
  }

  // Deletes the record with this id, if any, with its child rows. Returns whether there was one.
  Result<bool> Delete(RecordType type, const std::string& id) {
    BANTRACK_RETURN_IF_ERROR(Run(kDeleteRecord[static_cast<size_t>(type)], id));
    return sqlite3_changes(db_) > 0;  // counts the record itself, not the cascaded child rows
  }

  Status DeleteEverything() {
    for (const char* sql : kDeleteEverything) BANTRACK_RETURN_IF_ERROR(Run(sql));
    return Status();
  }

 private:
  template <typename... Values>
  Status Run(const char* sql, const Values&... values) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      Result<Statement> prepared = Statement::Prepare(db_, sql);
      if (!prepared.ok()) return std::move(prepared).take_error();
      it = statements_.emplace(sql, std::move(prepared).value()).first;
    }
    return it->second.Run(values...);
  }

  // Rows (owner, position, element) for a list of strings.
  Status InsertList(const char* sql, const std::string& owner, const std::vector<std::string>& list) {
    for (size_t k = 0; k < list.size(); ++k) BANTRACK_RETURN_IF_ERROR(Run(sql, owner, k, list[k]));
    return Status();
  }

  Status InsertEdges(const std::string& child, std::string_view kind, const std::vector<std::string>& parents) {
    for (size_t k = 0; k < parents.size(); ++k) {
      BANTRACK_RETURN_IF_ERROR(Run(kInsertEntityEdge, child, kind, k, parents[k]));
    }
    return Status();
  }

  sqlite3* db_;
  // Keyed by the address of the SQL constant: each statement is prepared once per writer.
  std::unordered_map<const char*, Statement> statements_;
};

// Calls `visit(type, record)` for every record of `model`, in list order, stopping at the first error.
template <typename Visit>
Status ForEachRecord(const Model& model, Visit visit) {
  for (const Entity& r : model.entities) BANTRACK_RETURN_IF_ERROR(visit(RecordType::kEntity, r));
  for (const Publisher& r : model.publishers) BANTRACK_RETURN_IF_ERROR(visit(RecordType::kPublisher, r));
  for (const App& r : model.apps) BANTRACK_RETURN_IF_ERROR(visit(RecordType::kApp, r));
  for (const Rule& r : model.rules) BANTRACK_RETURN_IF_ERROR(visit(RecordType::kRule, r));
  return Status();
}

Result<uint64_t> ReadVersion(sqlite3* db) {
  Result<int64_t> version = QueryInt(db, kReadVersion);
  if (!version.ok()) return std::move(version).take_error();
  return static_cast<uint64_t>(*version);
}

// What one write appends to the edit log, besides the caller's Edit.
struct LogLine {
  std::string_view action;
  std::string_view record_type;  // empty for import/replace
  std::string_view record_id;    // empty for import/replace
};

// The frame of every write: one IMMEDIATE transaction that checks the version, applies `change`, appends the
// edit-log entry and commits. Returns the new version (the entry's seq); on any failure nothing is written.
Result<uint64_t> Write(sqlite3* db, uint64_t expected_version, const LogLine& line, const Edit& edit,
                       const std::function<Status(RecordWriter&)>& change) {
  Result<Transaction> transaction = Transaction::Begin(db, Transaction::Mode::kWrite);
  if (!transaction.ok()) return std::move(transaction).take_error();
  Result<uint64_t> version = ReadVersion(db);
  if (!version.ok()) return std::move(version).take_error();
  if (*version != expected_version) {
    return Error(ErrorCode::kConflict, "the data changed (now version " + std::to_string(*version) + ", expected " +
                                           std::to_string(expected_version) + "): reload and retry");
  }
  RecordWriter writer(db);
  BANTRACK_RETURN_IF_ERROR(change(writer));
  BANTRACK_RETURN_IF_ERROR(Execute(db, kAppendLog, edit.actor, line.action, line.record_type, line.record_id,
                                   edit.reason, edit.before, edit.after));
  const uint64_t new_version = static_cast<uint64_t>(sqlite3_last_insert_rowid(db));
  // AUTOINCREMENT over an append-only log gives max(seq) + 1; the Catalog labels its next snapshot by it.
  if (new_version != expected_version + 1) {
    return Error(ErrorCode::kInternal,
                 "the edit log gave seq " + std::to_string(new_version) + " after " + std::to_string(expected_version));
  }
  BANTRACK_RETURN_IF_ERROR(transaction->Commit());
  return new_version;
}

// Loading. Each table is read in one ordered scan; child rows are ordered by their owner's id like the records
// themselves, so they are attached by walking both in step (a merge join) rather than by a lookup per row.

template <typename Enum>
Status ReadEnum(const Statement& row, int column, std::optional<Enum> (*parse)(std::string_view), std::string_view what,
                Enum& out) {
  std::optional<Enum> value = parse(row.Text(column));
  if (!value) {
    return Error(ErrorCode::kIo, "corrupt database: unknown " + std::string(what) + " \"" + row.String(column) + "\"");
  }
  out = *value;
  return Status();
}

Status ReadDate(const Statement& row, int column, Date& out) {
  std::optional<Date> date = Date::Parse(row.Text(column));
  if (!date) return Error(ErrorCode::kIo, "corrupt database: \"" + row.String(column) + "\" is not a date");
  out = *date;
  return Status();
}

// Appends one record per row of `sql` (ordered by id) to `records`, filled by `fill(record, row)`.
template <typename RecordT, typename Fill>
Status LoadRecords(sqlite3* db, const char* sql, std::vector<RecordT>& records, Fill fill) {
  Result<Statement> statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return std::move(statement).take_error();
  return ForEachRow(*statement, [&](const Statement& row) -> Status {
    RecordT& record = records.emplace_back();
    record.id = row.String(0);
    return fill(record, row);
  });
}

// Hands each row of `sql` (column 0: the owning record's id; rows ordered by it, then by position) to
// `add(record, row)` with the record it belongs to. `records` are ordered by id.
template <typename RecordT, typename Add>
Status LoadChildren(sqlite3* db, const char* sql, std::vector<RecordT>& records, Add add) {
  Result<Statement> statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return std::move(statement).take_error();
  size_t next = 0;
  return ForEachRow(*statement, [&](const Statement& row) -> Status {
    const std::string_view owner = row.Text(0);
    while (next < records.size() && std::string_view(records[next].id) < owner) ++next;
    if (next == records.size() || records[next].id != owner) {
      return Error(ErrorCode::kIo, "corrupt database: \"" + std::string(sql) + "\" gave a row of missing record \"" +
                                       std::string(owner) + "\"");
    }
    return add(records[next], row);
  });
}

// LoadChildren for a list of strings: rows (owner, element).
template <typename RecordT>
Status LoadStrings(sqlite3* db, const char* sql, std::vector<RecordT>& records,
                   std::vector<std::string> RecordT::*list) {
  return LoadChildren(db, sql, records, [list](RecordT& record, const Statement& row) -> Status {
    (record.*list).push_back(row.String(1));
    return Status();
  });
}

Status LoadEntities(sqlite3* db, std::vector<Entity>& entities) {
  BANTRACK_RETURN_IF_ERROR(LoadRecords(db, "SELECT id, name, kind FROM entities ORDER BY id", entities,
                                       [](Entity& e, const Statement& row) -> Status {
                                         e.name = row.String(1);
                                         return ReadEnum(row, 2, &ParseEntityKind, "entity kind", e.kind);
                                       }));
  return LoadChildren(db, "SELECT child, kind, parent FROM entity_edges ORDER BY child, kind, position", entities,
                      [](Entity& e, const Statement& row) -> Status {
                        const std::string_view kind = row.Text(1);
                        if (kind != kPartOf && kind != kWithin) {
                          return Error(ErrorCode::kIo, "corrupt database: unknown edge kind \"" + row.String(1) + "\"");
                        }
                        (kind == kPartOf ? e.part_of : e.within).push_back(row.String(2));
                        return Status();
                      });
}

Status LoadPublishers(sqlite3* db, std::vector<Publisher>& publishers) {
  BANTRACK_RETURN_IF_ERROR(LoadRecords(db, "SELECT id, name, country FROM publishers ORDER BY id", publishers,
                                       [](Publisher& p, const Statement& row) -> Status {
                                         p.name = row.String(1);
                                         p.country = row.String(2);
                                         return Status();
                                       }));
  return LoadStrings(db, "SELECT publisher_id, owner_id FROM publisher_owners ORDER BY publisher_id, position",
                     publishers, &Publisher::owned_by);
}

Status LoadApps(sqlite3* db, std::vector<App>& apps) {
  BANTRACK_RETURN_IF_ERROR(LoadRecords(db, "SELECT id, name, publisher FROM apps ORDER BY id", apps,
                                       [](App& a, const Statement& row) -> Status {
                                         a.name = row.String(1);
                                         a.publisher = row.String(2);
                                         return Status();
                                       }));
  BANTRACK_RETURN_IF_ERROR(
      LoadStrings(db, "SELECT app_id, category FROM app_categories ORDER BY app_id, position", apps, &App::categories));
  BANTRACK_RETURN_IF_ERROR(
      LoadChildren(db, "SELECT app_id, platform, value FROM app_identifiers ORDER BY app_id, platform, position", apps,
                   [](App& a, const Statement& row) -> Status {
                     Platform platform = Platform::kWeb;
                     BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 1, &ParsePlatform, "platform", platform));
                     a.identifiers[static_cast<size_t>(platform)].push_back(row.String(2));
                     return Status();
                   }));
  return LoadChildren(db, "SELECT app_id, platform, url FROM app_store_urls ORDER BY app_id", apps,
                      [](App& a, const Statement& row) -> Status {
                        Platform platform = Platform::kWeb;
                        BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 1, &ParsePlatform, "platform", platform));
                        if (static_cast<size_t>(platform) >= std::size(a.store_urls)) {
                          return Error(ErrorCode::kIo, "corrupt database: a store URL for platform " + row.String(1));
                        }
                        a.store_urls[static_cast<size_t>(platform)] = row.String(2);
                        return Status();
                      });
}

Status LoadRules(sqlite3* db, std::vector<Rule>& rules) {
  BANTRACK_RETURN_IF_ERROR(
      LoadRecords(db, "SELECT id, issuer, title, instrument, effect, summary FROM rules ORDER BY id", rules,
                  [](Rule& r, const Statement& row) -> Status {
                    r.issuer = row.String(1);
                    r.title = row.String(2);
                    BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 3, &ParseInstrument, "instrument", r.instrument));
                    BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 4, &ParseEffect, "effect", r.effect));
                    r.summary = row.String(5);
                    return Status();
                  }));
  BANTRACK_RETURN_IF_ERROR(LoadChildren(db, "SELECT rule_id, scope FROM rule_scopes ORDER BY rule_id, position", rules,
                                        [](Rule& r, const Statement& row) -> Status {
                                          Scope scope = Scope::kPublic;
                                          BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 1, &ParseScope, "scope", scope));
                                          r.scope.push_back(scope);
                                          return Status();
                                        }));
  BANTRACK_RETURN_IF_ERROR(
      LoadStrings(db, "SELECT rule_id, app_id FROM rule_apps ORDER BY rule_id, position", rules, &Rule::apps));
  BANTRACK_RETURN_IF_ERROR(LoadStrings(
      db, "SELECT rule_id, publisher_id FROM rule_publishers ORDER BY rule_id, position", rules, &Rule::publishers));
  BANTRACK_RETURN_IF_ERROR(LoadStrings(db, "SELECT rule_id, category FROM rule_categories ORDER BY rule_id, position",
                                       rules, &Rule::categories));
  BANTRACK_RETURN_IF_ERROR(LoadStrings(db,
                                       "SELECT rule_id, country FROM rule_origin_countries ORDER BY rule_id, position",
                                       rules, &Rule::origin_countries));
  BANTRACK_RETURN_IF_ERROR(LoadStrings(db, "SELECT rule_id, tag FROM rule_device_tags ORDER BY rule_id, position",
                                       rules, &Rule::device_tags));
  BANTRACK_RETURN_IF_ERROR(
      LoadChildren(db, "SELECT rule_id, date, status, note FROM rule_timeline ORDER BY rule_id, position", rules,
                   [](Rule& r, const Statement& row) -> Status {
                     TimelineEntry& entry = r.timeline.emplace_back();
                     BANTRACK_RETURN_IF_ERROR(ReadDate(row, 1, entry.date));
                     BANTRACK_RETURN_IF_ERROR(ReadEnum(row, 2, &ParseRuleStatus, "rule status", entry.status));
                     entry.note = row.String(3);
                     return Status();
                   }));
  return LoadChildren(db, "SELECT rule_id, url, title, outlet, published FROM rule_sources ORDER BY rule_id, position",
                      rules, [](Rule& r, const Statement& row) -> Status {
                        Source& source = r.sources.emplace_back();
                        source.url = row.String(1);
                        source.title = row.String(2);
                        source.outlet = row.String(3);
                        if (row.IsNull(4)) return Status();
                        Date published;
                        BANTRACK_RETURN_IF_ERROR(ReadDate(row, 4, published));
                        source.published = published;
                        return Status();
                      });
}

}  // namespace

std::string RecordLabel(RecordType type, std::string_view id) {
  return std::string(RecordName(type)) + " \"" + std::string(id) + "\"";
}

Store::Store(sqlite3* db) : db_(db) {}

Store::~Store() { sqlite3_close_v2(db_); }

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Store> store(new Store(db));  // owns the handle from here on, even when opening failed
  if (rc != SQLITE_OK) return SqliteError(db, rc, "opening " + path);
  sqlite3_busy_timeout(db, 5000);  // wait up to 5 s for another process's write to finish
  if (Status migrated = Migrate(db); !migrated.ok()) {
    return Error(migrated.error().code(), "opening " + path + ": " + migrated.error().message());
  }
  return store;
}

Result<Model> Store::Load() {
  // One read transaction: every scan sees the same state of the data.
  Result<Transaction> transaction = Transaction::Begin(db_, Transaction::Mode::kRead);
  if (!transaction.ok()) return std::move(transaction).take_error();
  Model model;
  BANTRACK_RETURN_IF_ERROR(LoadEntities(db_, model.entities));
  BANTRACK_RETURN_IF_ERROR(LoadPublishers(db_, model.publishers));
  BANTRACK_RETURN_IF_ERROR(LoadApps(db_, model.apps));
  BANTRACK_RETURN_IF_ERROR(LoadRules(db_, model.rules));
  BANTRACK_RETURN_IF_ERROR(transaction->Commit());
  return model;
}

Result<uint64_t> Store::Version() { return ReadVersion(db_); }

Result<uint64_t> Store::Import(const Model& records, bool replace_all, const Edit& edit, uint64_t expected_version) {
  const LogLine line{replace_all ? "replace" : "import", "", ""};
  return Write(db_, expected_version, line, edit, [&](RecordWriter& writer) -> Status {
    // Deletions first: a store identifier moving between two imported apps must be free before it is inserted.
    if (replace_all) {
      BANTRACK_RETURN_IF_ERROR(writer.DeleteEverything());
    } else {
      BANTRACK_RETURN_IF_ERROR(ForEachRecord(records, [&](RecordType type, const auto& record) -> Status {
        Result<bool> deleted = writer.Delete(type, record.id);
        if (!deleted.ok()) return std::move(deleted).take_error();
        return Status();
      }));
    }
    return ForEachRecord(records, [&](RecordType, const auto& record) { return writer.Insert(record); });
  });
}

Result<uint64_t> Store::Put(const Record& record, const Edit& edit, uint64_t expected_version) {
  const RecordType type = TypeOf(record);
  const std::string& id = IdOf(record);
  const bool creating = edit.before.empty();
  const LogLine line{creating ? "create" : "update", RecordName(type), id};
  return Write(db_, expected_version, line, edit, [&](RecordWriter& writer) -> Status {
    Result<bool> existed = writer.Delete(type, id);
    if (!existed.ok()) return std::move(existed).take_error();
    if (creating && *existed) return Error(ErrorCode::kConflict, RecordLabel(type, id) + " already exists");
    if (!creating && !*existed) return Error(ErrorCode::kNotFound, RecordLabel(type, id) + " does not exist");
    return writer.Insert(record);
  });
}

Result<uint64_t> Store::Remove(RecordType type, const std::string& id, const Edit& edit, uint64_t expected_version) {
  const LogLine line{"delete", RecordName(type), id};
  return Write(db_, expected_version, line, edit, [&](RecordWriter& writer) -> Status {
    Result<bool> existed = writer.Delete(type, id);
    if (!existed.ok()) return std::move(existed).take_error();
    if (!*existed) return Error(ErrorCode::kNotFound, RecordLabel(type, id) + " does not exist");
    return Status();
  });
}

Result<std::vector<LogEntry>> Store::Changes(uint64_t since, size_t limit) {
  Result<Statement> statement = Statement::Prepare(
      db_,
      "SELECT seq, at, actor, action, record_type, record_id, reason, before_json, after_json FROM edit_log "
      "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!statement.ok()) return std::move(statement).take_error();
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  BANTRACK_RETURN_IF_ERROR(statement->BindAll(std::min<uint64_t>(since, kMax), std::min<uint64_t>(limit, kMax)));
  std::vector<LogEntry> entries;
  BANTRACK_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Status {
    entries.push_back(LogEntry{static_cast<uint64_t>(row.Int(0)), row.String(1), row.String(2), row.String(3),
                               row.String(4), row.String(5), row.String(6), row.String(7), row.String(8)});
    return Status();
  }));
  return entries;
}

Status Store::CheckIntegrity() {
  std::string problems;
  auto collect = [&](const char* sql, auto describe) -> Status {
    Result<Statement> statement = Statement::Prepare(db_, sql);
    if (!statement.ok()) return std::move(statement).take_error();
    return ForEachRow(*statement, [&](const Statement& row) -> Status {
      std::string problem = describe(row);
      if (!problem.empty()) problems += (problems.empty() ? "" : "; ") + problem;
      return Status();
    });
  };
  BANTRACK_RETURN_IF_ERROR(collect("PRAGMA integrity_check", [](const Statement& row) -> std::string {
    return row.Text(0) == "ok" ? std::string() : row.String(0);
  }));
  // integrity_check does not look at foreign keys; a dangling reference would stop the next write's COMMIT.
  BANTRACK_RETURN_IF_ERROR(collect("PRAGMA foreign_key_check", [](const Statement& row) -> std::string {
    return row.String(0) + " refers to a missing row of " + row.String(2);
  }));
  if (!problems.empty()) return Error(ErrorCode::kIo, "database integrity check failed: " + problems);
  return Status();
}

}  // namespace bantrack::db
