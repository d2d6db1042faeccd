// The HTTP API against a real `bantrack serve` on a loopback port: checks, writes with tokens, problem documents,
// ETags, health and metrics, and readers that never see half a write.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

// A seeded database with an editor, an admin and a reader token, and a server on it.
struct Api {
  TempDir dir;
  std::string db = dir.File("api.db");
  std::string editor, reader, admin;
  std::unique_ptr<ServerProcess> server;

  explicit Api(std::vector<std::string> serve_flags = {}) {
    editor = Token("editor", "alice");
    reader = Token("reader", "rita");
    admin = Token("admin", "ada");
    server = std::make_unique<ServerProcess>(db, std::move(serve_flags));
  }

  std::string Token(const std::string& role, const std::string& name) {
    CommandResult created = Run({"--db", db, "token", "create", "--role", role, "--name", name});
    REQUIRE_MESSAGE(created.exit_code == 0, created.err);
    return created.out.substr(0, created.out.find('\n'));
  }

  httplib::Result Send(const std::string& method, const std::string& path, const std::string& body = "",
                       const std::string& token = "", const std::string& type = "application/json") {
    auto client = server->Client();
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    if (method == "GET") return client->Get(path, headers);
    if (method == "DELETE") return client->Delete(path, headers);
    if (method == "PUT") return client->Put(path, headers, body, type);
    return client->Post(path, headers, body, type);
  }
};

json Problem(const httplib::Result& res, int status) {
  REQUIRE(res);
  CHECK(res->status == status);
  CHECK(res->get_header_value("Content-Type") == "application/problem+json");
  json doc = json::parse(res->body);
  CHECK(doc["status"] == status);
  CHECK(doc["type"].get<std::string>().starts_with("urn:bantrack:problem:"));
  CHECK(doc.contains("title"));
  CHECK(doc.contains("detail"));
  return doc;
}

std::set<std::string> ErrorPaths(const json& problem) {
  std::set<std::string> paths;
  for (const json& e : problem.value("errors", json::array())) paths.insert(e["path"].get<std::string>());
  return paths;
}

const std::string kNewRule = R"json({
  "id": "us-tx-2026-11-20-test-app-ban", "issuer": "us-tx", "title": "Texas bans ChatGPT on state devices (test)",
  "instrument": "directive", "effect": "ban", "scope": ["government-devices"], "apps": ["chatgpt"],
  "timeline": [{"date": "2026-11-20", "status": "in-force"}],
  "sources": [{"url": "https://example.org/texas-chatgpt", "title": "A test source", "outlet": "Example"}]})json";

TEST_CASE("GET /v1/check answers byte for byte what `bantrack check --json` prints") {
  Api api;
  const json cases = json::parse(ReadFile(SourceDir() + "/tests/seed_cases.json"));
  for (const json& question : cases) {
    const std::string name = question["name"];
    CAPTURE(name);
    std::vector<std::string> args = {"--db", api.db, "check", "--json", "--app", question["app"]};
    httplib::Params params = {{"app", question["app"]}};
    const json& device = question["device"];
    args.insert(args.end(), {"--device", device["kind"]});
    params.emplace("device", device["kind"]);
    for (const char* field : {"owner", "location", "network"}) {
      if (!device.contains(field)) continue;
      args.insert(args.end(), {std::string("--") + field, device[field]});
      params.emplace(field, device[field]);
    }
    args.insert(args.end(), {"--as-of", question["as_of"]});
    params.emplace("as_of", question["as_of"]);
    const std::string cli = Run(args).out;
    auto res = api.server->Client()->Get("/v1/check", params, {});
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == cli);
    CHECK(json::parse(res->body)["verdict"] == question["verdict"]);
  }
}

TEST_CASE("GET /v1/check reads tags as a comma-separated list, empty items skipped, echoed in the answer's device") {
  Api api;
  auto res = api.server->Client()->Get("/v1/check?app=deepseek&device=work&tags=,alpha,,beta-2,");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["device"]["tags"] == json::array({"alpha", "beta-2"}));
  res = api.server->Client()->Get("/v1/check?app=deepseek&device=work&tags=solo");
  REQUIRE(res);
  CHECK(json::parse(res->body)["device"]["tags"] == json::array({"solo"}));
  res = api.server->Client()->Get("/v1/check?app=deepseek&device=work&tags=,");
  REQUIRE(res);
  CHECK_FALSE(json::parse(res->body)["device"].contains("tags"));
}

