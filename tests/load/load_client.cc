// The writer and the sampler of `make loadtest` (tests/load/loadtest.sh), run while wrk floods the read routes.
//
//   load_client PORT TOKEN SECONDS [EDITS_PER_SECOND]
//
// The writers PUT one rule over and over for SECONDS, flipping its effect between ban and restrict, at
// EDITS_PER_SECOND in all (default 25; each edit is one API write with a token), and record which verdict each
// snapshot version they created must give. The sampler asks GET /v1/check about that rule's app meanwhile, and afterwards
// every sampled answer is checked: its `snapshot` equals its X-Bantrack-Snapshot header, and its verdict is the one
// written for that version. Prints one JSON line of figures; exits 1 when anything failed or the writer fell short.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kRuleId = "loadtest-chatgpt-texas";
constexpr const char* kCheck = "/v1/check?app=chatgpt&device=government&owner=us-tx-dps&as_of=2026-11-21";

json RuleWith(const std::string& effect) {
  return {{"id", kRuleId},
          {"issuer", "us-tx"},
          {"title", "Texas rule on ChatGPT (load test)"},
          {"instrument", "directive"},
          {"effect", effect},
          {"scope", {"government-devices"}},
          {"apps", {"chatgpt"}},
          {"timeline", {{{"date", "2026-11-20"}, {"status", "in-force"}}}},
          {"sources", {{{"url", "https://example.org/load-test"}, {"title", "Load test"}}}}};
}

struct Sample {
  std::string header;  // X-Bantrack-Snapshot
  std::string body_snapshot;
  std::string verdict;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: load_client PORT TOKEN SECONDS [EDITS_PER_SECOND]\n";
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string token = argv[2];
  const double seconds = std::atof(argv[3]);
  const double rate = argc > 4 ? std::atof(argv[4]) : 25;
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};

  httplib::Client setup("127.0.0.1", port);
  auto created = setup.Post(std::string("/v1/rules?reason=load%20test%20setup"), auth, RuleWith("ban").dump(),
                            "application/json");
  if (!created || (created->status != 201 && created->status != 409)) {
    std::cerr << "load_client: cannot create the rule: " << (created ? created->body : "no answer") << "\n";
    return 1;
  }

  std::mutex mutex;
  std::map<std::string, std::string> verdict_of_version;
  std::vector<Sample> samples;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> write_failures{0}, read_failures{0}, writes{0};
  std::string first_failure;
  auto fail = [&](std::atomic<uint64_t>& counter, const std::string& what) {
    ++counter;
    std::lock_guard lock(mutex);
    if (first_failure.empty()) first_failure = what;
  };

  // Several writers share the edits (edit i goes to writer i % kWriters), so that the rate holds while the
  // server's CPU is busy with wrk's readers: the server still applies them one at a time.
  constexpr uint64_t kWriters = 4;
  const Clock::time_point start = Clock::now();
  auto write = [&](uint64_t first) {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    for (uint64_t i = first; Clock::now() - start < std::chrono::duration<double>(seconds); i += kWriters) {
      // Paced: edit i is due at start + i / rate; a late writer does not sleep.
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(static_cast<double>(i) / rate)));
      const bool ban = i % 2 == 1;
      auto res = client.Put(std::string("/v1/rules/") + kRuleId + "?reason=load%20test", auth,
                            RuleWith(ban ? "ban" : "restrict").dump(), "application/json");
      if (!res || res->status != 200) {
        fail(write_failures, "PUT: " + (res ? std::to_string(res->status) + " " + res->body : "no answer"));
        continue;
      }
      ++writes;
      std::lock_guard lock(mutex);
      verdict_of_version[res->get_header_value("X-Bantrack-Snapshot")] = ban ? "banned" : "restricted";
    }
  };
  std::thread writer([&] {
    std::vector<std::thread> writers;
    for (uint64_t w = 0; w < kWriters; ++w) writers.emplace_back(write, w);
    for (std::thread& t : writers) t.join();
    done = true;
  });
  std::thread sampler([&] {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    while (!done) {
      auto res = client.Get(kCheck);
      if (!res || res->status != 200) {
        fail(read_failures, "GET: " + (res ? std::to_string(res->status) + " " + res->body : "no answer"));
        continue;
      }
      const json doc = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
      std::lock_guard lock(mutex);
      samples.push_back({res->get_header_value("X-Bantrack-Snapshot"), doc.value("snapshot", ""),
                         doc.value("verdict", "")});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  writer.join();
  sampler.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  uint64_t checked = 0, inconsistent = 0;
  for (const Sample& s : samples) {
    if (s.header != s.body_snapshot) {
      ++inconsistent;
      continue;
    }
    auto written = verdict_of_version.find(s.header);
    if (written == verdict_of_version.end()) continue;  // the version before the first edit
    ++checked;
    if (written->second != s.verdict) ++inconsistent;
  }
  const double write_rate = static_cast<double>(writes) / elapsed;
  json figures = {{"seconds", elapsed},       {"edits", writes.load()},         {"edits_per_second", write_rate},
                  {"edit_failures", write_failures.load()}, {"samples", samples.size()}, {"samples_checked", checked},
                  {"samples_inconsistent", inconsistent},   {"sample_failures", read_failures.load()}};
  std::cout << figures.dump() << std::endl;
  if (!first_failure.empty()) std::cerr << "load_client: first failure: " << first_failure << "\n";
  const bool ok = write_failures == 0 && read_failures == 0 && inconsistent == 0 && checked > 0 && write_rate >= 20;
  return ok ? 0 : 1;
}
