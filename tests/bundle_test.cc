// Bundle documents: every file of tests/invalid_bundles fails with exactly the lines of expected.json; hostile
// nesting; many faults at once; the canonical writer's round trip; single records and their relative paths.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/bundle.h"
#include "tests/model_builders.h"

namespace bantrack::rules {
namespace {

using testing::D;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::vector<FieldError>& problems) {
  std::vector<std::string> lines;
  for (const FieldError& problem : problems) lines.push_back(problem.path + ": " + problem.message);
  return lines;
}

// The problems ReadBundle reports for `text`, as "path: message" lines; fails the test if it succeeds.
// A document that cannot be read at all (not JSON, or nested too deep) is a malformed request, kInvalidInput;
// JSON that is not a valid bundle is invalid data.
// The same text read from a stream, as files are, must give the same report.
std::vector<std::string> ProblemLines(std::string_view text, ErrorCode code = ErrorCode::kInvalidData) {
  Result<Model> read = ReadBundle(text);
  REQUIRE_FALSE(read.ok());
  std::istringstream stream{std::string(text)};
  Result<Model> streamed = ReadBundle(stream);
  REQUIRE_FALSE(streamed.ok());
  CHECK(ErrorCodeName(streamed.error().code()) == ErrorCodeName(read.error().code()));
  CHECK(Lines(streamed.error().details()) == Lines(read.error().details()));
  CHECK(ErrorCodeName(read.error().code()) == ErrorCodeName(code));
  const size_t count = read.error().details().size();
  CHECK(read.error().message() == std::to_string(count) + (count == 1 ? " problem" : " problems") + " in the bundle");
  return Lines(read.error().details());
}

TEST_CASE("every invalid bundle reports exactly its expected problems") {
  const std::filesystem::path dir = INVALID_BUNDLES_DIR;
  const nlohmann::json expected = nlohmann::json::parse(ReadFile(dir / "expected.json"));
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename() != "expected.json") files.insert(entry.path().filename().string());
  }
  std::set<std::string> listed;
  for (const auto& [name, lines] : expected.items()) listed.insert(name);
  CHECK(files == listed);
  CHECK(files.size() >= 30);

  for (const std::string& name : files) {
    CAPTURE(name);
    REQUIRE(expected.contains(name));
    static const std::set<std::string> kUnreadable = {"01-malformed-json.json", "02-truncated-json.json",
                                                      "14-number-overflow.json", "52-invalid-utf8.json",
                                                      "54-deep-nesting.json"};
    const ErrorCode code = kUnreadable.count(name) ? ErrorCode::kInvalidInput : ErrorCode::kInvalidData;
    CHECK(ProblemLines(ReadFile(dir / name), code) == expected[name].get<std::vector<std::string>>());
  }
}

TEST_CASE("nesting is refused before it can exhaust the stack; brackets inside strings do not count") {
  const std::vector<std::string> too_deep = {"$: nested deeper than 64 levels"};
  CHECK(ProblemLines(std::string(100000, '[') + std::string(100000, ']'), ErrorCode::kInvalidInput) == too_deep);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  CHECK(ProblemLines(objects, ErrorCode::kInvalidInput) == too_deep);  // truncated too: refused at depth 65, before the end is reached

  // 64 levels are fine as far as nesting goes (and then fail as what they are: an unknown field).
  const std::string deepest_allowed =
      R"({"format": "bantrack/v1", "x": )" + std::string(63, '[') + std::string(63, ']') + "}";
  CHECK(ProblemLines(deepest_allowed) == std::vector<std::string>{"x: unknown field"});

  const std::string brackets(100000, '[');
  Result<Model> read = ReadBundle(R"({"format": "bantrack/v1", "entities": [{"id": "x", "name": ")" + brackets +
                                  R"(", "kind": "country"}]})");
  REQUIRE(read.ok());
  CHECK(read->entities.at(0).name == brackets);
}

