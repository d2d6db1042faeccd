// The bantrack CLI as a user runs it: real processes, a real database file in a temporary directory.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

// One database seeded from seed-data/ for the read-only tests of this file.
const std::string& SeededDb() {
  static TempDir dir;
  static const std::string db = [] {
    const std::string path = dir.File("seeded.db");
    CommandResult seeded = Run({"--db", path, "list", "rules"});
    REQUIRE_MESSAGE(seeded.exit_code == 0, seeded.err);
    return path;
  }();
  return db;
}

std::vector<std::string> CheckArgs(const std::string& db, const json& question) {
  std::vector<std::string> args = {"--db", db, "check", "--app", question["app"], "--json"};
  const json& device = question["device"];
  args.insert(args.end(), {"--device", device["kind"]});
  for (const char* field : {"owner", "location", "network"}) {
    if (device.contains(field)) args.insert(args.end(), {std::string("--") + field, device[field]});
  }
  if (device.contains("tags")) {
    std::string tags;
    for (const auto& tag : device["tags"]) tags += (tags.empty() ? "" : ",") + tag.get<std::string>();
    args.insert(args.end(), {"--tags", tags});
  }
  if (question.contains("as_of")) args.insert(args.end(), {"--as-of", question["as_of"]});
  return args;
}

TEST_CASE("questions from the seed articles, answered through the CLI") {
  const json cases = json::parse(ReadFile(SourceDir() + "/tests/seed_cases.json"));
  REQUIRE(cases.size() >= 25);
  for (const json& question : cases) {
    const std::string name = question["name"];
    CAPTURE(name);
    CommandResult result = Run(CheckArgs(SeededDb(), question));
    const std::string verdict = question["verdict"];
    const bool flagged = verdict == "banned" || verdict == "restricted";
    CHECK(result.exit_code == (flagged ? 1 : 0));
    REQUIRE_MESSAGE(json::accept(result.out), result.err);
    const json answer = json::parse(result.out);
    CHECK(answer["verdict"] == verdict);
    CHECK(answer["decisive"] == question["decisive"]);
    CHECK(answer["as_of"] == question["as_of"]);
  }
}

TEST_CASE("check explains itself in text: verdict, rule, paths and sources") {
  CommandResult result = Run({"--db", SeededDb(), "check", "--app", "deepseek", "--device", "government", "--owner",
                              "us-tx-dps", "--as-of", "2025-02-01"});
  CHECK(result.exit_code == 1);
  CHECK(result.out.starts_with("BANNED"));
  CHECK(result.out.find("us-tx-2025-01-31-chinese-ai-social  [decisive]") != std::string::npos);
  CHECK(result.out.find("device: us-tx-dps → us-tx  (scope government-devices)") != std::string::npos);
  CHECK(result.out.find("https://") != std::string::npos);

  CommandResult personal = Run({"--db", SeededDb(), "check", "--app", "deepseek", "--device", "personal",
                                "--location", "us-tx", "--as-of", "2025-02-01"});
  CHECK(personal.exit_code == 0);
  CHECK(personal.out.starts_with("ALLOWED"));
}

TEST_CASE("store identifiers name apps") {
  CommandResult by_package = Run({"--db", SeededDb(), "check", "--app", "android:com.deepseek.chat", "--device",
                                  "government", "--owner", "us-tx-dps", "--as-of", "2025-02-01", "--json"});
  CHECK(by_package.exit_code == 1);
  CHECK(json::parse(by_package.out)["app"]["id"] == "deepseek");
  CommandResult by_domain = Run({"--db", SeededDb(), "check", "--app", "web:chat.deepseek.com", "--device",
                                 "personal", "--location", "it", "--as-of", "2025-02-01", "--json"});
  CHECK(json::parse(by_domain.out)["verdict"] == "banned");
}

