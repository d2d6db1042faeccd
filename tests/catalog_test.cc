// The live catalog: imports and record writes with their errors, the edit log they leave, snapshot immutability,
// readers running while a writer writes, and picking up writes made by another process (another Store).
#include "db/catalog.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "db/testing.h"

namespace bantrack::db {
namespace {

using testing::FullModel;
using testing::TempDir;

// The edit log's rendering of a record in these tests: enough to tell records and their versions apart.
std::string Render(const Record& record) {
  const std::string label = std::visit(
      [](const auto& r) {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, Rule>) {
          return r.title;
        } else {
          return r.name;
        }
      },
      record);
  return std::string(RecordName(TypeOf(record))) + " " + IdOf(record) + ": " + label;
}

std::unique_ptr<Store> OpenStore(const std::string& path) {
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  REQUIRE_MESSAGE(store.ok(), store.error().ToString());
  return std::move(store).value();
}

std::unique_ptr<Catalog> OpenCatalog(const std::string& path) {
  Result<std::unique_ptr<Catalog>> catalog = Catalog::Open(OpenStore(path), Render);
  REQUIRE_MESSAGE(catalog.ok(), catalog.error().ToString());
  return std::move(catalog).value();
}

// A catalog on a fresh file, filled with FullModel().
struct Seeded {
  TempDir dir;
  std::unique_ptr<Catalog> catalog;
  Seeded() {
    REQUIRE(dir.ok());
    catalog = OpenCatalog(dir.File("catalog.db"));
    Result<ImportSummary> seeded = catalog->Import(FullModel(), false, "seeder", "seed");
    REQUIRE_MESSAGE(seeded.ok(), seeded.error().ToString());
  }
};

Model Sorted(Model model) {
  SortById(model);
  return model;
}

size_t RecordCount(const Model& model) {
  return model.entities.size() + model.publishers.size() + model.apps.size() + model.rules.size();
}

std::vector<LogEntry> Log(Catalog& catalog) {
  std::lock_guard<std::mutex> lock(catalog.store_mutex());
  Result<std::vector<LogEntry>> log = catalog.store().Changes(0, 1000);
  REQUIRE(log.ok());
  return *log;
}

// Checks that a failed write left the store, its log and the published snapshot as they were.
class NothingWritten {
 public:
  explicit NothingWritten(Catalog& catalog)
      : catalog_(catalog), snapshot_(catalog.snapshot()), log_size_(Log(catalog).size()) {}
  void Check() {
    CHECK(catalog_.snapshot() == snapshot_);
    CHECK(Log(catalog_).size() == log_size_);
    std::lock_guard<std::mutex> lock(catalog_.store_mutex());
    CHECK(catalog_.store().Version().value() == std::stoull(snapshot_->version()));
    CHECK(catalog_.store().Load().value() == snapshot_->model());
  }

 private:
  Catalog& catalog_;
  std::shared_ptr<const Snapshot> snapshot_;
  size_t log_size_;
};

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

Entity SimpleEntity(std::string id, std::vector<std::string> part_of = {}, std::vector<std::string> within = {}) {
  return Entity{id, "Name of " + id, EntityKind::kAgency, std::move(part_of), std::move(within)};
}

TEST_CASE("a catalog serves what the store holds; an import reports what it did") {
  TempDir dir;
  std::unique_ptr<Catalog> catalog = OpenCatalog(dir.File("empty.db"));
  CHECK(catalog->snapshot()->version() == "0");
  CHECK(catalog->snapshot()->model() == Model());

  const Model model = FullModel();
  CHECK(catalog->CheckImport(model, false).empty());
  Result<ImportSummary> summary = catalog->Import(model, false, "seeder", "first load");
  REQUIRE(summary.ok());
  CHECK(summary->added == RecordCount(model));
  CHECK(summary->replaced == 0);
  CHECK(summary->removed == 0);
  CHECK(summary->version == 1);
  CHECK(catalog->snapshot()->version() == "1");
  CHECK(catalog->snapshot()->model() == Sorted(model));

  // A second catalog on the same file starts from the same data and version.
  std::unique_ptr<Catalog> reopened = OpenCatalog(dir.File("empty.db"));
  CHECK(reopened->snapshot()->version() == "1");
  CHECK(reopened->snapshot()->model() == Sorted(model));

  const std::vector<LogEntry> log = Log(*catalog);
  REQUIRE(log.size() == 1);
  CHECK(log[0].action == "import");
  CHECK(log[0].actor == "seeder");
  CHECK(log[0].reason == "first load");
  CHECK(log[0].before.empty());
  CHECK(log[0].after == "{\"added\":" + std::to_string(RecordCount(model)) + ",\"replaced\":0,\"removed\":0}");
}

TEST_CASE("a merge import counts what it adds and replaces; a replace-all import what it removes") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  const Model model = FullModel();