TEST_CASE("a bundle with many faults reports all of them at once, in document order") {
  // Lists appear out of order and structural problems (found while reading) interleave with semantic ones (found by
  // Validate afterwards). Semantic echoes of structural problems are left out: apps[0].name is not also "empty",
  // rules[0].scope and rules[0].timeline are not also "missing entries", rules[1].apps is not "no selector".
  const std::string text = R"({
    "format": "bantrack/v1",
    "rules": [
      {"id": "r1", "issuer": "nowhere", "title": "T", "instrument": "memo", "effect": "ban",
       "scope": ["goverment-devices"], "apps": ["a1"],
       "timeline": [{"date": "2025-02-30", "status": "in-force"}],
       "sources": [{"url": "ftp://x.example/", "title": "S", "title": "S again"}]},
      {"id": "R2", "issuer": "e1", "title": "T", "instrument": "memo", "effect": "ban", "scope": "public",
       "apps": 7, "timeline": [{"date": "2025-01-01", "status": "in-force"}],
       "sources": [{"url": "https://x.example/", "title": "S"}]}
    ],
    "apps": [{"id": "a1", "publisher": "p1", "categories": ["chat", "chat"]}],
    "entities": [{"id": "e1", "name": "E", "kind": "country", "two words": 1, "part_of": ["e1"]}],
    "publishers": [{"id": "p1", "name": "P", "country": "XX", "owned_by": [3]}]
  })";
  CHECK(ProblemLines(text) ==
        std::vector<std::string>{
            R"(entities[0]["two words"]: unknown field)",
            "entities[0].part_of[0]: an entity cannot be its own parent",
            "publishers[0].owned_by[0]: expected a string, got number",
            R"(publishers[0].country: "XX" is not an ISO 3166-1 alpha-2 code in lower case)",
            "apps[0].name: missing required field",
            R"(apps[0].categories[1]: "chat" is listed twice)",
            "rules[0].sources[0].title: duplicate field",
            R"(rules[0].scope[0]: unknown scope "goverment-devices")",
            "rules[0].timeline[0].date: 2025-02-30 is not a date",
            R"(rules[0].issuer: unknown entity "nowhere")",
            R"(rules[0].sources[0].url: "ftp://x.example/" is not an http(s) URL)",
            "rules[1].scope: expected an array, got string",
            "rules[1].apps: expected an array, got number",
            R"(rules[1].id: "R2" is not a slug (lower-case letters, digits and '-', 1-64 characters))",
        });
}

TEST_CASE("MergeProblems drops semantic echoes of structural problems and sorts by document order") {
  const std::vector<FieldError> structural = {
      {"rules[2].scope[1]", "unknown scope \"x\""},
      {"apps[0].name", "missing required field"},
      {"rules[0]", "expected an object, got number"},
      {"colour", "unknown field"},
      {"rules_extra", "unknown field"},  // a top-level field, not the rules list
  };
  const std::vector<FieldError> semantic = {
      {"entities[10].part_of[0]", "unknown entity \"a\""},  // kept: nothing broken there
      {"entities[9]", "closes a cycle"},                     // kept, and sorted before entities[10]
      {"apps[0].name", "must not be empty"},                 // the same path
      {"apps[0].names[0]", "unknown"},                       // not under apps[0].name: a different field
      {"rules[0].title", "must not be empty"},               // under rules[0]
      {"rules[2].scope", "must name at least one scope"},    // the list holding a broken element
      {"rules[2]", "must select apps"},                      // kept: the record as a whole is not the list
      {"rules[10].scope", "must name at least one scope"},   // kept: rules[10] is not rules[1...]
  };
  CHECK(Lines(MergeProblems(structural, semantic)) == std::vector<std::string>{
                                                          "colour: unknown field",
                                                          "rules_extra: unknown field",
                                                          "entities[9]: closes a cycle",
                                                          "entities[10].part_of[0]: unknown entity \"a\"",
                                                          "apps[0].name: missing required field",
                                                          "apps[0].names[0]: unknown",
                                                          "rules[0]: expected an object, got number",
                                                          "rules[2].scope[1]: unknown scope \"x\"",
                                                          "rules[2]: must select apps",
                                                          "rules[10].scope: must name at least one scope",
                                                      });
  CHECK(MergeProblems({{"$", "parse error"}}, {{"rules[0]", "anything"}}).size() == 1);
}