TEST_CASE("POST /v1/check: one device with many apps, or many queries; order kept; unknown apps are 'unknown'") {
  Api api;
  auto one_device = api.Send("POST", "/v1/check", R"({"device": {"kind": "government", "owner": "us-tx-dps"},
      "apps": ["tiktok", "ios:com.unknown.app", "deepseek", "chatgpt"], "as_of": "2025-02-01"})");
  REQUIRE(one_device);
  REQUIRE(one_device->status == 200);
  const json doc = json::parse(one_device->body);
  REQUIRE(doc["results"].size() == 4);
  CHECK(doc["results"][0]["app"] == "tiktok");
  CHECK(doc["results"][0]["verdict"] == "banned");
  CHECK(doc["results"][1] == json{{"app", "ios:com.unknown.app"}, {"verdict", "unknown"}, {"decisive", json::array()}});
  CHECK(doc["results"][2]["decisive"] == json::array({"us-tx-2025-01-31-chinese-ai-social"}));
  CHECK(doc["results"][3]["verdict"] == "allowed");
  CHECK(doc["snapshot"] == one_device->get_header_value("X-Bantrack-Snapshot"));

  auto queries = api.Send("POST", "/v1/check", R"({"queries": [
      {"device": {"kind": "government", "owner": "us-tx-dps"}, "app": "deepseek", "as_of": "2025-01-30"},
      {"device": {"kind": "government", "owner": "us-tx-dps"}, "app": "deepseek", "as_of": "2025-01-31"},
      {"device": {"kind": "personal", "location": "it"}, "app": "web:chat.deepseek.com"}], "as_of": "2025-02-01"})");
  REQUIRE(queries);
  REQUIRE(queries->status == 200);
  const json answers = json::parse(queries->body)["results"];
  CHECK(answers[0]["verdict"] == "allowed");
  CHECK(answers[1]["verdict"] == "banned");
  CHECK(answers[2]["verdict"] == "banned");  // the top-level as_of applies where a query has none

  // A fleet inventory of 100,000 device-app pairs in one body.
  std::string fleet = R"({"queries": [)";
  for (int i = 0; i < 100000; ++i) {
    if (i) fleet += ',';
    fleet += i % 2 ? R"({"device": {"kind": "government", "owner": "us-tx-dps"}, "app": "deepseek"})"
                   : R"({"device": {"kind": "personal", "location": "us-ny"}, "app": "chatgpt"})";
  }
  fleet += R"(], "as_of": "2025-06-01"})";
  auto swept = api.Send("POST", "/v1/check", fleet);
  REQUIRE(swept);
  REQUIRE(swept->status == 200);
  const json results = json::parse(swept->body)["results"];
  REQUIRE(results.size() == 100000);
  CHECK(results[0]["verdict"] == "allowed");
  CHECK(results[99999]["verdict"] == "banned");
}

TEST_CASE("problem documents for bad requests; nothing is ever a 5xx") {
  Api api({"--max-body", "100000"});
  auto client = api.server->Client();
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?device=personal"), 400)) == std::set<std::string>{"app"});
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?app=deepseek&device=personal&as_of=2025-02-30"), 400)) ==
        std::set<std::string>{"as_of"});
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?app=deepseek&device=personal&colour=red"), 400)) ==
        std::set<std::string>{"colour"});
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?app=nope&device=personal"), 404)) == std::set<std::string>{"app"});
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?app=deepseek&device=government&owner=us-nowhere"), 404)) ==
        std::set<std::string>{"owner"});
  CHECK(ErrorPaths(Problem(client->Get("/v1/check?app=deepseek&device=personal&owner=..%2F..%2Fetc"), 400)) ==
        std::set<std::string>{"owner"});
  Problem(client->Get("/v1/nothing-here"), 404);
  auto not_allowed = client->Delete("/v1/check");
  Problem(not_allowed, 405);
  CHECK(not_allowed->get_header_value("Allow").find("GET") != std::string::npos);

  Problem(api.Send("POST", "/v1/check", "{\"device\": ", ""), 400);
  Problem(api.Send("POST", "/v1/check", "apps=deepseek", "", "application/x-www-form-urlencoded"), 415);
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", R"({"device": {"kind": "phone"}, "apps": []})"), 422)) ==
        std::set<std::string>{"device.kind"});
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", R"({"queries": [{"app": "x", "device": {"kind": "work",
        "owner": "us-nowhere"}}]})"), 422)) == std::set<std::string>{"queries[0].device.owner"});
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", R"({"device": {"kind": "work"}, "apps": [1]})"), 422)) ==
        std::set<std::string>{"apps[0]"});
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", R"({"device": {"kind": "work"}, "apps": [], "x": 1})"), 422)) ==
        std::set<std::string>{"x"});
  Problem(api.Send("POST", "/v1/check", std::string(150000, '[')), 413);
  // Text that nests too deep, or is not JSON, is invalid_input even where a problem with its content comes first,
  // as for a bundle; the stream is read no further than 64 levels.
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", std::string(40000, '[') + std::string(40000, ']')), 400)) ==
        std::set<std::string>{"$"});
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", "{\"queries\": " + std::string(90000, '[')), 400)) ==
        std::set<std::string>{"$"});
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/check", R"({"device": {"kind": "work"}, "apps": [1, 2,]})"), 400)) ==
        std::set<std::string>{"$"});
  Problem(api.Send("POST", "/v1/check", "{\"device\": "), 400);  // not JSON
  CHECK(api.server->Log().find("\"status\":5") == std::string::npos);
}