  Model incoming;
  incoming.rules = {model.rules[0], SimpleRule("new-a", "us", {"tiktok"}), SimpleRule("new-b", "eu", {"lemon8"})};
  incoming.rules[0].title = "Renamed";
  incoming.entities = {model.entities[1]};
  Result<ImportSummary> merged = catalog.Import(incoming, false, "editor", "merge");
  REQUIRE(merged.ok());
  CHECK(merged->added == 2);
  CHECK(merged->replaced == 2);
  CHECK(merged->removed == 0);
  CHECK(merged->version == 2);
  const std::shared_ptr<const Snapshot> merged_snapshot = catalog.snapshot();  // kept alive past the next write
  const Model& after_merge = merged_snapshot->model();
  CHECK(after_merge.rules.size() == model.rules.size() + 2);
  CHECK(after_merge.rules[*catalog.snapshot()->FindRule("us-2023-tiktok")].title == "Renamed");
  CHECK(after_merge.entities == Sorted(model).entities);

  Model replacement;
  replacement.entities = {model.entities[1]};  // us
  replacement.publishers = {Publisher{"deepseek-co", "DeepSeek", "cn", {}}};
  replacement.apps = {model.apps[2]};  // deepseek
  replacement.rules = {SimpleRule("us-ban", "us", {"deepseek"})};
  Result<ImportSummary> replaced = catalog.Import(replacement, true, "admin", "start over");
  REQUIRE(replaced.ok());
  CHECK(replaced->added == 1);
  CHECK(replaced->replaced == 3);
  CHECK(replaced->removed == RecordCount(after_merge) - 3);
  CHECK(catalog.snapshot()->model() == replacement);

  const std::vector<LogEntry> log = Log(catalog);
  REQUIRE(log.size() == 3);
  CHECK(log[1].action == "import");
  CHECK(log[1].after == "{\"added\":2,\"replaced\":2,\"removed\":0}");
  CHECK(log[2].action == "replace");
  CHECK(log[2].after ==
        "{\"added\":1,\"replaced\":3,\"removed\":" + std::to_string(RecordCount(after_merge) - 3) + "}");
}

TEST_CASE("import problems are located in the incoming model and nothing is written") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  NothingWritten unchanged(catalog);

  Model incoming;
  incoming.entities = {SimpleEntity("fr"), SimpleEntity("fr-gov", {"nowhere"})};
  Rule no_scope = SimpleRule("no-scope", "fr", {"tiktok"});
  no_scope.scope.clear();
  incoming.rules = {SimpleRule("ok", "fr", {"tiktok"}), no_scope, SimpleRule("ok", "fr", {"missing-app"})};

  const std::vector<FieldError> expected = {
      {"entities[1].part_of[0]", "unknown entity \"nowhere\""},
      {"rules[1].scope", "must name at least one scope"},
      {"rules[2].apps[0]", "unknown app \"missing-app\""},
  };
  std::vector<FieldError> problems = catalog.CheckImport(incoming, false);
  // The duplicate id is reported too; its message names the first copy by an index of the merged data set.
  REQUIRE(problems.size() == 4);
  CHECK(problems[2].path == "rules[2].id");
  CHECK(problems[2].message.starts_with("duplicate id \"ok\""));
  problems.erase(problems.begin() + 2);
  CHECK(problems == expected);

  Result<ImportSummary> imported = catalog.Import(incoming, false, "editor", "bad import");
  REQUIRE_FALSE(imported.ok());
  CHECK(imported.error().code() == ErrorCode::kInvalidData);
  CHECK(imported.error().message() == "the import has 4 problems");
  CHECK(imported.error().details() == catalog.CheckImport(incoming, false));
  unchanged.Check();

  SUBCASE("replace-all drops the stored records the import relies on") {
    Model alone;
    alone.rules = {SimpleRule("orphan", "us", {"tiktok"})};
    const std::vector<FieldError> orphaned = {{"rules[0].issuer", "unknown entity \"us\""},
                                              {"rules[0].apps[0]", "unknown app \"tiktok\""}};
    CHECK(catalog.CheckImport(alone, true) == orphaned);
    CHECK(catalog.CheckImport(alone, false).empty());
    CHECK(catalog.Import(alone, true, "admin", "bad replace").error().details() == orphaned);
    unchanged.Check();
  }
}