TEST_CASE("bad input: one line saying what and where, exit 2, nothing written") {
  const std::string before = Run({"--db", SeededDb(), "export"}).out;
  struct BadCall {
    std::vector<std::string> args;
    std::string expected;  // a part of the error line
  };
  const std::vector<BadCall> calls = {
      {{"check", "--app", "nosuchapp", "--device", "personal"}, "--app: unknown app \"nosuchapp\""},
      {{"check", "--app", "deepseek", "--device", "government", "--owner", "us-nowhere"},
       "--owner: unknown entity \"us-nowhere\""},
      {{"check", "--app", "deepseek", "--device", "personal", "--as-of", "2025-02-30"},
       "--as-of: \"2025-02-30\" is not a date"},
      {{"check", "--app", "deepseek", "--device", "personal", "--as-of", "2025-13-01"}, "is not a date"},
      {{"check", "--app", "deepseek", "--device", "phone"}, "--device"},
      {{"check", "--app", "deepseek"}, "--device is required"},
      {{"check", "--app", "deepseek", "--device", "personal", "--colour", "red"}, "--colour"},
      {{"check", "--app", "deepseek", "--device", "personal", "--owner", "US TX"}, "is not an entity id"},
      {{"check", "--app", "deepseek", "--device", "personal", "--tags", "Law Enforcement"}, "is not a tag"},
      {{"allowlist", "/nonexistent/apps.txt", "--device", "personal"}, "cannot read allowlist file"},
      {{"import", "/nonexistent/bundle.json"}, "cannot read /nonexistent/bundle.json"},
      {{"validate", "/nonexistent/bundle.json"}, "cannot read"},
      {{"export", "--format", "xml"}, "--format"},
      {{"list", "things"}, "WHAT"},
      {{"frobnicate"}, "frobnicate"},
  };
  for (const BadCall& call : calls) {
    std::vector<std::string> args = {"--db", SeededDb()};
    args.insert(args.end(), call.args.begin(), call.args.end());
    CAPTURE(call.expected);
    CommandResult result = Run(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find(call.expected) != std::string::npos);
    CHECK(result.err.starts_with("bantrack: error: "));
  }
  CHECK(Run({"--db", SeededDb(), "export"}).out == before);
}

TEST_CASE("every invalid bundle is refused by import with its exact paths, and nothing is written") {
  TempDir dir;
  const std::string db = dir.File("import.db");
  REQUIRE(Run({"--db", db, "list", "apps"}).exit_code == 0);  // seeded
  const std::string before = Run({"--db", db, "export"}).out;
  const std::string changes_before = Run({"--db", db, "changes", "--json"}).out;
  const std::string folder = SourceDir() + "/tests/invalid_bundles";
  const json expected = json::parse(ReadFile(folder + "/expected.json"));
  size_t files = 0;
  for (const auto& [name, lines] : expected.items()) {
    CAPTURE(name);
    ++files;
    CommandResult result = Run({"--db", db, "import", "--replace", folder + "/" + name});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("nothing was imported") != std::string::npos);
    for (const std::string& line : lines.get<std::vector<std::string>>()) {
      CHECK_MESSAGE(result.err.find(line) != std::string::npos, line);
    }
  }
  CHECK(files >= 25);
  CHECK(Run({"--db", db, "export"}).out == before);
  CHECK(Run({"--db", db, "changes", "--json"}).out == changes_before);
}

TEST_CASE("import merges by id; --replace swaps the data set; export round-trips exactly; the edit log records it") {
  TempDir dir;
  const std::string db = dir.File("roundtrip.db");
  const std::string seed = SourceDir() + "/seed-data/bantrack.json";

  // The seed file is canonical: importing it into an empty data set and exporting gives it back byte for byte.
  CommandResult replaced = Run({"--db", db, "import", "--replace", seed, "--reason", "start over", "--actor", "tester"});
  REQUIRE_MESSAGE(replaced.exit_code == 0, replaced.err);
  const std::string exported = Run({"--db", db, "export"}).out;
  CHECK(exported == ReadFile(seed));

  // Export -> import into another database -> export: identical.
  WriteFile(dir.File("export.json"), exported);
  const std::string other = dir.File("other.db");
  REQUIRE(Run({"--db", other, "import", "--replace", dir.File("export.json")}).exit_code == 0);
  CHECK(Run({"--db", other, "export"}).out == exported);

  // A merge adds a new rule and replaces an existing one by id, keeping the rest.
  const std::string addition = R"({"format": "bantrack/v1", "rules": [
    {"id": "us-tx-2025-03-01-test", "issuer": "us-tx", "title": "A test rule", "instrument": "memo", "effect": "restrict",
     "scope": ["government-devices"], "apps": ["chatgpt"], "timeline": [{"date": "2025-03-01", "status": "in-force"}],
     "sources": [{"url": "https://example.org/test", "title": "Test source"}]}]})";
  WriteFile(dir.File("add.json"), addition);
  CommandResult merged = Run({"--db", db, "import", dir.File("add.json"), "--reason", "add a test rule"});
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.err);
  CHECK(merged.out.find("1 added, 0 replaced") != std::string::npos);
  const json after = json::parse(Run({"--db", db, "export"}).out);
  CHECK(after["rules"].size() == json::parse(exported)["rules"].size() + 1);
  CommandResult check = Run({"--db", db, "check", "--app", "chatgpt", "--device", "government", "--owner", "us-tx-dps",
                             "--as-of", "2025-03-02", "--json"});
  CHECK(check.exit_code == 1);
  CHECK(json::parse(check.out)["decisive"] == json::array({"us-tx-2025-03-01-test"}));

  // The new database was seeded first, then replaced, then merged into.
  const json log = json::parse(Run({"--db", db, "changes", "--json"}).out);
  REQUIRE(log.size() == 3);
  CHECK(log[0]["action"] == "import");
  CHECK(log[0]["actor"] == "seed");
  CHECK(log[1]["action"] == "replace");
  CHECK(log[1]["actor"] == "tester");
  CHECK(log[1]["reason"] == "start over");
  CHECK(log[2]["action"] == "import");
  CHECK(log[2]["reason"] == "add a test rule");
  CHECK(log[2]["seq"].get<int>() > log[1]["seq"].get<int>());
}

