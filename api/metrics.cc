#include "api/metrics.h"

#include <cstdio>
#include <sstream>

namespace bantrack::api {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("unmatched");
  counters_ = std::make_unique<RouteCounters[]>(routes_.size());
}

void Metrics::RecordRequest(size_t route, int status, double seconds) {
  RouteCounters& c = counters_[route < routes_.size() ? route : unmatched_route()];
  c.by_status[status > 0 && status < 600 ? status : 0].fetch_add(1, std::memory_order_relaxed);
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  c.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  c.nanoseconds.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Metrics::CountVerdict(Verdict verdict, uint64_t count) {
  verdicts_[static_cast<size_t>(verdict)].fetch_add(count, std::memory_order_relaxed);
}

void Metrics::CountUnknown(uint64_t count) { verdicts_[4].fetch_add(count, std::memory_order_relaxed); }

std::string Metrics::Render(const Gauges& gauges) const {
  std::ostringstream out;
  auto label = [](const std::string& value) {
    std::string escaped;
    for (char c : value) escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return escaped;
  };
  out << "# HELP bantrack_http_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE bantrack_http_requests_total counter\n";
  for (size_t r = 0; r < routes_.size(); ++r) {
    for (size_t status = 0; status < 600; ++status) {
      const uint64_t n = counters_[r].by_status[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out << "bantrack_http_requests_total{route=\"" << label(routes_[r]) << "\",status=\"" << status << "\"} " << n
          << "\n";
    }
  }
  out << "# HELP bantrack_http_request_duration_seconds Time from routing to the handler's answer.\n"
         "# TYPE bantrack_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < routes_.size(); ++r) {
    const RouteCounters& c = counters_[r];
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) cumulative += c.buckets[b].load(std::memory_order_relaxed);
    if (cumulative == 0) continue;
    const std::string name = label(routes_[r]);
    uint64_t running = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      running += c.buckets[b].load(std::memory_order_relaxed);
      char bound[32];
      std::snprintf(bound, sizeof bound, "%g", kBuckets[b]);
      out << "bantrack_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"" << bound << "\"} "
          << running << "\n";
    }
    out << "bantrack_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"+Inf\"} " << cumulative << "\n";
    out << "bantrack_http_request_duration_seconds_sum{route=\"" << name << "\"} "
        << static_cast<double>(c.nanoseconds.load(std::memory_order_relaxed)) / 1e9 << "\n";
    out << "bantrack_http_request_duration_seconds_count{route=\"" << name << "\"} " << cumulative << "\n";
  }
  out << "# HELP bantrack_checks_total Compliance checks answered (single and batch), by verdict.\n"
         "# TYPE bantrack_checks_total counter\n";
  const char* verdict_names[] = {"allowed", "under-review", "restricted", "banned", "unknown"};
  for (size_t v = 0; v < verdicts_.size(); ++v) {
    out << "bantrack_checks_total{verdict=\"" << verdict_names[v] << "\"} "
        << verdicts_[v].load(std::memory_order_relaxed) << "\n";
  }
  out << "# HELP bantrack_snapshot_info The data snapshot answering requests.\n"
         "# TYPE bantrack_snapshot_info gauge\n"
      << "bantrack_snapshot_info{version=\"" << label(gauges.snapshot_version) << "\"} 1\n";
  out << "# HELP bantrack_snapshot_age_seconds Seconds since the answering snapshot was swapped in.\n"
         "# TYPE bantrack_snapshot_age_seconds gauge\n"
      << "bantrack_snapshot_age_seconds " << gauges.snapshot_age_seconds << "\n";
  if (gauges.replica_staleness_seconds >= 0) {
    out << "# HELP bantrack_replica_staleness_seconds Seconds since this replica last synced with its primary.\n"
           "# TYPE bantrack_replica_staleness_seconds gauge\n"
        << "bantrack_replica_staleness_seconds " << gauges.replica_staleness_seconds << "\n";
  }
  return out.str();
}

}  // namespace bantrack::api