TEST_CASE("an import that closes a cycle through stored records is refused at the imported record") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  NothingWritten unchanged(catalog);
  // us-gov is part of us; making us lie within us-gov closes a cycle, reported on the imported record (the engine
  // reports a cycle at the member listed last; imported records come after stored ones in the merged data) — and
  // a stored record's problem would be located by its id.
  Model incoming;
  incoming.entities = {Entity{"us", "United States", EntityKind::kCountry, {}, {"us-gov"}}};
  const std::vector<FieldError> expected = {{"entities[0].within[0]", "closes a cycle: us -> us-gov -> us"}};
  CHECK(catalog.CheckImport(incoming, false) == expected);
  Result<ImportSummary> imported = catalog.Import(incoming, false, "editor", "cycle");
  CHECK(imported.error().message() == "the import has 1 problem");
  CHECK(imported.error().details() == expected);
  unchanged.Check();
}

TEST_CASE("creating, updating and removing records, with their edit-log entries") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  const std::shared_ptr<const Snapshot> seeded_snapshot = catalog.snapshot();

  Rule rule = SimpleRule("eu-2025-deepseek", "eu", {"deepseek"});
  Result<std::shared_ptr<const Snapshot>> created = catalog.Create(rule, "alice", "new directive");
  REQUIRE(created.ok());
  CHECK((*created)->version() == "2");
  CHECK(catalog.snapshot() == *created);
  REQUIRE((*created)->FindRule("eu-2025-deepseek").has_value());
  CHECK((*created)->model().rules[*(*created)->FindRule("eu-2025-deepseek")] == rule);

  Rule changed = rule;
  changed.title = "Corrected title";
  changed.effect = Effect::kRestrict;
  Result<std::shared_ptr<const Snapshot>> updated = catalog.Update(changed, "bob", "typo");
  REQUIRE(updated.ok());
  CHECK((*updated)->version() == "3");
  CHECK((*updated)->model().rules[*(*updated)->FindRule("eu-2025-deepseek")] == changed);

  Result<std::shared_ptr<const Snapshot>> removed = catalog.Remove(RecordType::kRule, rule.id, "carol", "withdrawn");
  REQUIRE(removed.ok());
  CHECK((*removed)->version() == "4");
  CHECK_FALSE((*removed)->FindRule("eu-2025-deepseek").has_value());
  CHECK((*removed)->model() == seeded_snapshot->model());

  const std::vector<LogEntry> log = Log(catalog);
  REQUIRE(log.size() == 4);
  CHECK(log[1].seq == 2);
  CHECK(log[1].action == "create");
  CHECK(log[1].record_type == "rule");
  CHECK(log[1].record_id == "eu-2025-deepseek");
  CHECK(log[1].actor == "alice");
  CHECK(log[1].reason == "new directive");
  CHECK(log[1].before.empty());
  CHECK(log[1].after == "rule eu-2025-deepseek: Title of eu-2025-deepseek");
  CHECK(log[2].action == "update");
  CHECK(log[2].before == "rule eu-2025-deepseek: Title of eu-2025-deepseek");
  CHECK(log[2].after == "rule eu-2025-deepseek: Corrected title");
  CHECK(log[3].action == "delete");
  CHECK(log[3].actor == "carol");
  CHECK(log[3].before == "rule eu-2025-deepseek: Corrected title");
  CHECK(log[3].after.empty());

  // Every kind of record goes through the same path.
  Entity agency = SimpleEntity("eu-edpb", {"eu"});
  REQUIRE(catalog.Create(agency, "alice", "new body").ok());
  Publisher publisher{"moonshot", "Moonshot AI", "cn", {}};
  REQUIRE(catalog.Create(publisher, "alice", "new publisher").ok());
  App app;
  app.id = "kimi";
  app.name = "Kimi";
  app.publisher = "moonshot";
  app.identifiers[static_cast<int>(Platform::kWeb)] = {"kimi.ai"};
  REQUIRE(catalog.Create(app, "alice", "new app").ok());
  app.name = "Kimi Chat";
  REQUIRE(catalog.Update(app, "alice", "renamed").ok());
  CHECK(Log(catalog).back().after == "app kimi: Kimi Chat");
  REQUIRE(catalog.Remove(RecordType::kApp, "kimi", "alice", "gone").ok());
  REQUIRE(catalog.Remove(RecordType::kPublisher, "moonshot", "alice", "gone").ok());
  REQUIRE(catalog.Remove(RecordType::kEntity, "eu-edpb", "alice", "gone").ok());
  CHECK(catalog.snapshot()->model() == seeded_snapshot->model());
  CHECK(catalog.snapshot()->version() == "11");
}