TEST_CASE("allowlist: every line checked, unknown identifiers reported, exit code from the worst verdict") {
  TempDir dir;
  WriteFile(dir.File("apps.txt"),
            "# our fleet's approved apps\n"
            "chatgpt\n"
            "\n"
            "android:com.deepseek.chat   # DeepSeek by package\n"
            "com.example.notinthecatalog\n");
  CommandResult text = Run({"--db", SeededDb(), "allowlist", dir.File("apps.txt"), "--device", "government", "--owner",
                            "us-tx-dps", "--as-of", "2025-02-01"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("3 apps: 1 banned, 0 restricted, 0 under-review, 1 allowed, 1 unknown") != std::string::npos);

  CommandResult result = Run({"--db", SeededDb(), "allowlist", dir.File("apps.txt"), "--device", "government",
                              "--owner", "us-tx-dps", "--as-of", "2025-02-01", "--json"});
  CHECK(result.exit_code == 1);
  const json doc = json::parse(result.out);
  REQUIRE(doc["results"].size() == 3);
  CHECK(doc["results"][0] == json{{"app", "chatgpt"}, {"verdict", "allowed"}, {"decisive", json::array()}});
  CHECK(doc["results"][1]["app"] == "android:com.deepseek.chat");
  CHECK(doc["results"][1]["verdict"] == "banned");
  CHECK(doc["results"][2]["verdict"] == "unknown");
  CHECK(doc["device"] == json{{"kind", "government"}, {"owner", "us-tx-dps"}});

  WriteFile(dir.File("clean.txt"), "chatgpt\n");
  CHECK(Run({"--db", SeededDb(), "allowlist", dir.File("clean.txt"), "--device", "personal", "--as-of", "2025-02-01"})
            .exit_code == 0);
}

TEST_CASE("batch answers a POST /v1/check body from a file") {
  TempDir dir;
  WriteFile(dir.File("fleet.json"), R"({"queries": [
      {"device": {"kind": "government", "owner": "us-tx-dps"}, "app": "deepseek", "as_of": "2025-01-30"},
      {"device": {"kind": "government", "owner": "us-tx-dps"}, "app": "deepseek"},
      {"device": {"kind": "personal"}, "app": "ios:com.example.unknown"}], "as_of": "2025-02-01"})");
  CommandResult result = Run({"--db", SeededDb(), "batch", dir.File("fleet.json")});
  CHECK(result.exit_code == 1);
  const json doc = json::parse(result.out);
  REQUIRE(doc["results"].size() == 3);
  CHECK(doc["results"][0]["verdict"] == "allowed");
  CHECK(doc["results"][1]["decisive"] == json::array({"us-tx-2025-01-31-chinese-ai-social"}));
  CHECK(doc["results"][2]["verdict"] == "unknown");

  WriteFile(dir.File("bad.json"), R"({"queries": [{"device": {"kind": "work", "owner": "nowhere"}, "app": "x"}]})");
  CommandResult bad = Run({"--db", SeededDb(), "batch", dir.File("bad.json")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("queries[0].device.owner") != std::string::npos);
}

TEST_CASE("validate, list and CSV export") {
  CommandResult valid = Run({"validate", SourceDir() + "/seed-data/bantrack.json"});
  CHECK(valid.exit_code == 0);
  CHECK(valid.out.find("valid") != std::string::npos);
  CommandResult invalid = Run({"validate", SourceDir() + "/tests/invalid_bundles/21-dangling-issuer.json"});
  CHECK(invalid.exit_code == 2);

  CommandResult listed = Run({"--db", SeededDb(), "list", "entities", "--q", "texas", "--json"});
  CHECK(listed.exit_code == 0);
  std::set<std::string> ids;
  for (const json& entity : json::parse(listed.out)) ids.insert(entity["id"]);
  CHECK(ids.count("us-tx"));
  CHECK(ids.count("us-tx-dps"));
  CHECK_FALSE(ids.count("us-ny"));

  CommandResult csv = Run({"--db", SeededDb(), "export", "--format", "csv", "--as-of", "2025-02-01"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out.starts_with("id,issuer,issuer_name,issuer_kind,title,"));
  CHECK(csv.out.find("us-tx-2025-01-31-chinese-ai-social,us-tx,") != std::string::npos);
}

TEST_CASE("help for every command") {
  for (const char* command : {"check", "allowlist", "batch", "import", "export", "validate", "list", "token", "serve",
                              "changes"}) {
    CAPTURE(command);
    CommandResult help = Run({command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage:") != std::string::npos);
  }
}

}  // namespace
}  // namespace bantrack::testing