// A model that uses every field of every record, listed out of id order.
Model EveryField() {
  Model model;
  model.entities = {
      {"tr-ankara", "Ankara Büyükşehir Belediyesi", EntityKind::kCity, {"tr-gov"}, {"tr"}},
      {"tr", "Türkiye", EntityKind::kCountry, {}, {}},
      {"tr-gov", "Türkiye Cumhuriyeti Hükümeti", EntityKind::kGovernment, {"tr"}, {}},
  };
  model.publishers = {
      {"tiktok-pte", "TikTok Pte. Ltd.", "sg", {"bytedance"}},
      {"bytedance", "字节跳动", "cn", {}},
  };
  App tiktok{"tiktok", "TikTok", "tiktok-pte", {"social-media", "video"}, {}, {}};
  tiktok.identifiers[static_cast<int>(Platform::kIos)] = {"com.zhiliaoapp.musically"};
  tiktok.identifiers[static_cast<int>(Platform::kAndroid)] = {"com.zhiliaoapp.musically", "com.ss.android.ugc.trill"};
  tiktok.identifiers[static_cast<int>(Platform::kWeb)] = {"tiktok.com"};
  tiktok.store_urls[static_cast<int>(Platform::kIos)] = "https://apps.apple.com/us/app/tiktok/id835599320";
  tiktok.store_urls[static_cast<int>(Platform::kAndroid)] =
      "https://play.google.com/store/apps/details?id=com.zhiliaoapp.musically";
  App lemon8{"lemon8", "Lemon8", "bytedance", {}, {}, {}};
  lemon8.identifiers[static_cast<int>(Platform::kAndroid)] = {"com.bd.nproject"};
  lemon8.store_urls[static_cast<int>(Platform::kAndroid)] =
      "https://play.google.com/store/apps/details?id=com.bd.nproject";
  model.apps = {tiktok, lemon8};

  Rule full;
  full.id = "tr-2025-03-01-every-field";
  full.issuer = "tr";
  full.title = "A rule with \"quotes\", a tab\tand a newline\nin its title";
  full.instrument = Instrument::kRegulatorOrder;
  full.effect = Effect::kRestrict;
  full.scope = {Scope::kPublic, Scope::kGovernmentNetworks};
  full.apps = {"tiktok"};
  full.publishers = {"bytedance"};
  full.categories = {"video"};
  full.origin_countries = {"cn", "sg"};
  full.device_tags = {"law-enforcement"};
  full.timeline = {{D("2025-01-15"), RuleStatus::kUnderReview, ""},
                   {D("2025-03-01"), RuleStatus::kInForce, "Yürürlüğe girdi"},
                   {D("2025-09-30"), RuleStatus::kSuspended, "court order"}};
  full.sources = {{"https://news.example/a", "Haber", "Örnek Gazete", D("2025-03-01")},
                  {"http://archive.example/b", "Archived copy", "", std::nullopt}};
  full.summary = "Conditions: only on networks the ministry runs.";
  Rule minimal;
  minimal.id = "tr-ankara-2025-02-01-lemon8";
  minimal.issuer = "tr-ankara";
  minimal.title = "Ankara removes Lemon8";
  minimal.instrument = Instrument::kDirective;
  minimal.effect = Effect::kExempt;
  minimal.scope = {Scope::kGovernmentDevices};
  minimal.apps = {"lemon8"};
  minimal.timeline = {{D("2025-02-01"), RuleStatus::kAnnounced, ""}};
  minimal.sources = {{"https://ankara.example/duyuru", "Duyuru", "", std::nullopt}};
  model.rules = {minimal, full};
  return model;
}

TEST_CASE("WriteBundle round-trips every field and is stable") {
  const Model model = EveryField();
  REQUIRE(Validate(model).empty());
  const std::string written = WriteBundle(model);
  Result<Model> read = ReadBundle(written);
  REQUIRE(read.ok());
  Model sorted = model;
  SortById(sorted);
  CHECK(*read == sorted);
  std::istringstream stream(written);
  Result<Model> streamed = ReadBundle(stream);
  REQUIRE(streamed.ok());
  CHECK(*streamed == sorted);
  CHECK(WriteBundle(*read) == written);
  CHECK(written.back() == '\n');
  CHECK(written.find("Türkiye") != std::string::npos);  // UTF-8 kept, not \u-escaped
  CHECK(written.find("\\n") != std::string::npos);      // control characters escaped
}

TEST_CASE("WriteBundle writes the canonical form") {
  Model model;
  model.entities = {{"b", "B", EntityKind::kAgency, {"a"}, {}}, {"a", "A", EntityKind::kCountry, {}, {}}};
  App app{"x", "X", "p", {}, {}, {}};
  app.identifiers[static_cast<int>(Platform::kWeb)] = {"x.example"};
  model.apps = {app};
  // Sorted by id; fields in the documented order; empty part_of, within, owned_by, categories, identifier lists,
  // store_urls and the empty publishers and rules lists left out; 2-space indentation; a final newline.
  CHECK(WriteBundle(model) == R"({
  "format": "bantrack/v1",
  "entities": [
    {
      "id": "a",
      "name": "A",
      "kind": "country"
    },
    {
      "id": "b",
      "name": "B",
      "kind": "agency",
      "part_of": [
        "a"
      ]
    }
  ],
  "apps": [
    {
      "id": "x",
      "name": "X",
      "publisher": "p",
      "identifiers": {
        "web": [
          "x.example"
        ]
      }
    }
  ]
}
)");
  CHECK(WriteBundle(Model{}) == "{\n  \"format\": \"bantrack/v1\"\n}\n");
}

