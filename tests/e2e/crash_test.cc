// Crash safety: `bantrack serve` is killed with SIGKILL at random moments in the middle of a stream of edits made
// through the API, and restarted on the same database, again and again. After every kill:
//  - the file passes PRAGMA integrity_check and foreign_key_check (the sqlite3 CLI, before the restart);
//  - the edit log runs 1, 2, ..., N without a gap;
//  - every edit that was acknowledged (201, 200, 204) is in the log, at the version its answer named;
//  - the data is exactly what the log says: each record is absent after its last logged delete, or equal to the
//    `after` of its last logged write; and every generation-stamped field of a record holds one generation, so no
//    write was half applied (an unacknowledged write in flight at the kill may be in, or not, but whole).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

constexpr int kKills = 24;
constexpr int kSlots = 4;  // rules crash-0 .. crash-3, created, updated and deleted over and over

std::string SlotId(int slot) { return "crash-" + std::to_string(slot); }

// Rule `slot` as written in generation `g`: every text field, and the number of timeline entries and sources, say
// which generation wrote it, so that a mix of two writes cannot pass for one.
json RuleOf(int slot, uint64_t g) {
  const std::string stamp = "generation " + std::to_string(g);
  json rule = {{"id", SlotId(slot)},
               {"issuer", "us-tx"},
               {"title", stamp},
               {"instrument", "directive"},
               {"effect", g % 2 ? "ban" : "restrict"},
               {"scope", {"government-devices"}},
               {"apps", {"deepseek"}},
               {"timeline", json::array()},
               {"sources", json::array()},
               {"summary", stamp}};
  for (uint64_t i = 0; i <= g % 3; ++i) {
    rule["timeline"].push_back({{"date", "2025-0" + std::to_string(i + 1) + "-01"}, {"status", "in-force"},
                                {"note", stamp}});
    rule["sources"].push_back({{"url", "https://example.org/" + std::to_string(i)}, {"title", stamp}});
  }
  return rule;
}

// The generation every stamped field of `rule` names; fails the test when they disagree.
uint64_t GenerationOf(const json& rule) {
  const std::string stamp = rule["title"];
  CHECK(rule["summary"] == stamp);
  const uint64_t g = std::stoull(stamp.substr(stamp.find(' ') + 1));
  CHECK(rule["timeline"].size() == g % 3 + 1);
  CHECK(rule["sources"].size() == g % 3 + 1);
  for (const json& entry : rule["timeline"]) CHECK(entry["note"] == stamp);
  for (const json& source : rule["sources"]) CHECK(source["title"] == stamp);
  CHECK(rule["effect"] == (g % 2 ? "ban" : "restrict"));
  return g;
}

struct Ack {
  uint64_t version;    // the X-Bantrack-Snapshot of the answer: the edit's log sequence number
  std::string action;  // create | update | delete
  int slot;
  uint64_t generation;
};

// Writes to the slots until a request fails (the server was killed); records every acknowledged edit, and in
// `refused` any answer that was not the acknowledgement expected.
void WriteUntilKilled(const ServerProcess& server, const std::string& token, std::map<int, bool>& exists,
                      uint64_t& generation, std::vector<Ack>& acks, std::atomic<int>& written, std::string& refused) {
  auto client = server.Client();
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  std::mt19937 random(static_cast<unsigned>(generation));
  while (true) {
    const int slot = static_cast<int>(random() % kSlots);
    const uint64_t g = ++generation;
    const std::string reason = "?reason=crash%20test%20" + std::to_string(g);
    const std::string action = !exists[slot] ? "create" : random() % 5 == 0 ? "delete" : "update";
    const int expected = action == "create" ? 201 : action == "delete" ? 204 : 200;
    httplib::Result res =
        action == "create" ? client->Post("/v1/rules" + reason, auth, RuleOf(slot, g).dump(), "application/json")
        : action == "delete"
            ? client->Delete("/v1/rules/" + SlotId(slot) + reason, auth)
            : client->Put("/v1/rules/" + SlotId(slot) + reason, auth, RuleOf(slot, g).dump(), "application/json");
    if (!res) return;  // killed: this edit may or may not have been committed
    if (res->status != expected) {
      refused = action + " " + SlotId(slot) + ": " + std::to_string(res->status) + " " + res->body;
      return;
    }
    acks.push_back({std::stoull(res->get_header_value("X-Bantrack-Snapshot")), action, slot, g});
    exists[slot] = action != "delete";
    ++written;
  }
}