TEST_CASE("writes: tokens and roles, reasons, validation with paths, conflicts, and reads that see the write") {
  Api api;
  const std::string rules = "/v1/rules?reason=test";
  auto before = api.Send("GET", "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21");
  CHECK(json::parse(before->body)["verdict"] == "allowed");

  Problem(api.Send("POST", rules, kNewRule), 401);
  Problem(api.Send("POST", rules, kNewRule, "bt_" + std::string(64, '0')), 401);
  Problem(api.Send("POST", rules, kNewRule, api.reader), 403);
  CHECK(ErrorPaths(Problem(api.Send("POST", "/v1/rules", kNewRule, api.editor), 400)) ==
        std::set<std::string>{"reason"});

  json invalid = json::parse(kNewRule);
  invalid["issuer"] = "us-nowhere";
  invalid["scope"] = {"goverment-devices"};
  invalid["timeline"][0]["date"] = "2026-02-30";
  const json refused = Problem(api.Send("POST", rules, invalid.dump(), api.editor), 422);
  CHECK(ErrorPaths(refused) == std::set<std::string>{"scope[0]", "timeline[0].date", "issuer"});

  auto created = api.Send("POST", rules, kNewRule, api.editor);
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(created->get_header_value("Location") == "/v1/rules/us-tx-2026-11-20-test-app-ban");
  CHECK(json::parse(created->body) == json::parse(kNewRule));
  const std::string version = created->get_header_value("X-Bantrack-Snapshot");

  auto after = api.Send("GET", "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21");
  const json verdict = json::parse(after->body);
  CHECK(verdict["verdict"] == "banned");
  CHECK(verdict["decisive"] == json::array({"us-tx-2026-11-20-test-app-ban"}));
  CHECK(verdict["snapshot"] == version);
  Problem(api.Send("POST", rules, kNewRule, api.editor), 409);

  json updated = json::parse(kNewRule);
  updated["effect"] = "restrict";
  updated["summary"] = "Allowed for translation work only.";
  auto put = api.Send("PUT", "/v1/rules/us-tx-2026-11-20-test-app-ban?reason=narrowed", updated.dump(), api.editor);
  REQUIRE(put);
  CHECK(put->status == 200);
  CHECK(json::parse(put->body)["effect"] == "restrict");
  CHECK(json::parse(api.Send("GET", "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21")->body)
            ["verdict"] == "restricted");
  CHECK(ErrorPaths(Problem(api.Send("PUT", "/v1/rules/another-id?reason=x", updated.dump(), api.editor), 422)) ==
        std::set<std::string>{"id"});
  json missing = updated;
  missing["id"] = "no-such-rule";
  Problem(api.Send("PUT", "/v1/rules/no-such-rule?reason=x", missing.dump(), api.editor), 404);

  const json conflict = Problem(api.Send("DELETE", "/v1/entities/us-tx?reason=try", "", api.editor), 409);
  CHECK(conflict["detail"].get<std::string>().find("us-tx-dps") != std::string::npos);
  Problem(api.Send("DELETE", "/v1/rules/no-such-rule?reason=x", "", api.editor), 404);
  auto deleted = api.Send("DELETE", "/v1/rules/us-tx-2026-11-20-test-app-ban?reason=test%20over", "", api.editor);
  REQUIRE(deleted);
  CHECK(deleted->status == 204);
  CHECK(json::parse(api.Send("GET", "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21")->body)
            ["verdict"] == "allowed");

  // The edit log has who, why, before and after for each write.
  CommandResult log = Run({"--db", api.db, "changes", "--json", "--since", "1"});
  const json entries = json::parse(log.out);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["action"] == "create");
  CHECK(entries[0]["actor"] == "token:alice");
  CHECK(entries[0]["reason"] == "test");
  CHECK(entries[0]["before"].is_null());
  CHECK(entries[1]["action"] == "update");
  CHECK(entries[1]["before"]["effect"] == "ban");
  CHECK(entries[1]["after"]["effect"] == "restrict");
  CHECK(entries[2]["action"] == "delete");
  CHECK(entries[2]["reason"] == "test over");
  CHECK(entries[2]["after"].is_null());
  // Tokens never reach the log.
  CHECK(api.server->Log().find(api.editor) == std::string::npos);
}

