// Measuring, for the benchmark programs: clocks, percentiles, memory, the machine, and child processes whose
// peak memory is their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace bantrack::bench {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Makes the compiler assume `value` is read, so that the work producing it cannot be elided.
template <typename T>
inline void KeepAlive(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
// Of a sample of durations in nanoseconds (sorted in place); all zero for an empty sample.
Percentiles Summarize(std::vector<uint32_t>& nanoseconds);

// The median of a few timings (sorted in place).
double Median(std::vector<double>& values);

size_t CurrentRssBytes();  // /proc/self/statm
double CpuSeconds();       // user + system time of this process so far (all threads)
size_t PeakRssBytes();     // getrusage(RUSAGE_SELF).ru_maxrss

// The machine, for reports: "Intel(R) Xeon(R) Processor", the cores this process may use, total RAM.
std::string CpuModel();
unsigned CoreCount();
size_t TotalRamBytes();
// The 1-minute load average (/proc/loadavg): other work on the machine skews every figure, so reports show it.
double LoadAverage();
// What a cache miss of a check costs on this machine, with `bytes` of data in play: nanoseconds a read along a
// chain of `reads` dependent reads, each of a cache line at random among `bytes` (at least two lines), laid out
// as the snapshot's tables are (engine/table.h: on huge pages where the system grants them). Every line is read
// once, untimed, first. A single check waits on a few such reads in turn (docs/PERFORMANCE.md, "Where the time
// goes"), and their cost depends on the day: the cache this machine's share of the host gives a core moves with
// the host's other work.
double DependentReadNs(size_t bytes, size_t reads);

// Runs `work` in a child process (fork) and returns what it wrote into `out`, with the child's peak RSS: so that
// a stage's memory peak is measured alone, not on top of what the parent already holds. Call it before starting
// threads. The child exits 0 when `work` returns ok; otherwise its error reaches the parent as kInternal.
struct ChildResult {
  std::string out;
  size_t peak_rss_bytes = 0;
};
Result<ChildResult> RunInChild(const std::function<Status(std::string& out)>& work);

// Human-readable figures: "182 ns", "1.43 µs", "12.3 ms", "4.56 s"; "312.4 MiB"; "9.87 M/s".
std::string FormatSeconds(double seconds);
std::string FormatBytes(size_t bytes);
std::string FormatRate(double per_second);

}  // namespace bantrack::bench