json Get(const ServerProcess& server, const std::string& target) {
  auto res = server.Client()->Get(target);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

// The whole edit log, oldest first.
std::vector<json> EditLog(const ServerProcess& server) {
  std::vector<json> log;
  uint64_t since = 0;
  while (true) {
    const json page = Get(server, "/v1/changes?limit=1000&since=" + std::to_string(since));
    for (const json& entry : page["changes"]) log.push_back(entry);
    if (page["changes"].empty()) return log;
    since = page["next_since"];
  }
}

std::string Sqlite(const std::string& db, const std::string& pragma) {
  TempDir io;
  const std::string out = io.File("out");
  const std::string command = "sqlite3 '" + db + "' '" + pragma + "' > '" + out + "' 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  return ReadFile(out);
}

TEST_CASE("SIGKILL in the middle of edits: acknowledged edits survive, none is half applied, the log has no gap") {
  TempDir dir;
  const std::string db = dir.File("crash.db");
  CommandResult created = Run({"--db", db, "token", "create", "--role", "editor", "--name", "crasher"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  const std::string token = created.out.substr(0, created.out.find('\n'));

  // A new seed every run; CRASH_SEED=<n> in the environment repeats a run's kill moments.
  const char* fixed_seed = std::getenv("CRASH_SEED");
  const unsigned seed = fixed_seed ? static_cast<unsigned>(std::stoul(fixed_seed)) : std::random_device{}();
  MESSAGE("kill delays drawn with seed " << seed << " (CRASH_SEED)");
  std::mt19937 random(seed);
  std::map<int, bool> exists;  // per slot, as of the last acknowledged edit or the last restart
  std::vector<Ack> acks;
  uint64_t generation = 0;
  const auto start = std::chrono::steady_clock::now();

  for (int kill = 0; kill < kKills; ++kill) {
    CAPTURE(kill);
    {
      ServerProcess server(db, {"--quiet"});
      std::atomic<int> written{0};
      std::string refused;
      std::thread writer([&] { WriteUntilKilled(server, token, exists, generation, acks, written, refused); });
      // Let a few edits through, then kill at a random moment: between two requests, or in the middle of one.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (written < 3 && refused.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 150'000));
      server.Kill();
      writer.join();
      REQUIRE_MESSAGE(refused.empty(), refused);
    }
    // Straight after the kill, before anything opens the database again.
    CHECK(Sqlite(db, "PRAGMA integrity_check") == "ok\n");
    CHECK(Sqlite(db, "PRAGMA foreign_key_check") == "");

    ServerProcess server(db, {"--quiet"});
    const std::vector<json> log = EditLog(server);
    REQUIRE_FALSE(log.empty());
    std::map<uint64_t, const json*> by_seq;
    for (size_t i = 0; i < log.size(); ++i) {
      CHECK(log[i]["seq"] == i + 1);  // 1, 2, ..., N: no gap, no repeat
      by_seq[log[i]["seq"]] = &log[i];
    }
    for (const Ack& ack : acks) {
      CAPTURE(ack.version);
      auto entry = by_seq.find(ack.version);
      REQUIRE_MESSAGE(entry != by_seq.end(), "an acknowledged " << ack.action << " is not in the edit log");
      const json& logged = *entry->second;
      CHECK(logged["action"] == ack.action);
      CHECK(logged["record_id"] == SlotId(ack.slot));
      if (ack.action != "delete") CHECK(logged["after"] == RuleOf(ack.slot, ack.generation));
    }
    // The data is what the log says, and every record is one whole write.
    // The restarted server answers from the newest version: the one the last log entry made.
    CHECK(Get(server, "/readyz")["snapshot"] == std::to_string(log.size()));
    const json exported = Get(server, "/v1/export");
    std::map<std::string, json> rules;
    for (const json& rule : exported["rules"]) {
      if (rule["id"].get<std::string>().starts_with("crash-")) rules[rule["id"]] = rule;
    }
    for (int slot = 0; slot < kSlots; ++slot) {
      CAPTURE(slot);
      const json* last = nullptr;
      for (const json& entry : log) {
        if (entry["record_id"] == SlotId(slot)) last = &entry;
      }
      const bool present = last != nullptr && (*last)["action"] != "delete";
      REQUIRE(rules.count(SlotId(slot)) == (present ? 1u : 0u));
      if (present) {
        CHECK(rules[SlotId(slot)] == (*last)["after"]);
        CHECK(GenerationOf(rules[SlotId(slot)]) <= generation);
      }
      exists[slot] = present;  // an unacknowledged edit may have been committed: the log decides
    }
    CHECK(server.Stop() == 0);
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE(kKills << " kills, " << acks.size() << " acknowledged edits, " << seconds << " s");
  CHECK(acks.size() >= 3u * kKills);
}

}  // namespace
}  // namespace bantrack::testing
