// What docs/SECURITY.md promises, checked against a real `bantrack serve`: tokens exist on disk only as SHA-256
// hashes and never reach a log; SQL metacharacters are plain text; the server binds to loopback by default and
// enforces its body limit; CORS is closed unless an origin is configured.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/server.h"
#include "tests/e2e/fixture.h"
#include "tests/sha256_hex.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

// The database file and its write-ahead log, as bytes.
std::string DatabaseBytes(const std::string& db) { return ReadFile(db) + ReadFile(db + "-wal"); }

std::string CreateToken(const std::string& db, const std::string& role, const std::string& name) {
  CommandResult created = Run({"--db", db, "token", "create", "--role", role, "--name", name});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  return created.out.substr(0, created.out.find('\n'));
}

const std::string kRule = R"json({
  "id": "security-test-rule", "issuer": "us-tx", "title": "A rule", "instrument": "directive", "effect": "ban",
  "scope": ["government-devices"], "apps": ["deepseek"], "timeline": [{"date": "2025-02-01", "status": "in-force"}],
  "sources": [{"url": "https://example.org/source", "title": "A source"}]})json";

TEST_CASE("tokens: only their SHA-256 on disk, never in the access log, the edit log or an answer") {
  TempDir dir;
  const std::string db = dir.File("tokens.db");
  const std::string secret = CreateToken(db, "editor", "newsdesk");
  REQUIRE(secret.starts_with("bt_"));
  CHECK(secret.size() == 3 + 64);
  CHECK(DatabaseBytes(db).find(secret) == std::string::npos);
  CHECK(DatabaseBytes(db).find(Sha256Hex(secret)) != std::string::npos);
  CHECK(Run({"--db", db, "token", "list", "--json"}).out.find(secret) == std::string::npos);

  ServerProcess server(db);
  auto client = server.Client();
  auto with = [](const std::string& token) { return httplib::Headers{{"Authorization", "Bearer " + token}}; };
  auto created = client->Post("/v1/rules?reason=token%20test", with(secret), kRule, "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(created->body.find(secret) == std::string::npos);
  auto refused = client->Post("/v1/rules?reason=x", with(secret + "0"), kRule, "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->body.find(secret) == std::string::npos);
  CHECK(client->Get("/v1/check?app=deepseek&device=personal", with(secret))->status == 200);
  auto changes = client->Get("/v1/changes?since=1");
  REQUIRE(changes);
  const json log = json::parse(changes->body)["changes"];
  REQUIRE(log.size() == 1);
  CHECK(log[0]["actor"] == "token:newsdesk");
  CHECK(changes->body.find(secret) == std::string::npos);
  CHECK(server.Stop() == 0);

  const std::string access_log = server.Log();
  CHECK(access_log.find("/v1/rules") != std::string::npos);  // the requests were logged ...
  CHECK(access_log.find(secret) == std::string::npos);       // ... without their token
  CHECK(access_log.find(secret.substr(3, 16)) == std::string::npos);
  CHECK(access_log.find(Sha256Hex(secret)) == std::string::npos);
  CHECK(DatabaseBytes(db).find(secret) == std::string::npos);
}

TEST_CASE("SQL metacharacters in every text field are stored and read back as plain text") {
  TempDir dir;
  const std::string db = dir.File("sql.db");
  const std::string editor = CreateToken(db, "editor", "sql");
  ServerProcess server(db);
  auto client = server.Client();
  const size_t rules_before = json::parse(client->Get("/v1/export")->body)["rules"].size();

  const std::string sql = "Robert'); DROP TABLE rules; -- \" OR 1=1 /* %_ \\";
  json rule = json::parse(kRule);
  rule["title"] = "title " + sql;
  rule["summary"] = "summary " + sql;
  rule["timeline"][0]["note"] = "note " + sql;
  rule["sources"][0]["title"] = "source " + sql;
  rule["sources"][0]["outlet"] = "outlet " + sql;
  auto created = client->Post("/v1/rules?reason=" + httplib::detail::encode_query_param("reason " + sql),
                              {{"Authorization", "Bearer " + editor}}, rule.dump(), "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 201);

  const json stored = json::parse(client->Get("/v1/rules/security-test-rule")->body);
  for (const auto& [field, value] : rule.items()) CHECK(stored[field] == value);
  const json found =
      json::parse(client->Get("/v1/rules?q=" + httplib::detail::encode_query_param("DROP TABLE rules"))->body);
  REQUIRE(found["items"].size() == 1);
  CHECK(found["items"][0]["id"] == "security-test-rule");
  const json log = json::parse(client->Get("/v1/changes?since=1")->body)["changes"];
  REQUIRE(log.size() == 1);
  CHECK(log[0]["reason"] == "reason " + sql);
  CHECK(log[0]["after"] == rule);
  const json exported = json::parse(client->Get("/v1/export")->body)["rules"];
  CHECK(exported.size() == rules_before + 1);
  CHECK(std::count(exported.begin(), exported.end(), rule) == 1);
  CHECK(server.Stop() == 0);
}

TEST_CASE("the server listens on loopback unless told otherwise, and its limits are set") {
  const api::ServerOptions defaults;
  CHECK(defaults.host == "127.0.0.1");
  CHECK(defaults.max_body_bytes == 64u << 20);
  CHECK(defaults.timeout_seconds == 10);
  CHECK(defaults.cors_origin.empty());
  const std::string help = Run({"serve", "--help"}).out;
  CHECK(help.find("127.0.0.1:8080") != std::string::npos);
  CHECK(help.find("--max-body") != std::string::npos);
  CHECK(help.find("--timeout") != std::string::npos);
  CHECK(Run({"serve", "--timeout", "0"}).exit_code == 2);

  TempDir dir;
  ServerProcess server(dir.File("limits.db"), {"--max-body", "1000"});
  auto client = server.Client();
  const std::string at_limit = R"({"device": {"kind": "work"}, "apps": [)" + std::string(1000 - 40, ' ') + "]}";
  REQUIRE(at_limit.size() == 1000);
  CHECK(client->Post("/v1/check", at_limit, "application/json")->status == 200);
  CHECK(client->Post("/v1/check", at_limit + " ", "application/json")->status == 413);
  CHECK(server.Stop() == 0);
}

TEST_CASE("CORS: closed by default; open to the one origin configured") {
  TempDir dir;
  const httplib::Headers preflight = {{"Origin", "https://newsroom.example"},
                                      {"Access-Control-Request-Method", "PUT"},
                                      {"Access-Control-Request-Headers", "Authorization, Content-Type"}};
  const httplib::Headers from_page = {{"Origin", "https://newsroom.example"}};

  SUBCASE("closed") {
    ServerProcess server(dir.File("cors.db"));
    auto client = server.Client();
    auto read = client->Get("/v1/check?app=deepseek&device=personal", from_page);
    REQUIRE(read);
    CHECK(read->status == 200);
    CHECK_FALSE(read->has_header("Access-Control-Allow-Origin"));
    auto asked = client->Options("/v1/rules/x", preflight);
    REQUIRE(asked);
    CHECK(asked->status >= 400);
    CHECK_FALSE(asked->has_header("Access-Control-Allow-Origin"));
    CHECK_FALSE(asked->has_header("Access-Control-Allow-Methods"));
    CHECK(server.Stop() == 0);
  }
  SUBCASE("open") {
    ServerProcess server(dir.File("cors.db"), {"--cors-origin", "https://newsroom.example"});
    auto client = server.Client();
    auto read = client->Get("/v1/check?app=deepseek&device=personal", from_page);
    REQUIRE(read);
    CHECK(read->get_header_value("Access-Control-Allow-Origin") == "https://newsroom.example");
    auto asked = client->Options("/v1/rules/x", preflight);
    REQUIRE(asked);
    CHECK(asked->status == 204);
    CHECK(asked->get_header_value("Access-Control-Allow-Origin") == "https://newsroom.example");
    CHECK(asked->get_header_value("Access-Control-Allow-Methods").find("PUT") != std::string::npos);
    CHECK(asked->get_header_value("Access-Control-Allow-Headers").find("Authorization") != std::string::npos);
    // Errors too, so that a page can read why it was refused.
    auto missing = client->Get("/v1/no-such-route", from_page);
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->get_header_value("Access-Control-Allow-Origin") == "https://newsroom.example");
    CHECK(server.Stop() == 0);
  }
}

}  // namespace
}  // namespace bantrack::testing