TEST_CASE("record writes refused, with their errors, write nothing") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  NothingWritten unchanged(catalog);

  SUBCASE("creating an existing id") {
    Result<std::shared_ptr<const Snapshot>> created = catalog.Create(SimpleRule("rule-a", "us", {"tiktok"}), "a", "r");
    CHECK(created.error().code() == ErrorCode::kConflict);
    CHECK(created.error().message() == "rule \"rule-a\" already exists");
  }
  SUBCASE("updating or removing a missing id") {
    Result<std::shared_ptr<const Snapshot>> updated = catalog.Update(SimpleRule("nope", "us", {"tiktok"}), "a", "r");
    CHECK(updated.error().code() == ErrorCode::kNotFound);
    CHECK(updated.error().message() == "rule \"nope\" does not exist");
    Result<std::shared_ptr<const Snapshot>> removed = catalog.Remove(RecordType::kPublisher, "nope", "a", "r");
    CHECK(removed.error().code() == ErrorCode::kNotFound);
    CHECK(removed.error().message() == "publisher \"nope\" does not exist");
  }
  SUBCASE("an invalid record, located relative to itself") {
    Rule bad = SimpleRule("bad", "nowhere", {"tiktok"});
    bad.scope.clear();
    bad.timeline.push_back({*Date::Parse("2020-01-01"), RuleStatus::kLifted, ""});
    const std::vector<FieldError> expected = {
        {"issuer", "unknown entity \"nowhere\""},
        {"scope", "must name at least one scope"},
        {"timeline[1].date", "2020-01-01 is not after the previous entry (2025-01-31); dates must ascend"},
    };
    Result<std::shared_ptr<const Snapshot>> created = catalog.Create(bad, "a", "r");
    CHECK(created.error().code() == ErrorCode::kInvalidData);
    CHECK(created.error().message() == "rule \"bad\" has 3 problems");
    CHECK(created.error().details() == expected);

    Rule unselective = catalog.snapshot()->model().rules[0];
    unselective.apps.clear();
    unselective.publishers.clear();
    unselective.categories.clear();
    unselective.origin_countries.clear();
    Result<std::shared_ptr<const Snapshot>> updated = catalog.Update(unselective, "a", "r");
    CHECK(updated.error().code() == ErrorCode::kInvalidData);
    CHECK(updated.error().message() == "rule \"rule-a\" has 1 problem");
    CHECK(updated.error().details() ==
          std::vector<FieldError>{
              {"", "must select apps: at least one of apps, publishers, categories, origin_countries"}});
  }
  SUBCASE("an update that would close a cycle through stored records") {
    Result<std::shared_ptr<const Snapshot>> updated =
        catalog.Update(Entity{"us", "United States", EntityKind::kCountry, {}, {"us-tx-austin"}}, "a", "r");
    CHECK(updated.error().code() == ErrorCode::kInvalidData);
    CHECK(updated.error().details() ==
          std::vector<FieldError>{
              {"within[0]", "closes a cycle: us -> us-tx-austin -> us-tx -> us"}});
  }
  SUBCASE("removing records still referred to names every referrer") {
    Result<std::shared_ptr<const Snapshot>> entity = catalog.Remove(RecordType::kEntity, "us-tx", "a", "r");
    CHECK(entity.error().code() == ErrorCode::kConflict);
    CHECK(entity.error().message() ==
          "entity \"us-tx\" is still referred to by rule \"rule-e\" (issuer), entity \"us-tx-austin\" (within), "
          "entity \"us-tx-dps\" (part_of)");
    Result<std::shared_ptr<const Snapshot>> publisher = catalog.Remove(RecordType::kPublisher, "bytedance", "a", "r");
    CHECK(publisher.error().code() == ErrorCode::kConflict);
    CHECK(publisher.error().message() ==
          "publisher \"bytedance\" is still referred to by rule \"us-2023-tiktok\" (publishers), publisher "
          "\"lemon-inc\" (owned_by), publisher \"tiktok-pte\" (owned_by)");
    Result<std::shared_ptr<const Snapshot>> app = catalog.Remove(RecordType::kApp, "deepseek", "a", "r");
    CHECK(app.error().message() ==
          "app \"deepseek\" is still referred to by rule \"rule-a\" (apps), rule \"rule-b\" (apps), rule \"rule-c\" "
          "(apps), rule \"rule-d\" (apps), rule \"rule-e\" (apps), rule \"rule-f\" (apps)");
    Result<std::shared_ptr<const Snapshot>> publisher_of_app =
        catalog.Remove(RecordType::kPublisher, "deepseek-co", "a", "r");
    CHECK(publisher_of_app.error().message() ==
          "publisher \"deepseek-co\" is still referred to by app \"deepseek\" (publisher)");
  }
  unchanged.Check();
}