TEST_CASE("single records: the bundle's shape, relative paths") {
  const Model model = EveryField();
  for (const Record& record : {Record(model.entities[0]), Record(model.publishers[0]), Record(model.apps[0]),
                               Record(model.rules[0]), Record(model.rules[1])}) {
    CAPTURE(IdOf(record));
    Result<Record> parsed = ParseRecord(TypeOf(record), ToJson(record));
    REQUIRE(parsed.ok());
    CHECK(*parsed == record);
    CHECK(nlohmann::json::parse(RecordJson(record)) == ToJson(record));
  }
  CHECK(RecordJson(Record(model.entities[0])) ==
        R"({"id":"tr-ankara","name":"Ankara Büyükşehir Belediyesi","kind":"city",)"
        R"("part_of":["tr-gov"],"within":["tr"]})");
  CHECK(RecordJson(Record(model.rules[0])) ==
        R"({"id":"tr-ankara-2025-02-01-lemon8","issuer":"tr-ankara","title":"Ankara removes Lemon8",)"
        R"("instrument":"directive","effect":"exempt","scope":["government-devices"],"apps":["lemon8"],)"
        R"("timeline":[{"date":"2025-02-01","status":"announced"}],)"
        R"("sources":[{"url":"https://ankara.example/duyuru","title":"Duyuru"}]})");

  const nlohmann::json rule = nlohmann::json::parse(R"({
    "id": "r", "issuer": "e", "title": "T", "instrument": "memo", "effect": "ban", "scope": ["public", "everywhere"],
    "apps": ["a"], "timeline": [{"date": "2025-01-01", "status": "in-force"}, {"date": "2025-02-30", "status": "x"}],
    "sources": [{"url": "https://s.example/", "title": "S", "via": "tip"}], "colour": "red"})");
  Result<Record> parsed = ParseRecord(RecordType::kRule, rule);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code() == ErrorCode::kInvalidData);
  CHECK(parsed.error().message() == "5 problems in the rule");
  CHECK(Lines(parsed.error().details()) == std::vector<std::string>{
                                               R"(scope[1]: unknown scope "everywhere")",
                                               "timeline[1].date: 2025-02-30 is not a date",
                                               R"(timeline[1].status: unknown status "x")",
                                               "sources[0].via: unknown field",
                                               "colour: unknown field",
                                           });

  Result<Record> not_an_object = ParseRecord(RecordType::kEntity, nlohmann::json::array());
  REQUIRE_FALSE(not_an_object.ok());
  CHECK(Lines(not_an_object.error().details()) == std::vector<std::string>{"$: expected an object, got array"});
  CHECK(not_an_object.error().message() == "1 problem in the entity");
}

TEST_CASE("ParseBundle reads what it can and leaves semantic checks to Validate") {
  Parsed parsed = ParseBundle(R"({"format": "bantrack/v1",
    "entities": [{"id": "a", "name": "A", "kind": "country", "part_of": ["nowhere"]}, 5,
                 {"id": "c", "name": "C", "kind": "state"}]})");
  CHECK(Lines(parsed.errors) == std::vector<std::string>{"entities[1]: expected an object, got number"});
  // The unreadable record keeps its place, so that later records keep their document index.
  REQUIRE(parsed.model.entities.size() == 3);
  CHECK(parsed.model.entities[0].part_of == std::vector<std::string>{"nowhere"});
  CHECK(parsed.model.entities[2].id == "c");
}

}  // namespace
}  // namespace bantrack::rules

namespace bantrack::rules {
namespace {

TEST_CASE("ParseJson: request bodies get the bundle parser's protections") {
  CHECK(ParseJson(R"({"a": [1, 2]})").ok());
  Result<nlohmann::json> syntax = ParseJson(R"({"a": )");
  REQUIRE_FALSE(syntax.ok());
  CHECK(syntax.error().code() == ErrorCode::kInvalidInput);
  REQUIRE(syntax.error().details().size() == 1);
  CHECK(syntax.error().details()[0].path == "$");
  Result<nlohmann::json> duplicate = ParseJson(R"({"a": 1, "a": 2})");
  REQUIRE_FALSE(duplicate.ok());
  CHECK(duplicate.error().code() == ErrorCode::kInvalidData);
  CHECK(duplicate.error().details()[0] == FieldError{"a", "duplicate field"});
  const std::string deep(100000, '[');
  Result<nlohmann::json> nested = ParseJson(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().details()[0].message.find("nested deeper than 64") != std::string::npos);
}

}  // namespace
}  // namespace bantrack::rules
