// The SQLite store: schema and migrations, the data round trip, writes and their edit log, and tokens.
// Each test works on a database file in a fresh temporary directory; some look at the file directly through
// SQLite to check what the Store's API cannot show (the schema, the triggers, the bytes on disk).
#include "db/store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "db/schema.h"
#include "db/testing.h"
#include "tests/sha256_hex.h"

namespace bantrack::db {
namespace {

using bantrack::testing::Sha256Hex;
using testing::FullModel;
using testing::TempDir;

std::unique_ptr<Store> OpenStore(const std::string& path) {
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  REQUIRE_MESSAGE(store.ok(), store.error().ToString());
  return std::move(store).value();
}

// A second, raw connection to the file, for what the Store does not expose.
class RawDb {
 public:
  explicit RawDb(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK); }
  ~RawDb() { sqlite3_close(db_); }
  // Runs a constant statement; returns SQLite's result code, and its message in `message`.
  int Exec(const char* sql, std::string* message = nullptr) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (message != nullptr) *message = error != nullptr ? error : "";
    sqlite3_free(error);
    return rc;
  }
  // The first column of every row of a constant query, as text.
  std::vector<std::string> Column(const char* sql) {
    std::vector<std::string> values;
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      values.push_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
    sqlite3_finalize(stmt);
    return values;
  }

 private:
  sqlite3* db_ = nullptr;
};

Model Sorted(Model model) {
  SortById(model);
  return model;
}

Edit MakeEdit(std::string reason, std::string before = "", std::string after = "{}") {
  return Edit{"tester", std::move(reason), std::move(before), std::move(after)};
}

Rule SimpleRule(std::string id, std::string issuer, std::vector<std::string> apps) {
  Rule rule;
  rule.id = std::move(id);
  rule.issuer = std::move(issuer);
  rule.title = "Title of " + rule.id;
  rule.scope = {Scope::kGovernmentDevices};
  rule.apps = std::move(apps);
  rule.timeline = {{*Date::Parse("2025-01-31"), RuleStatus::kInForce, ""}};
  rule.sources = {{"https://example.org/" + rule.id, "Source", "", std::nullopt}};
  return rule;
}

// Everything a failed write must leave as it was.
struct State {
  Model model;
  uint64_t version;
  std::vector<LogEntry> log;
};

State Capture(Store& store) {
  Result<Model> model = store.Load();
  Result<uint64_t> version = store.Version();
  Result<std::vector<LogEntry>> log = store.Changes(0, 1000);
  REQUIRE(model.ok());
  REQUIRE(version.ok());
  REQUIRE(log.ok());
  return State{*model, *version, *log};
}

void CheckUnchanged(Store& store, const State& before) {
  const State after = Capture(store);
  CHECK(after.model == before.model);
  CHECK(after.version == before.version);
  CHECK(after.log.size() == before.log.size());
}

// Whether `text` matches `pattern`, where '9' stands for any digit, 'f' for a lower-case hex digit, and any other
// character for itself.
bool Matches(std::string_view text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool digit = c >= '0' && c <= '9';
    if (pattern[i] == '9' ? !digit : pattern[i] == 'f' ? !(digit || (c >= 'a' && c <= 'f')) : c != pattern[i]) {
      return false;
    }
  }
  return true;
}

constexpr std::string_view kUtcPattern = "9999-99-99T99:99:99Z";

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}


