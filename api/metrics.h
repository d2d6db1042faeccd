// Prometheus metrics of the server: requests by route and status, latency histograms, checks by verdict.
// Lock-free counters (relaxed atomics): recording costs a few increments on the request path.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/query.h"

namespace bantrack::api {

class Metrics {
 public:
  // `routes` are the labels of the routes, e.g. "GET /v1/check"; one more label, "unmatched", is added.
  explicit Metrics(std::vector<std::string> routes);

  size_t unmatched_route() const { return routes_.size() - 1; }
  void RecordRequest(size_t route, int status, double seconds);
  void CountVerdict(Verdict verdict, uint64_t count = 1);
  void CountUnknown(uint64_t count);

  // The Prometheus text exposition (version 0.0.4) of every metric, plus the gauges passed in.
  struct Gauges {
    std::string snapshot_version;
    double snapshot_age_seconds = 0;
    double replica_staleness_seconds = -1;  // negative: not a replica
  };
  std::string Render(const Gauges& gauges) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    2.5};
  struct RouteCounters {
    std::array<std::atomic<uint64_t>, 600> by_status{};  // index = HTTP status
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last: above every bound
    std::atomic<uint64_t> nanoseconds{0};
  };
  std::vector<std::string> routes_;
  std::unique_ptr<RouteCounters[]> counters_;
  std::array<std::atomic<uint64_t>, 5> verdicts_{};  // Verdict values, then unknown
};

}  // namespace bantrack::api
