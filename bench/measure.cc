#include "bench/measure.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <thread>

#include "bench/rng.h"
#include "engine/table.h"

namespace bantrack::bench {

Percentiles Summarize(std::vector<uint32_t>& nanoseconds) {
  Percentiles result;
  if (nanoseconds.empty()) return result;
  std::sort(nanoseconds.begin(), nanoseconds.end());
  // The smallest sample with at least the fraction p of the sample at or below it.
  auto at = [&](double p) {
    const size_t rank = static_cast<size_t>(p * static_cast<double>(nanoseconds.size()) + 0.999999);
    return static_cast<double>(nanoseconds[std::clamp<size_t>(rank, 1, nanoseconds.size()) - 1]);
  };
  result.p50 = at(0.50);
  result.p99 = at(0.99);
  result.p999 = at(0.999);
  result.max = nanoseconds.back();
  result.mean = std::accumulate(nanoseconds.begin(), nanoseconds.end(), 0.0) / static_cast<double>(nanoseconds.size());
  return result;
}

double Median(std::vector<double>& values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double DependentReadNs(size_t bytes, size_t reads) {
  struct alignas(64) Line {
    uint32_t next;
  };
  const size_t lines = std::max<size_t>(bytes / sizeof(Line), 2);
  // The lines in a random order, each pointing at the next: one cycle through all of them, so that no read can
  // be predicted or started before the one before it ends.
  std::vector<uint32_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(1);
  rng.Shuffle(std::span(order));
  Table<Line> chain(lines);
  for (size_t i = 0; i < lines; ++i) chain[order[i]].next = order[(i + 1) % lines];
  uint32_t at = order[0];
  for (size_t i = 0; i < lines; ++i) at = chain[at].next;  // first touch: page faults, huge pages settled
  const Clock::time_point start = Clock::now();
  for (size_t i = 0; i < reads; ++i) at = chain[at].next;
  const double seconds = SecondsSince(start);
  KeepAlive(at);
  return seconds * 1e9 / static_cast<double>(std::max<size_t>(reads, 1));
}

size_t CurrentRssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

size_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

unsigned CoreCount() { return std::max(1u, std::thread::hardware_concurrency()); }

size_t TotalRamBytes() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double LoadAverage() {
  std::ifstream loadavg("/proc/loadavg");
  double one_minute = 0;
  loadavg >> one_minute;
  return one_minute;
}

Result<ChildResult> RunInChild(const std::function<Status(std::string& out)>& work) {
  int pipe_ends[2];
  if (pipe(pipe_ends) != 0) return Error(ErrorCode::kIo, "pipe failed");
  std::fflush(nullptr);  // or the child would flush the parent's buffered output a second time
  const pid_t pid = fork();
  if (pid < 0) return Error(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    close(pipe_ends[0]);
    std::string out;
    Status status = work(out);
    if (!status.ok()) out = "error=" + status.error().ToString();
    for (size_t written = 0; written < out.size();) {
      const ssize_t n = write(pipe_ends[1], out.data() + written, out.size() - written);
      if (n <= 0) _exit(3);
      written += static_cast<size_t>(n);
    }
    std::fflush(nullptr);
    _exit(status.ok() ? 0 : 1);  // no destructors of the parent's objects
  }
  close(pipe_ends[1]);
  ChildResult result;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_ends[0], buffer, sizeof buffer)) > 0;) result.out.append(buffer, static_cast<size_t>(n));
  close(pipe_ends[0]);
  int wait_status = 0;
  rusage usage{};
  if (wait4(pid, &wait_status, 0, &usage) != pid) return Error(ErrorCode::kIo, "wait4 failed");
  result.peak_rss_bytes = static_cast<size_t>(usage.ru_maxrss) * 1024;
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return Error(ErrorCode::kInternal, result.out.starts_with("error=") ? result.out.substr(6) : "the child process failed");
  }
  return result;
}

std::string FormatSeconds(double seconds) {
  char text[32];
  if (seconds < 1e-6) {
    std::snprintf(text, sizeof text, "%.0f ns", seconds * 1e9);
  } else if (seconds < 1e-3) {
    std::snprintf(text, sizeof text, "%.2f µs", seconds * 1e6);
  } else if (seconds < 1) {
    std::snprintf(text, sizeof text, "%.1f ms", seconds * 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  }
  return text;
}

std::string FormatBytes(size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

std::string FormatRate(double per_second) {
  char text[32];
  if (per_second >= 1e6) {
    std::snprintf(text, sizeof text, "%.2f M/s", per_second / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.0f /s", per_second);
  }
  return text;
}

}  // namespace bantrack::bench