TEST_CASE("an empty file is migrated to the current schema") {
  TempDir dir;
  REQUIRE(dir.ok());
  const std::string path = dir.File("new.db");
  {
    std::unique_ptr<Store> store = OpenStore(path);
    CHECK(store->Version().value() == 0);
    CHECK(store->Load().value() == Model());
    CHECK(store->CheckIntegrity().ok());
  }
  RawDb raw(path);
  CHECK(raw.Column("PRAGMA user_version") == std::vector<std::string>{std::to_string(SchemaVersion())});
  CHECK(raw.Column("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  const std::vector<std::string> tables = raw.Column("SELECT name FROM sqlite_master WHERE type = 'table'");
  const std::set<std::string> present(tables.begin(), tables.end());
  for (const char* table :
       {"entities", "entity_edges", "publishers", "publisher_owners", "apps", "app_categories", "app_identifiers",
        "app_store_urls", "rules", "rule_scopes", "rule_apps", "rule_publishers", "rule_categories",
        "rule_origin_countries", "rule_device_tags", "rule_timeline", "rule_sources", "edit_log", "tokens"}) {
    CHECK_MESSAGE(present.count(table) == 1, table);
  }
  const std::vector<std::string> triggers = raw.Column("SELECT name FROM sqlite_master WHERE type = 'trigger'");
  CHECK(std::set<std::string>(triggers.begin(), triggers.end()) ==
        std::set<std::string>{"edit_log_no_delete", "edit_log_no_update"});
}

TEST_CASE("reopening a migrated file changes nothing") {
  TempDir dir;
  const std::string path = dir.File("reopen.db");
  const Model model = FullModel();
  {
    std::unique_ptr<Store> store = OpenStore(path);
    REQUIRE(store->Import(model, false, MakeEdit("seed"), 0).ok());
  }
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<Store> store = OpenStore(path);
    CHECK(store->Version().value() == 1);
    CHECK(store->Load().value() == Sorted(model));
  }
  RawDb raw(path);
  CHECK(raw.Column("PRAGMA user_version") == std::vector<std::string>{std::to_string(SchemaVersion())});
}

TEST_CASE("a file from a newer schema is refused and left alone") {
  TempDir dir;
  const std::string path = dir.File("future.db");
  REQUIRE(SchemaVersion() < 1000);
  {
    RawDb raw(path);
    REQUIRE(raw.Exec("CREATE TABLE from_the_future (x)") == SQLITE_OK);
    REQUIRE(raw.Exec("PRAGMA user_version = 1000") == SQLITE_OK);
  }
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code() == ErrorCode::kIo);
  CHECK(store.error().message().find("newer than this program knows") != std::string::npos);
  RawDb raw(path);
  CHECK(raw.Column("PRAGMA user_version") == std::vector<std::string>{"1000"});
  CHECK(raw.Column("PRAGMA journal_mode") == std::vector<std::string>{"delete"});
  CHECK(raw.Column("SELECT count(*) FROM sqlite_master WHERE name = 'entities'") == std::vector<std::string>{"0"});
}

TEST_CASE("a file that is not a database is an I/O error") {
  TempDir dir;
  const std::string path = dir.File("garbage.db");
  std::ofstream(path) << std::string(4096, 'x');
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code() == ErrorCode::kIo);
  CHECK(store.error().message().find("not a database") != std::string::npos);
}

TEST_CASE("every field round-trips, with records sorted by id and lists in their order") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("roundtrip.db"));
  const Model model = FullModel();
  REQUIRE(Validate(model).empty());
  REQUIRE(store->Import(model, false, MakeEdit("seed"), 0).value() == 1);

  const Model loaded = store->Load().value();
  CHECK(loaded == Sorted(model));
  // Spot checks that the equality above covers list order and optional fields, not just sizes.
  const Entity& dps = loaded.entities.back();
  REQUIRE(dps.id == "us-tx-dps");
  CHECK(dps.part_of == std::vector<std::string>{"us-tx", "us-gov"});
  const Rule& full = loaded.rules.back();
  REQUIRE(full.id == "us-2023-tiktok");
  CHECK(full.scope == std::vector<Scope>{Scope::kPublic, Scope::kGovernmentDevices});
  CHECK(full.timeline.size() == 5);
  CHECK_FALSE(full.sources[1].published.has_value());
  CHECK(full.sources[0].published == Date::Parse("2022-12-15"));
  CHECK(loaded.apps[1].store_urls[static_cast<int>(Platform::kIos)].empty());  // lemon8: android only
  CHECK(store->CheckIntegrity().ok());
}