TEST_CASE("ETags, snapshot headers, health, readiness and metrics") {
  Api api;
  auto client = api.server->Client();
  auto first = client->Get("/v1/check?app=deepseek&device=personal&location=it&as_of=2025-02-01");
  REQUIRE(first);
  const std::string etag = first->get_header_value("ETag");
  CHECK_FALSE(etag.empty());
  CHECK_FALSE(first->get_header_value("X-Bantrack-Snapshot").empty());
  auto again = client->Get("/v1/check?app=deepseek&device=personal&location=it&as_of=2025-02-01",
                           {{"If-None-Match", etag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());

  CHECK(json::parse(client->Get("/healthz")->body)["status"] == "ok");
  auto ready = client->Get("/readyz");
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body)["snapshot"] == first->get_header_value("X-Bantrack-Snapshot"));
  auto metrics = client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
  CHECK(metrics->body.find("bantrack_http_requests_total{route=\"GET /v1/check\",status=\"200\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("bantrack_http_requests_total{route=\"GET /v1/check\",status=\"304\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("bantrack_checks_total{verdict=\"banned\"} 1") != std::string::npos);
  CHECK(metrics->body.find("bantrack_http_request_duration_seconds_bucket{route=\"GET /v1/check\",le=\"+Inf\"} 2") !=
        std::string::npos);
  CHECK(metrics->body.find("bantrack_snapshot_age_seconds") != std::string::npos);
  CHECK(api.server->Stop() == 0);
}

TEST_CASE("concurrent readers while a writer writes: no errors, every answer from one whole snapshot") {
  Api api;
  // The writer flips a rule between ban and restrict; every snapshot version it creates has a known verdict.
  REQUIRE(api.Send("POST", "/v1/rules?reason=setup", kNewRule, api.editor)->status == 201);
  std::mutex mutex;
  std::map<std::string, std::string> verdict_of_version;  // written by the writer
  std::vector<std::pair<std::string, std::string>> seen;   // (version, verdict) seen by readers
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};

  std::thread writer([&] {
    json rule = json::parse(kNewRule);
    for (int i = 0; i < 40; ++i) {
      const bool ban = i % 2 == 1;
      rule["effect"] = ban ? "ban" : "restrict";
      auto res = api.Send("PUT", "/v1/rules/us-tx-2026-11-20-test-app-ban?reason=flip", rule.dump(), api.editor);
      if (!res || res->status != 200) {
        ++failures;
        continue;
      }
      std::lock_guard lock(mutex);
      verdict_of_version[res->get_header_value("X-Bantrack-Snapshot")] = ban ? "banned" : "restricted";
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      auto client = api.server->Client();
      while (!done) {
        auto res = client->Get("/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21");
        if (!res || res->status != 200) {
          ++failures;
          continue;
        }
        const json doc = json::parse(res->body);
        if (doc["snapshot"] != res->get_header_value("X-Bantrack-Snapshot")) ++failures;
        std::lock_guard lock(mutex);
        seen.emplace_back(doc["snapshot"], doc["verdict"]);
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  CHECK(failures == 0);
  CHECK(seen.size() > 40);
  size_t checked = 0;
  for (const auto& [version, verdict] : seen) {
    auto it = verdict_of_version.find(version);
    if (it == verdict_of_version.end()) continue;  // the setup snapshot, before the first flip
    CHECK(it->second == verdict);
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace
}  // namespace bantrack::testing