TEST_CASE("an entity referring to another through both edge kinds is named once, with both") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  REQUIRE(catalog.Create(SimpleEntity("nato-hq", {"nato"}, {"nato"}), "a", "r").ok());
  Result<std::shared_ptr<const Snapshot>> removed = catalog.Remove(RecordType::kEntity, "nato", "a", "r");
  CHECK(removed.error().message() == "entity \"nato\" is still referred to by entity \"nato-hq\" (part_of, within)");
}

TEST_CASE("a snapshot held by a reader does not change when the catalog is written") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  const std::shared_ptr<const Snapshot> old = catalog.snapshot();
  const Model old_model = old->model();
  const Index rule_index = *old->FindRule("rule-a");

  Rule changed = old->model().rules[rule_index];
  changed.title = "Changed";
  REQUIRE(catalog.Update(changed, "a", "r").ok());
  REQUIRE(catalog.Create(SimpleRule("added", "us", {"tiktok"}), "a", "r").ok());

  CHECK(old->version() == "1");
  CHECK(old->model() == old_model);
  CHECK(old->model().rules[rule_index].title == "Rule rule-a");
  CHECK_FALSE(old->FindRule("added").has_value());

  const std::shared_ptr<const Snapshot> now = catalog.snapshot();
  CHECK(now->version() == "3");
  CHECK(now->model().rules[*now->FindRule("rule-a")].title == "Changed");
  CHECK(now->FindRule("added").has_value());
}