TEST_CASE("a merge import replaces records by id and keeps the others") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("merge.db"));
  const Model model = FullModel();
  REQUIRE(store->Import(model, false, MakeEdit("seed"), 0).ok());

  Model incoming;
  Rule changed = model.rules[0];  // us-2023-tiktok, with fewer list elements than before
  changed.title = "Renamed";
  changed.apps = {"lemon8"};
  changed.timeline.resize(1);
  incoming.rules.push_back(changed);
  incoming.rules.push_back(SimpleRule("new-rule", "eu", {"tiktok"}));
  App app = model.apps[0];  // tiktok, its identifiers reordered
  std::swap(app.identifiers[0][0], app.identifiers[0][1]);
  incoming.apps.push_back(app);
  REQUIRE(store->Import(incoming, false, MakeEdit("merge"), 1).value() == 2);

  Model expected = model;
  expected.rules[0] = changed;
  expected.rules.push_back(incoming.rules[1]);
  expected.apps[0] = app;
  CHECK(store->Load().value() == Sorted(expected));
}

TEST_CASE("a replace-all import removes every record it does not hold") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("replace.db"));
  REQUIRE(store->Import(FullModel(), false, MakeEdit("seed"), 0).ok());

  Model small;
  small.entities = {Entity{"fr", "France", EntityKind::kCountry, {}, {}}};
  small.publishers = {Publisher{"bytedance", "ByteDance Ltd.", "cn", {}}};
  App tiktok;
  tiktok.id = "tiktok";
  tiktok.name = "TikTok";
  tiktok.publisher = "bytedance";
  tiktok.identifiers[static_cast<int>(Platform::kIos)] = {"com.zhiliaoapp.musically"};
  small.apps = {tiktok};
  small.rules = {SimpleRule("fr-ban", "fr", {"tiktok"})};
  REQUIRE(store->Import(small, true, MakeEdit("replace"), 1).value() == 2);
  CHECK(store->Load().value() == small);
  CHECK(store->CheckIntegrity().ok());
}

TEST_CASE("a write expecting another version is refused and writes nothing") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("conflict.db"));
  const Model model = FullModel();
  REQUIRE(store->Import(model, false, MakeEdit("seed"), 0).ok());
  const State before = Capture(*store);

  Result<uint64_t> imported = store->Import(model, true, MakeEdit("stale"), 0);
  REQUIRE_FALSE(imported.ok());
  CHECK(imported.error().code() == ErrorCode::kConflict);
  CHECK(imported.error().message() == "the data changed (now version 1, expected 0): reload and retry");
  Result<uint64_t> put = store->Put(SimpleRule("x", "us", {"tiktok"}), MakeEdit("stale"), 7);
  CHECK(put.error().code() == ErrorCode::kConflict);
  Result<uint64_t> removed = store->Remove(RecordType::kRule, "rule-a", MakeEdit("stale", "{}", ""), 2);
  CHECK(removed.error().code() == ErrorCode::kConflict);
  CheckUnchanged(*store, before);
}

TEST_CASE("a write the database refuses leaves data and edit log unchanged") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("refused.db"));
  const Model model = FullModel();
  REQUIRE(store->Import(model, false, MakeEdit("seed"), 0).ok());
  const State before = Capture(*store);

  SUBCASE("a dangling reference, found at commit") {
    Model incoming;
    incoming.rules = {SimpleRule("dangling", "nowhere", {"tiktok"})};
    incoming.apps = {model.apps[2]};  // a valid record in the same import is not written either
    incoming.apps[0].name = "Changed";
    Result<uint64_t> imported = store->Import(incoming, false, MakeEdit("bad"), 1);
    REQUIRE_FALSE(imported.ok());
    CHECK(imported.error().code() == ErrorCode::kIo);
    CHECK(imported.error().message().find("FOREIGN KEY constraint failed") != std::string::npos);
  }
  SUBCASE("a store identifier taken by another app") {
    App copy = model.apps[0];
    copy.id = "tiktok-copy";
    Model incoming;
    incoming.apps = {copy};
    Result<uint64_t> imported = store->Import(incoming, false, MakeEdit("bad"), 1);
    REQUIRE_FALSE(imported.ok());
    CHECK(imported.error().message().find("UNIQUE constraint failed: app_identifiers.platform") != std::string::npos);
  }
  SUBCASE("deleting a record still referred to") {
    Result<uint64_t> removed = store->Remove(RecordType::kEntity, "us", MakeEdit("bad", "{}", ""), 1);
    REQUIRE_FALSE(removed.ok());
    CHECK(removed.error().message().find("FOREIGN KEY constraint failed") != std::string::npos);
  }
  SUBCASE("replace-all leaving a reference dangling") {
    Model incoming = model;
    incoming.publishers.erase(incoming.publishers.begin() + 3);  // deepseek-co, still the publisher of deepseek
    CHECK(store->Import(incoming, true, MakeEdit("bad"), 1).error().code() == ErrorCode::kIo);
  }
  CheckUnchanged(*store, before);
  CHECK(store->CheckIntegrity().ok());
}

