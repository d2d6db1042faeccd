// Read replicas (bantrack serve --follow): a primary and two replicas on loopback.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* kQuestion = "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21";

std::string VerdictAt(const ServerProcess& server) {
  auto res = server.Client()->Get(kQuestion);
  if (!res || res->status != 200) return "";
  return json::parse(res->body)["verdict"];
}

// Polls until `server` answers `verdict`, for at most `limit`; returns how long it took (or limit+ on failure).
double SecondsUntil(const ServerProcess& server, const std::string& verdict, double limit) {
  const auto start = Clock::now();
  while (true) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (VerdictAt(server) == verdict || elapsed > limit) return elapsed;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST_CASE("a write on the primary reaches both replicas within 2 s; replicas refuse writes and outlive the primary") {
  TempDir dir;
  const std::string db = dir.File("primary.db");
  CommandResult token = Run({"--db", db, "token", "create", "--role", "editor", "--name", "newsroom"});
  REQUIRE(token.exit_code == 0);
  const std::string secret = token.out.substr(0, token.out.find('\n'));

  auto primary = std::make_unique<ServerProcess>(db);
  ServerProcess replica_a(dir.File("replica-a.db"), {"--follow", primary->url(), "--poll-ms", "200"});
  ServerProcess replica_b(dir.File("replica-b.db"), {"--follow", primary->url(), "--poll-ms", "200"});
  CHECK(VerdictAt(replica_a) == "allowed");
  CHECK(VerdictAt(replica_b) == "allowed");

  const std::string rule = R"json({"id": "us-tx-2026-11-20-replica-test", "issuer": "us-tx", "title": "Replica test",
    "instrument": "directive", "effect": "ban", "scope": ["government-devices"], "apps": ["chatgpt"],
    "timeline": [{"date": "2026-11-20", "status": "in-force"}],
    "sources": [{"url": "https://example.org/replica", "title": "Replica test source"}]})json";
  auto written = primary->Client()->Post("/v1/rules?reason=replica%20test",
                                         {{"Authorization", "Bearer " + secret}}, rule, "application/json");
  REQUIRE(written);
  REQUIRE(written->status == 201);
  const std::string version = written->get_header_value("X-Bantrack-Snapshot");
  CHECK(VerdictAt(*primary) == "banned");
  CHECK(SecondsUntil(replica_a, "banned", 2.0) <= 2.0);
  CHECK(SecondsUntil(replica_b, "banned", 2.0) <= 2.0);
  auto answer = replica_a.Client()->Get(kQuestion);
  CHECK(json::parse(answer->body)["snapshot"] == version);  // the replica answers with the primary's version

  // Writes to a replica are refused, pointing at the primary.
  auto refused = replica_a.Client()->Post("/v1/rules?reason=x", {{"Authorization", "Bearer " + secret}}, rule,
                                          "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 403);
  CHECK(refused->get_header_value("Content-Type") == "application/problem+json");
  CHECK(json::parse(refused->body)["detail"].get<std::string>().find(primary->url()) != std::string::npos);
  CHECK(refused->get_header_value("Location").starts_with(primary->url()));

  // The primary goes down: replicas keep answering from their last snapshot, and say how stale it is.
  primary->Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(VerdictAt(replica_a) == "banned");
  CHECK(VerdictAt(replica_b) == "banned");
  auto ready = replica_a.Client()->Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  const json readiness = json::parse(ready->body);
  CHECK(readiness["replica_of"] == primary->url());
  CHECK(readiness["seconds_since_sync"].get<double>() >= 1.0);
  auto metrics = replica_b.Client()->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("bantrack_replica_staleness_seconds") != std::string::npos);
}

TEST_CASE("a replica whose primary never answered is not ready") {
  TempDir dir;
  ServerProcess replica(dir.File("lonely.db"), {"--follow", "http://127.0.0.1:9", "--poll-ms", "200"});
  auto ready = replica.Client()->Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->get_header_value("Content-Type") == "application/problem+json");
  auto check = replica.Client()->Get(kQuestion);
  REQUIRE(check);
  CHECK(check->status == 503);
}

}  // namespace
}  // namespace bantrack::testing