TEST_CASE("readers evaluating while a writer writes see whole snapshots only") {
  TempDir dir;
  std::unique_ptr<Catalog> catalog = OpenCatalog(dir.File("concurrent.db"));
  Model model;
  model.entities = {Entity{"us", "United States", EntityKind::kCountry, {}, {}},
                    Entity{"us-gov", "US Government", EntityKind::kGovernment, {"us"}, {}}};
  model.publishers = {Publisher{"bytedance", "ByteDance", "cn", {}}};
  App app;
  app.id = "tiktok";
  app.name = "TikTok";
  app.publisher = "bytedance";
  model.apps = {app};
  Rule rule = SimpleRule("flip", "us", {"tiktok"});
  rule.title = "write 0";
  model.rules = {rule};
  REQUIRE(catalog->Import(model, false, "seeder", "seed").ok());
  const uint64_t base = 1;  // the version after the seed
  constexpr int kWrites = 100;

  // Write i sets the rule's title to "write i" and its effect to ban (even i) or restrict (odd i). A consistent
  // snapshot of version base + i has exactly that title and gives the verdict that effect implies.
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<long> evaluations{0};
  auto reader = [&] {
    uint64_t last_version = 0;
    Decision decision;
    while (!done.load()) {
      const std::shared_ptr<const Snapshot> snapshot = catalog->snapshot();
      const uint64_t version = std::stoull(snapshot->version());
      const Rule& flip = snapshot->model().rules.at(0);
      const int write = static_cast<int>(version - base);
      Result<Device> device = snapshot->ResolveDevice(DeviceSpec{DeviceKind::kGovernment, "us-gov", "", "", {}});
      const std::optional<Index> tiktok = snapshot->ResolveApp("tiktok");
      if (!device.ok() || !tiktok) {
        ++errors;
        continue;
      }
      snapshot->Evaluate(Query{*tiktok, *device, *Date::Parse("2025-06-01")}, decision);
      const Effect effect = write % 2 == 0 ? Effect::kBan : Effect::kRestrict;
      const Verdict verdict = write % 2 == 0 ? Verdict::kBanned : Verdict::kRestricted;
      if (version < last_version || flip.title != "write " + std::to_string(write) || flip.effect != effect ||
          decision.verdict != verdict) {
        ++errors;
      }
      last_version = version;
      ++evaluations;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);

  int write_failures = 0;
  for (int i = 1; i <= kWrites; ++i) {
    rule.title = "write " + std::to_string(i);
    rule.effect = i % 2 == 0 ? Effect::kBan : Effect::kRestrict;
    if (!catalog->Update(rule, "writer", "flip").ok()) ++write_failures;
  }
  done = true;
  for (std::thread& thread : readers) thread.join();

  CHECK(write_failures == 0);
  CHECK(errors.load() == 0);
  CHECK(evaluations.load() > 0);
  CHECK(catalog->snapshot()->version() == std::to_string(base + kWrites));
  CHECK(catalog->snapshot()->model().rules[0].title == "write " + std::to_string(kWrites));
}

TEST_CASE("writes made through another Store on the same file are picked up") {
  Seeded seeded;
  Catalog& catalog = *seeded.catalog;
  std::unique_ptr<Store> other = OpenStore(seeded.dir.File("catalog.db"));

  CHECK(catalog.Refresh().value() == false);
  const Rule outside = SimpleRule("from-outside", "us", {"tiktok"});
  REQUIRE(other->Put(outside, Edit{"other", "elsewhere", "", "{}"}, 1).value() == 2);
  CHECK(catalog.snapshot()->version() == "1");
  CHECK(catalog.Refresh().value() == true);
  CHECK(catalog.snapshot()->version() == "2");
  CHECK(catalog.snapshot()->FindRule("from-outside").has_value());
  CHECK(catalog.Refresh().value() == false);

  SUBCASE("a write against stale data refreshes and is prepared again") {
    REQUIRE(other->Remove(RecordType::kRule, "from-outside", Edit{"other", "gone", "{}", ""}, 2).ok());
    // The catalog still shows from-outside; the update must find it gone (kNotFound), not write it back.
    CHECK(catalog.snapshot()->FindRule("from-outside").has_value());
    Result<std::shared_ptr<const Snapshot>> updated = catalog.Update(outside, "me", "stale");
    CHECK(updated.error().code() == ErrorCode::kNotFound);
    CHECK(catalog.snapshot()->version() == "3");
    CHECK_FALSE(catalog.snapshot()->FindRule("from-outside").has_value());
  }
  SUBCASE("a write against stale data succeeds on top of the other write") {
    REQUIRE(other->Put(SimpleRule("second", "us", {"tiktok"}), Edit{"other", "more", "", "{}"}, 2).ok());
    Result<std::shared_ptr<const Snapshot>> created = catalog.Create(SimpleRule("mine", "eu", {"deepseek"}), "me", "r");
    REQUIRE(created.ok());
    CHECK((*created)->version() == "4");
    CHECK((*created)->FindRule("second").has_value());
    CHECK((*created)->FindRule("mine").has_value());
    CHECK(other->Version().value() == 4);
  }
}

TEST_CASE("stored data written around the catalog that the engine refuses is reported by id") {
  TempDir dir;
  const std::string path = dir.File("invalid.db");
  {
    std::unique_ptr<Store> store = OpenStore(path);
    Model cyclic;
    cyclic.entities = {SimpleEntity("a", {"b"}), SimpleEntity("b", {"a"})};
    REQUIRE(store->Import(cyclic, false, Edit{"raw", "bypass", "", "{}"}, 0).ok());
  }
  Result<std::unique_ptr<Catalog>> catalog = Catalog::Open(OpenStore(path), Render);
  REQUIRE_FALSE(catalog.ok());
  CHECK(catalog.error().code() == ErrorCode::kIo);
  CHECK(catalog.error().message() == "the database has 1 problem");
  CHECK(catalog.error().details() ==
        std::vector<FieldError>{{"stored entity \"b\".part_of[0]", "closes a cycle: b -> a -> b"}});
}

}  // namespace
}  // namespace bantrack::db