TEST_CASE("creating an existing record or changing a missing one is refused") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("put.db"));
  REQUIRE(store->Import(FullModel(), false, MakeEdit("seed"), 0).ok());
  const State before = Capture(*store);

  Result<uint64_t> created = store->Put(SimpleRule("rule-a", "us", {"tiktok"}), MakeEdit("dup"), 1);
  CHECK(created.error().code() == ErrorCode::kConflict);
  CHECK(created.error().message() == "rule \"rule-a\" already exists");
  Result<uint64_t> updated = store->Put(SimpleRule("rule-z", "us", {"tiktok"}), MakeEdit("missing", "{}"), 1);
  CHECK(updated.error().code() == ErrorCode::kNotFound);
  CHECK(updated.error().message() == "rule \"rule-z\" does not exist");
  Result<uint64_t> removed = store->Remove(RecordType::kApp, "nothing", MakeEdit("missing", "{}", ""), 1);
  CHECK(removed.error().code() == ErrorCode::kNotFound);
  CHECK(removed.error().message() == "app \"nothing\" does not exist");
  CheckUnchanged(*store, before);
}

TEST_CASE("every write appends one edit-log entry") {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.File("log.db"));
  const Model model = FullModel();
  REQUIRE(store->Import(model, false, Edit{"alice", "seed", "", "{\"added\":24}"}, 0).value() == 1);
  Rule rule = SimpleRule("new-rule", "us", {"tiktok"});
  REQUIRE(store->Put(rule, Edit{"bob", "new", "", "{\"v\":1}"}, 1).value() == 2);
  rule.title = "Changed";
  REQUIRE(store->Put(rule, Edit{"bob", "fix", "{\"v\":1}", "{\"v\":2}"}, 2).value() == 3);
  REQUIRE(store->Remove(RecordType::kRule, "new-rule", Edit{"carol", "gone", "{\"v\":2}", ""}, 3).value() == 4);
  REQUIRE(store->Import(model, true, Edit{"dave", "reset", "", "{\"removed\":0}"}, 4).value() == 5);
  CHECK(store->Version().value() == 5);
  CHECK(store->Load().value() == Sorted(model));

  const std::vector<LogEntry> log = store->Changes(0, 100).value();
  REQUIRE(log.size() == 5);
  struct Expected {
    const char* actor;
    const char* action;
    const char* record_type;
    const char* record_id;
    const char* reason;
    const char* before;
    const char* after;
  };
  const Expected expected[] = {
      {"alice", "import", "", "", "seed", "", "{\"added\":24}"},
      {"bob", "create", "rule", "new-rule", "new", "", "{\"v\":1}"},
      {"bob", "update", "rule", "new-rule", "fix", "{\"v\":1}", "{\"v\":2}"},
      {"carol", "delete", "rule", "new-rule", "gone", "{\"v\":2}", ""},
      {"dave", "replace", "", "", "reset", "", "{\"removed\":0}"},
  };
  for (size_t i = 0; i < log.size(); ++i) {
    CAPTURE(i);
    CHECK(log[i].seq == i + 1);
    CHECK(Matches(log[i].at, kUtcPattern));
    CHECK(log[i].actor == expected[i].actor);
    CHECK(log[i].action == expected[i].action);
    CHECK(log[i].record_type == expected[i].record_type);
    CHECK(log[i].record_id == expected[i].record_id);
    CHECK(log[i].reason == expected[i].reason);
    CHECK(log[i].before == expected[i].before);
    CHECK(log[i].after == expected[i].after);
  }
  // Paging: after a seq, at most `limit`.
  const std::vector<LogEntry> page = store->Changes(2, 2).value();
  REQUIRE(page.size() == 2);
  CHECK(page[0].seq == 3);
  CHECK(page[1].seq == 4);
  CHECK(store->Changes(5, 10).value().empty());
}

TEST_CASE("the edit log cannot be changed or deleted") {
  TempDir dir;
  const std::string path = dir.File("appendonly.db");
  std::unique_ptr<Store> store = OpenStore(path);
  REQUIRE(store->Import(FullModel(), false, MakeEdit("seed"), 0).ok());

  RawDb raw(path);
  std::string message;
  CHECK(raw.Exec("UPDATE edit_log SET reason = 'rewritten'", &message) == SQLITE_CONSTRAINT);
  CHECK(message == "the edit log is append-only");
  CHECK(raw.Exec("DELETE FROM edit_log", &message) == SQLITE_CONSTRAINT);
  CHECK(message == "the edit log is append-only");
  const std::vector<LogEntry> log = store->Changes(0, 10).value();
  REQUIRE(log.size() == 1);
  CHECK(log[0].reason == "seed");
}

TEST_CASE("tokens: the secret is shown once and only its hash is stored") {
  TempDir dir;
  const std::string path = dir.File("tokens.db");
  std::string secret;
  std::string other;
  {
    std::unique_ptr<Store> store = OpenStore(path);
    secret = store->CreateToken("ci-bot", Role::kEditor).value();
    other = store->CreateToken("admin", Role::kAdmin).value();
    CHECK(Matches(secret, "bt_" + std::string(64, 'f')));
    CHECK(secret != other);
    CHECK(store->Version().value() == 0);  // tokens are not data
  }
  // The closed database (WAL checkpointed into the file) holds the hash, never the secret.
  std::string bytes;
  for (const auto& file : std::filesystem::directory_iterator(dir.root())) bytes += ReadBytes(file.path());
  CHECK(bytes.find(Sha256Hex(secret)) != std::string::npos);
  CHECK(bytes.find(secret) == std::string::npos);
  CHECK(bytes.find(secret.substr(3)) == std::string::npos);

  std::unique_ptr<Store> store = OpenStore(path);
  Result<TokenInfo> token = store->Authenticate(secret);
  REQUIRE(token.ok());
  CHECK(token->name == "ci-bot");
  CHECK(token->role == Role::kEditor);
  CHECK(Matches(token->created_at, kUtcPattern));
  CHECK(token->revoked_at.empty());
  CHECK(store->Authenticate(other)->role == Role::kAdmin);

  std::string wrong = secret;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad : {wrong, std::string(), std::string("bt_"), secret + "0"}) {
    Result<TokenInfo> refused = store->Authenticate(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == ErrorCode::kUnauthenticated);
    CHECK(refused.error().message() == "unknown or revoked token");
  }

  REQUIRE(store->RevokeToken(token->id).ok());
  CHECK(store->Authenticate(secret).error().code() == ErrorCode::kUnauthenticated);
  CHECK(store->Authenticate(other).ok());
  const std::vector<TokenInfo> tokens = store->ListTokens().value();
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].name == "ci-bot");
  CHECK_FALSE(tokens[0].revoked_at.empty());
  CHECK(tokens[1].revoked_at.empty());
  CHECK(store->RevokeToken(token->id).ok());  // again: still revoked, first time kept
  CHECK(store->ListTokens().value()[0].revoked_at == tokens[0].revoked_at);
  Status missing = store->RevokeToken(999);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  CHECK(store->CreateToken("", Role::kReader).error().code() == ErrorCode::kInvalidInput);
}

TEST_CASE("role names") {
  for (Role role : {Role::kReader, Role::kEditor, Role::kAdmin}) CHECK(ParseRole(Name(role)) == role);
  CHECK(Name(Role::kEditor) == "editor");
  CHECK_FALSE(ParseRole("root").has_value());
  CHECK(Role::kReader < Role::kEditor);
  CHECK(Role::kEditor < Role::kAdmin);
}

}  // namespace
}  // namespace bantrack::db
