// bantrack-bench: the in-process benchmark of one corpus (docs/PERFORMANCE.md).
//
//   bantrack-bench --bundle B.json --queries Q.json [--label NAME] [measurement options]
//   bantrack-bench --preset small|large|huge [--seed N] [sizes] [--query-count N] [measurement options]
//
// Three parts, each in its own process so that each peak RSS is its own:
//  1. the write path (a child): parse + validate the bundle, import it into a new SQLite store;
//  2. a server's life (a child): startup (load + compile, as `bantrack serve` does), then write-to-visible;
//  3. the engine (this process): load, compile, single-check latency, explanation cost, batch throughput, and the
//     POST /v1/check handler's own cost (JSON body in, answer out, no HTTP).
// A human report goes to stdout; --results writes the figures as key=value lines (keys in docs/PERFORMANCE.md).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "bench/corpus.h"
#include "bench/files.h"
#include "bench/measure.h"
#include "bench/questions.h"
#include "bench/shape_flags.h"
#include "db/catalog.h"
#include "db/store.h"
#include "engine/snapshot.h"
#include "rules/batch_json.h"
#include "rules/bundle.h"
#include "rules/verdict_json.h"

namespace bantrack::bench {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string bundle;
  std::string queries;
  std::string label;
  ShapeFlags shape;
  size_t query_count = 50'000;
  size_t samples = 1'000'000;
  double seconds = 2;
  int compile_runs = 5;
  int writes = 10;
  unsigned threads = CoreCount();
  std::string results;
  std::string workdir;
};

// The figures, in the order measured; printed to --results as key=value.
class Figures {
 public:
  void Set(const std::string& key, double value) { Set(key, Number(value)); }
  void Set(const std::string& key, std::string value) {
    if (!values_.count(key)) order_.push_back(key);
    values_[key] = std::move(value);
  }
  double Get(const std::string& key) const { return std::stod(values_.at(key)); }
  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  // Takes the key=value lines a child process wrote.
  void Merge(const std::string& lines) {
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
      const size_t equals = line.find('=');
      if (equals != std::string::npos) Set(line.substr(0, equals), line.substr(equals + 1));
    }
  }
  std::string Lines() const {
    std::string text;
    for (const std::string& key : order_) text += key + "=" + values_.at(key) + "\n";
    return text;
  }
  static std::string Number(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::string> values_;
};

std::string Line(const std::string& key, double value) { return key + "=" + Figures::Number(value) + "\n"; }

void Print(const std::string& what, const std::string& figure) {
  std::printf("  %-62s %s\n", what.c_str(), figure.c_str());
  std::fflush(stdout);
}

// ----- generation (a child: its memory is not the benchmark's)

Status Generate(const CorpusShape& shape, size_t query_count, const std::string& bundle_path,
                const std::string& queries_path, std::string& out) {
  const Clock::time_point start = Clock::now();
  Result<WrittenCorpus> written = WriteCorpus(shape, bundle_path, query_count, queries_path);
  if (!written.ok()) return written.error();
  out += Line("generate_s", SecondsSince(start));
  return {};
}

// ----- 1. the write path

Status WritePath(const std::string& bundle_path, const std::string& db_path, std::string& out) {
  std::error_code size_error;
  const uintmax_t bytes = fs::file_size(bundle_path, size_error);
  std::ifstream in(bundle_path, std::ios::binary);
  if (size_error || !in) return Error(ErrorCode::kIo, "cannot read " + bundle_path);
  out += Line("bundle_bytes", static_cast<double>(bytes));
  Clock::time_point start = Clock::now();
  Result<Model> model = rules::ReadBundle(in);  // parsed as it is read, as bantrack import does
  out += Line("parse_validate_s", SecondsSince(start));
  if (!model.ok()) return model.error();
  out += Line("entities", static_cast<double>(model->entities.size()));
  out += Line("publishers", static_cast<double>(model->publishers.size()));
  out += Line("apps", static_cast<double>(model->apps.size()));
  out += Line("rules", static_cast<double>(model->rules.size()));

  start = Clock::now();
  Result<std::unique_ptr<db::Store>> store = db::Store::Open(db_path);
  if (!store.ok()) return store.error();
  Result<std::unique_ptr<db::Catalog>> catalog = db::Catalog::Open(std::move(store).value(), rules::RecordJson);
  if (!catalog.ok()) return catalog.error();
  Result<db::ImportSummary> imported = catalog.value()->Import(model.value(), true, "bench", "bantrack-bench");
  if (!imported.ok()) return imported.error();
  out += Line("import_s", SecondsSince(start));
  return {};
}

// ----- 2. a server's life

// Toggles one rule's status (in-force <-> suspended) through Catalog::Update, and times each write until a check
// on the catalog's new snapshot sees the new status. The previous snapshot is held meanwhile, as a reader in
// flight would: its destruction is not part of what a reader waits for. The rule is then written back as it was,
// so that the engine's part measures the corpus as given.
Status ServerLife(const std::string& db_path, const std::string& queries_path, int writes, std::string& out) {
  Clock::time_point start = Clock::now();
  Result<std::unique_ptr<db::Store>> store = db::Store::Open(db_path);
  if (!store.ok()) return store.error();
  Result<std::unique_ptr<db::Catalog>> opened = db::Catalog::Open(std::move(store).value(), rules::RecordJson);
  if (!opened.ok()) return opened.error();
  db::Catalog& catalog = *opened.value();
  out += Line("startup_s", SecondsSince(start));
  out += Line("startup_rss_bytes", static_cast<double>(CurrentRssBytes()));
  if (writes <= 0) return {};

  Result<std::vector<Question>> questions = ReadQueries(queries_path);
  if (!questions.ok()) return questions.error();
  // The first question that some rule matches names the rule to toggle.
  const Question* question = nullptr;
  Rule rule;
  Decision decision;
  {
    const std::shared_ptr<const Snapshot> snapshot = catalog.snapshot();
    for (const Question& q : questions.value()) {
      if (OutcomeOf(*snapshot, q, decision) != kUnknownApp && !decision.matches.empty()) {
        question = &q;
        rule = snapshot->model().rules[decision.matches.front().rule];
        break;
      }
    }
  }
  if (!question) return Error(ErrorCode::kInvalidData, "no question matches a rule: cannot measure write-to-visible");
  const Rule original = rule;
  const Date first = rule.timeline.front().date;  // on or before the question's date: the rule matched

  std::vector<double> seconds;
  for (int w = 0; w < writes; ++w) {
    const RuleStatus status = w % 2 == 0 ? RuleStatus::kSuspended : RuleStatus::kInForce;
    rule.timeline = {{first, status, "bantrack-bench write " + std::to_string(w)}};
    std::shared_ptr<const Snapshot> previous = catalog.snapshot();
    start = Clock::now();
    Result<std::shared_ptr<const Snapshot>> updated = catalog.Update(rule, "bench", "write-to-visible");
    if (!updated.ok()) return updated.error();
    const std::shared_ptr<const Snapshot> now = catalog.snapshot();
    OutcomeOf(*now, *question, decision);
    const Index rule_index = *now->FindRule(rule.id);
    const bool seen = std::any_of(decision.matches.begin(), decision.matches.end(),
                                  [&](const Match& m) { return m.rule == rule_index && m.status == status; });
    seconds.push_back(SecondsSince(start));
    if (!seen) return Error(ErrorCode::kInternal, "a check on the new snapshot does not see the write");
    previous.reset();
  }
  if (Result<std::shared_ptr<const Snapshot>> restored = catalog.Update(original, "bench", "restore"); !restored.ok()) {
    return restored.error();
  }
  out += Line("write_visible_min_s", *std::min_element(seconds.begin(), seconds.end()));
  out += Line("write_visible_max_s", *std::max_element(seconds.begin(), seconds.end()));
  out += Line("write_visible_median_s", Median(seconds));
  return {};
}

// ----- 3. the engine

// Questions resolved against a snapshot: the app as asked, and the Query when the app is known.
struct Resolved {
  const Question* question;
  std::optional<Query> query;
};

std::vector<Resolved> Resolve(const Snapshot& snapshot, const std::vector<Question>& questions) {
  std::vector<Resolved> resolved;
  resolved.reserve(questions.size());
  for (const Question& q : questions) {
    Resolved r{&q, std::nullopt};
    const std::optional<Index> app = snapshot.ResolveApp(q.app);
    Result<Device> device = snapshot.ResolveDevice(q.device);
    if (app && device.ok()) r.query = Query{*app, std::move(device).value(), q.as_of};
    resolved.push_back(std::move(r));
  }
  return resolved;
}

// How many rules each check has to consider: those issued, for each scope through which the device can be reached
// (DESIGN.md §2), by an ancestor of its owner, network or location. Context for the latency figures: the work a
// check does grows with this, not with the size of the corpus.
std::vector<uint32_t> CandidateCounts(const Snapshot& snapshot, const std::vector<Resolved>& known) {
  const Model& model = snapshot.model();
  std::vector<std::array<uint32_t, kScopeCount>> issued(model.entities.size());
  for (const Rule& rule : model.rules) {
    for (Scope scope : rule.scope) ++issued[*snapshot.FindEntity(rule.issuer)][static_cast<int>(scope)];
  }
  std::vector<uint32_t> counts;
  for (const Resolved& r : known) {
    const Device& device = r.query->device;
    const Index through[kScopeCount] = {device.kind == DeviceKind::kGovernment ? device.owner : kNoIndex,
                                        device.kind == DeviceKind::kWork ? device.owner : kNoIndex, device.network,
                                        device.location};
    uint32_t count = 0;
    for (int s = 0; s < kScopeCount; ++s) {
      if (through[s] == kNoIndex) continue;
      const bool territorial = static_cast<Scope>(s) == Scope::kPublic;
      for (Index ancestor : territorial ? snapshot.TerritoryAncestors(through[s]) : snapshot.OrgAncestors(through[s])) {
        count += issued[ancestor][s];
      }
    }
    counts.push_back(count);
  }
  return counts;
}

// Which question a timed single check asks: the next one of the cycle through the known questions, or one asked
// just before, untimed, so that its data is in cache — the engine's own cost, without the memory latency that
// dominates the first figure (docs/PERFORMANCE.md, "Where the time goes", 1).
enum class Asked { kInTurn, kJustBefore };

// Times `samples` single checks one by one, cycling through the known questions.
Percentiles SingleCheckLatency(const Snapshot& snapshot, const std::vector<const Query*>& queries, size_t samples,
                               Asked asked, uint64_t& checksum) {
  Decision decision;
  for (const Query* q : queries) {  // warm: caches, branch predictors, the decision's capacity
    snapshot.Evaluate(*q, decision);
    checksum += decision.matches.size();
  }
  std::vector<uint32_t> nanoseconds(samples);
  for (size_t i = 0; i < samples; ++i) {
    const Query& q = *queries[i % queries.size()];
    if (asked == Asked::kJustBefore) snapshot.Evaluate(q, decision);
    const Clock::time_point start = Clock::now();
    snapshot.Evaluate(q, decision);
    const Clock::time_point end = Clock::now();
    KeepAlive(decision);
    checksum += static_cast<uint64_t>(decision.verdict);
    nanoseconds[i] = static_cast<uint32_t>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count(), UINT32_MAX));
  }
  return Summarize(nanoseconds);
}

// The data sizes at which the memory is measured: within, near and beyond the cache a core got on the benchmark
// machine (~10-12 MB; the lines a single check of large touches come to ~11 MB).
constexpr size_t kReadLatencyMegabytes[] = {8, 16, 64};

// The cost of reading the clock twice, which every timed single check includes.
double TimerOverheadNs() {
  std::vector<uint32_t> nanoseconds(200'000);
  for (uint32_t& ns : nanoseconds) {
    const Clock::time_point start = Clock::now();
    const Clock::time_point end = Clock::now();
    ns = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  }
  return Summarize(nanoseconds).p50;
}

struct Throughput {
  double per_second = 0;
  double cores_used = 0;  // CPU time over wall time: less than the threads asked for when the machine is busy
};

// Checks per second on `threads` threads for about `seconds`. Each thread runs work(t, checksum, stop): it makes
// checks in rounds, asks stop() between rounds, and returns how many it made, adding what it produced to checksum.
template <typename Work>
Throughput Rate(unsigned threads, double seconds, uint64_t& checksum, Work work) {
  std::vector<uint64_t> done(threads, 0), sums(threads, 0);
  std::vector<double> elapsed(threads, 0);
  std::latch ready(threads + 1);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.arrive_and_wait();
      const Clock::time_point start = Clock::now();
      done[t] = work(t, sums[t], [&] { return SecondsSince(start) >= seconds; });
      elapsed[t] = SecondsSince(start);
    });
  }
  const double cpu_before = CpuSeconds();
  const Clock::time_point start = Clock::now();
  ready.arrive_and_wait();
  for (std::thread& thread : pool) thread.join();
  const double wall = SecondsSince(start);
  uint64_t total = 0;
  for (unsigned t = 0; t < threads; ++t) {
    total += done[t];
    checksum += sums[t];
  }
  return {static_cast<double>(total) / *std::max_element(elapsed.begin(), elapsed.end()),
          (CpuSeconds() - cpu_before) / wall};
}

// The batch answer of each check goes to a per-thread string, emptied every 10,000 items like one POST /v1/check
// body; its bytes go to the checksum.
class AnswerSink {
 public:
  explicit AnswerSink(uint64_t& checksum) : checksum_(checksum) { out_.reserve(10'000 * 96); }
  ~AnswerSink() { checksum_ += out_.size(); }
  void Append(const Snapshot& snapshot, std::string_view asked, Index app, const Decision& decision) {
    rules::AppendBatchItem(out_, snapshot, asked, app, &decision);
    if (++items_ % 10'000 == 0) {
      checksum_ += out_.size();
      out_.clear();
    }
  }

 private:
  uint64_t& checksum_;
  std::string out_;
  uint64_t items_ = 0;
};

// Random pairs: each check a question of its own (device and app), Evaluate and the batch answer item.
Throughput BatchRate(const Snapshot& snapshot, const std::vector<Resolved>& known, unsigned threads, double seconds,
                     uint64_t& checksum) {
  return Rate(threads, seconds, checksum, [&](unsigned t, uint64_t& sum, auto stop) {
    Decision decision;
    AnswerSink sink(sum);
    size_t i = t * known.size() / threads;
    uint64_t count = 0;
    do {
      for (int k = 0; k < 1024; ++k, ++count) {
        const Resolved& r = known[i];
        if (++i == known.size()) i = 0;
        snapshot.Evaluate(*r.query, decision);
        sink.Append(snapshot, r.question->app, r.query->app, decision);
      }
    } while (!stop());
    return count;
  });
}

// A fleet sweep, as POST /v1/check answers a {"device", "apps"} body: each device of the questions asked about
// kSweepApps apps (those of the questions, in turn), the device prepared once (Snapshot::Prepare, counted), then
// Evaluate and the batch answer item for each app. The apps are read as rules::AnswerBatch reads a body's: their ids
// one after another in one text, each resolved and its record asked for (Snapshot::Prefetch) a question ahead.
constexpr size_t kSweepApps = 80;
Throughput SweepRate(const Snapshot& snapshot, const std::vector<Resolved>& known, unsigned threads, double seconds,
                     uint64_t& checksum) {
  struct AskedApp {
    Index app;
    std::string_view id;
  };
  std::string ids;
  for (const Resolved& r : known) ids += r.question->app;
  std::vector<AskedApp> apps;
  apps.reserve(known.size());
  for (size_t i = 0, at = 0; i < known.size(); at += known[i++].question->app.size()) {
    apps.push_back({known[i].query->app, std::string_view(ids).substr(at, known[i].question->app.size())});
  }
  return Rate(threads, seconds, checksum, [&](unsigned t, uint64_t& sum, auto stop) {
    Decision decision;
    Snapshot::PreparedDevice prepared;
    AnswerSink sink(sum);
    size_t device = t * known.size() / threads, app = device * kSweepApps % known.size();
    uint64_t count = 0;
    do {
      const Query& asked = *known[device].query;
      if (++device == known.size()) device = 0;
      snapshot.Prepare(asked.device, prepared);
      for (size_t k = 0; k < kSweepApps; ++k, ++count) {
        const AskedApp& a = apps[app];
        if (++app == apps.size()) app = 0;
        snapshot.Prefetch(apps[app].app);
        snapshot.Evaluate(prepared, a.app, asked.as_of, decision);
        sink.Append(snapshot, a.id, a.app, decision);
      }
    } while (!stop());
    return count;
  });
}

// Questions per second through the POST /v1/check handler's own work, without HTTP: 10,000-question bodies read,
// validated, resolved, evaluated and answered by rules::AnswerBatch.
double PostHandlerRate(const Snapshot& snapshot, const std::vector<Question>& questions, double seconds,
                       uint64_t& checksum) {
  constexpr size_t kPairs = 10'000;
  // A question about an entity the catalog does not know would have the whole body refused (422); one about an
  // unknown app is answered ("unknown") and stays.
  std::vector<const Question*> answerable;
  for (const Question& q : questions) {
    if (snapshot.ResolveDevice(q.device).ok()) answerable.push_back(&q);
  }
  if (answerable.empty()) return 0;
  std::vector<std::string> bodies;
  for (size_t start = 0; bodies.size() < 4; start += kPairs) {
    std::vector<Question> chunk;
    for (size_t i = 0; i < kPairs; ++i) chunk.push_back(*answerable[(start + i) % answerable.size()]);
    bodies.push_back(QueriesJson(chunk));
  }
  const Clock::time_point start = Clock::now();
  uint64_t answered = 0;
  for (size_t b = 0; answered == 0 || SecondsSince(start) < seconds; ++b) {
    Result<std::string> answer = rules::AnswerBatch(snapshot, bodies[b % bodies.size()], Date::FromYmd(2025, 1, 1));
    if (!answer.ok()) return 0;
    checksum += answer->size();
    answered += kPairs;
  }
  return static_cast<double>(answered) / SecondsSince(start);
}

Status Run(const Options& options, const std::string& command_line) {
  // Where the store (and a generated corpus) go; removed at the end.
  std::string workdir = options.workdir;
  if (workdir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "bantrack-bench.XXXXXX").string();
    if (!mkdtemp(pattern.data())) return Error(ErrorCode::kIo, "cannot create a temporary directory");
    workdir = pattern;
  } else {
    fs::create_directories(workdir);
  }
  struct Cleanup {
    std::string dir;
    bool owned;
    ~Cleanup() {
      std::error_code ignored;
      if (owned) fs::remove_all(dir, ignored);
    }
  } cleanup{workdir, options.workdir.empty()};
  const std::string db_path = workdir + "/bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_path + suffix);

  Figures figures;
  std::string bundle_path = options.bundle, queries_path = options.queries;
  std::string label = options.label;
  if (bundle_path.empty()) {
    Result<CorpusShape> shape = ShapeOf(options.shape);
    if (!shape.ok()) return shape.error();
    bundle_path = workdir + "/corpus.json";
    queries_path = workdir + "/corpus.queries.json";
    if (label.empty()) label = options.shape.preset;
    std::printf("bantrack-bench: generating the %s corpus (seed %llu) in %s\n", options.shape.preset.c_str(),
                static_cast<unsigned long long>(shape->seed), workdir.c_str());
    Result<ChildResult> generated = RunInChild([&](std::string& out) {
      return Generate(shape.value(), options.query_count, bundle_path, queries_path, out);
    });
    if (!generated.ok()) return generated.error();
    figures.Merge(generated->out);
  }
  if (label.empty()) label = fs::path(bundle_path).stem().string();
  figures.Set("label", label);
  figures.Set("cores", CoreCount());
  figures.Set("ram_bytes", static_cast<double>(TotalRamBytes()));

  figures.Set("load_before", LoadAverage());
  std::printf("bantrack-bench %s: %s, %s\nmachine: %u cores, %s, %s RAM; load average %.2f\n", label.c_str(),
              bundle_path.c_str(), queries_path.c_str(), CoreCount(), CpuModel().c_str(),
              FormatBytes(TotalRamBytes()).c_str(), LoadAverage());

  std::printf("write path (a child process)\n");
  Result<ChildResult> written = RunInChild([&](std::string& out) { return WritePath(bundle_path, db_path, out); });
  if (!written.ok()) return written.error();
  figures.Merge(written->out);
  figures.Set("import_peak_rss_bytes", static_cast<double>(written->peak_rss_bytes));
  Print("corpus", Figures::Number(figures.Get("entities")) + " entities, " + Figures::Number(figures.Get("publishers")) +
                      " publishers, " + Figures::Number(figures.Get("apps")) + " apps, " +
                      Figures::Number(figures.Get("rules")) + " rules; bundle " +
                      Figures::Number(figures.Get("bundle_bytes") / 1e6) + " MB");
  Print("parse + validate the bundle (rules::ReadBundle from the file)", FormatSeconds(figures.Get("parse_validate_s")));
  Print("import into a new SQLite store (db::Catalog::Import, replace)", FormatSeconds(figures.Get("import_s")));
  Print("peak RSS", FormatBytes(written->peak_rss_bytes));

  std::printf("a server's life (a child process: startup as `bantrack serve` does it, then writes)\n");
  Result<ChildResult> served =
      RunInChild([&](std::string& out) { return ServerLife(db_path, queries_path, options.writes, out); });
  if (!served.ok()) return served.error();
  figures.Merge(served->out);
  figures.Set("server_peak_rss_bytes", static_cast<double>(served->peak_rss_bytes));
  Print("startup: load + compile (db::Catalog::Open)", FormatSeconds(figures.Get("startup_s")));
  Print("RSS after startup", FormatBytes(static_cast<size_t>(figures.Get("startup_rss_bytes"))));
  if (options.writes > 0) {
    Print("write-to-visible (Catalog::Update, then a check sees it; median of " + std::to_string(options.writes) + ")",
          FormatSeconds(figures.Get("write_visible_median_s")) + " (min " +
              FormatSeconds(figures.Get("write_visible_min_s")) + ", max " +
              FormatSeconds(figures.Get("write_visible_max_s")) + ")");
  }
  Print("peak RSS (startup and writes: two snapshots alive during a write)", FormatBytes(served->peak_rss_bytes));

  std::printf("the engine (this process)\n");
  Result<std::vector<Question>> questions = ReadQueries(queries_path);
  if (!questions.ok()) return questions.error();
  Clock::time_point start = Clock::now();
  Result<std::unique_ptr<db::Store>> store = db::Store::Open(db_path);
  if (!store.ok()) return store.error();
  Result<Model> loaded = store.value()->Load();
  if (!loaded.ok()) return loaded.error();
  figures.Set("load_s", SecondsSince(start));
  Print("load from the store (db::Store::Load)", FormatSeconds(figures.Get("load_s")));

  std::vector<double> compile_seconds;
  std::shared_ptr<const Snapshot> snapshot;
  for (int run = 0; run < std::max(1, options.compile_runs); ++run) {
    snapshot.reset();
    Model copy = loaded.value();
    start = Clock::now();
    Result<std::shared_ptr<const Snapshot>> built = Snapshot::Build(std::move(copy), "bench");
    compile_seconds.push_back(SecondsSince(start));
    if (!built.ok()) return built.error();
    snapshot = std::move(built).value();
  }
  loaded.value() = Model();
  figures.Set("compile_min_s", *std::min_element(compile_seconds.begin(), compile_seconds.end()));
  figures.Set("compile_median_s", Median(compile_seconds));
  Print("compile (Snapshot::Build: sort, validate, compile; median of " + std::to_string(compile_seconds.size()) + ")",
        FormatSeconds(figures.Get("compile_median_s")) + " (min " + FormatSeconds(figures.Get("compile_min_s")) + ")");

  const std::vector<Resolved> resolved = Resolve(*snapshot, questions.value());
  std::vector<Resolved> known;
  OutcomeCounts outcomes{};
  Decision decision;
  for (const Resolved& r : resolved) {
    if (!r.query) {
      ++outcomes[kUnknownApp];
      continue;
    }
    snapshot->Evaluate(*r.query, decision);
    ++outcomes[static_cast<size_t>(decision.verdict)];
    known.push_back(r);
  }
  if (known.empty()) return Error(ErrorCode::kInvalidData, queries_path + ": no question names a known app");
  figures.Set("questions", static_cast<double>(resolved.size()));
  std::string mix;
  for (size_t o = kOutcomeCount; o-- > 0;) {
    figures.Set("outcome_" + std::string(OutcomeName(o)), static_cast<double>(outcomes[o]));
    mix += std::string(o + 1 < kOutcomeCount ? ", " : "") + std::string(OutcomeName(o)) + " " +
           Figures::Number(static_cast<double>(outcomes[o]));
  }
  Print("questions: " + std::to_string(resolved.size()), mix);
  {
    std::vector<uint32_t> candidates = CandidateCounts(*snapshot, known);
    const Percentiles c = Summarize(candidates);
    figures.Set("candidates_p50", c.p50);
    figures.Set("candidates_p99", c.p99);
    figures.Set("candidates_mean", c.mean);
    Print("rules a check considers (issued by the device's ancestors)", "p50 " + Figures::Number(c.p50) + ", p99 " +
                                                                           Figures::Number(c.p99) + ", mean " +
                                                                           Figures::Number(c.mean));
  }

  uint64_t checksum = 0;
  std::vector<const Query*> queries;
  for (const Resolved& r : known) queries.push_back(&*r.query);
  // The machine's memory as the single checks meet it: in a child, so that its buffers are not this process's peak.
  {
    Result<ChildResult> memory = RunInChild([](std::string& out) {
      for (size_t megabytes : kReadLatencyMegabytes) {
        out += Line("read_" + std::to_string(megabytes) + "mb_ns", DependentReadNs(megabytes << 20, 2'000'000));
      }
      return Status{};
    });
    if (!memory.ok()) return memory.error();
    figures.Merge(memory->out);
    std::string reads;
    for (size_t megabytes : kReadLatencyMegabytes) {
      reads += (reads.empty() ? "" : ", ") + std::to_string(megabytes) + " MB: " +
               FormatSeconds(figures.Get("read_" + std::to_string(megabytes) + "mb_ns") * 1e-9);
    }
    Print("memory latency: a dependent read at random in", reads);
  }
  const double overhead_ns = TimerOverheadNs();
  const Percentiles check = SingleCheckLatency(*snapshot, queries, options.samples, Asked::kInTurn, checksum);
  figures.Set("timer_overhead_ns", overhead_ns);
  figures.Set("check_p50_ns", check.p50);
  figures.Set("check_p99_ns", check.p99);
  figures.Set("check_p999_ns", check.p999);
  figures.Set("check_max_ns", check.max);
  figures.Set("check_mean_ns", check.mean);
  Print("single check (Snapshot::Evaluate, warm, " + std::to_string(options.samples) + " timed calls)",
        "p50 " + FormatSeconds(check.p50 * 1e-9) + ", p99 " + FormatSeconds(check.p99 * 1e-9) + ", p99.9 " +
            FormatSeconds(check.p999 * 1e-9) + ", max " + FormatSeconds(check.max * 1e-9) + ", mean " +
            FormatSeconds(check.mean * 1e-9));
  Print("  (each includes reading the clock twice)", FormatSeconds(overhead_ns * 1e-9));
  const Percentiles repeated = SingleCheckLatency(*snapshot, queries, options.samples, Asked::kJustBefore, checksum);
  figures.Set("check_repeated_p50_ns", repeated.p50);
  figures.Set("check_repeated_p99_ns", repeated.p99);
  Print("single check of the question just asked (its data in cache)",
        "p50 " + FormatSeconds(repeated.p50 * 1e-9) + ", p99 " + FormatSeconds(repeated.p99 * 1e-9));

  // The explanation: the verdict document of GET /v1/check, rendered as the API renders it.
  {
    const size_t count = std::min<size_t>(known.size(), 20'000);
    std::vector<uint32_t> nanoseconds(count);
    std::vector<uint32_t> sizes(count);
    for (size_t i = 0; i < count; ++i) {
      const Resolved& r = known[i];
      snapshot->Evaluate(*r.query, decision);
      const Clock::time_point begin = Clock::now();
      const std::string body = rules::VerdictJson(*snapshot, r.query->app, r.question->device, r.query->as_of, decision);
      nanoseconds[i] = static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count());
      sizes[i] = static_cast<uint32_t>(body.size());
      checksum += body.size();
    }
    const Percentiles explain = Summarize(nanoseconds);
    const double median_bytes = Summarize(sizes).p50;
    figures.Set("explain_p50_ns", explain.p50);
    figures.Set("explain_p99_ns", explain.p99);
    figures.Set("explain_mean_ns", explain.mean);
    figures.Set("answer_median_bytes", median_bytes);
    Print("explanation (rules::VerdictJson, " + std::to_string(count) + " answers)",
          "p50 " + FormatSeconds(explain.p50 * 1e-9) + ", p99 " + FormatSeconds(explain.p99 * 1e-9) + ", mean " +
              FormatSeconds(explain.mean * 1e-9) + "; median answer " + Figures::Number(median_bytes) + " bytes");
  }

  // On one thread, then on --threads (all cores by default): random pairs, then a fleet sweep.
  auto batch = [&](auto rate, const std::string& key, const std::string& what, bool all_threads) {
    const unsigned threads = all_threads ? options.threads : 1;
    const std::string name = key + (all_threads ? "_all" : "_1");
    const Throughput run = rate(*snapshot, known, threads, options.seconds, checksum);
    figures.Set(name + "_per_s", run.per_second);
    figures.Set(name + "_cores_used", run.cores_used);
    char cores[48];
    std::snprintf(cores, sizeof cores, " (%.2f cores busy)", run.cores_used);
    Print(what + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads"),
          FormatRate(run.per_second) + " checks" + cores);
  };
  figures.Set("batch_threads", options.threads);
  for (bool all_threads : {false, true}) {
    batch(BatchRate, "batch", "batch of random pairs (Evaluate + AppendBatchItem into a string)", all_threads);
  }
  for (bool all_threads : {false, true}) {
    batch(SweepRate, "sweep",
          "fleet sweep, " + std::to_string(kSweepApps) + " apps a device (Prepare once, then Evaluate + AppendBatchItem)",
          all_threads);
  }
  const double post_rate = PostHandlerRate(*snapshot, questions.value(), options.seconds, checksum);
  if (post_rate == 0) return Error(ErrorCode::kInternal, "rules::AnswerBatch refused a generated body");
  figures.Set("post_handler_per_s", post_rate);
  Print("POST /v1/check handler without HTTP, 1 thread (rules::AnswerBatch, 10,000 a body)",
        FormatRate(post_rate) + " questions");
  figures.Set("engine_peak_rss_bytes", static_cast<double>(PeakRssBytes()));
  Print("RSS now / peak (this process: the loaded model, compile copies, one snapshot)",
        FormatBytes(CurrentRssBytes()) + " / " + FormatBytes(PeakRssBytes()));
  figures.Set("load_after", LoadAverage());
  std::printf("load average %.2f at the end; checksum %llu (the work was done)\nreproduce: %s\n", LoadAverage(),
              static_cast<unsigned long long>(checksum), command_line.c_str());
  if (!options.results.empty()) {
    if (Status saved = WriteFile(options.results, figures.Lines()); !saved.ok()) return saved;
  }
  return {};
}

}  // namespace
}  // namespace bantrack::bench

int main(int argc, char** argv) {
  using namespace bantrack::bench;
  CLI::App app{"bantrack-bench: the in-process benchmark of one corpus (docs/PERFORMANCE.md). Give a bundle and its "
               "questions (from bantrack-gen), or corpus options to generate them first.",
               "bantrack-bench"};
  Options options;
  app.add_option("--bundle", options.bundle, "the corpus, a bantrack/v1 bundle (with --queries)");
  app.add_option("--queries", options.queries, "questions about it, a POST /v1/check {\"queries\": [...]} body");
  app.add_option("--label", options.label, "name of the corpus in the report (default: the preset or file name)");
  AddShapeOptions(app, options.shape);
  app.add_option("--query-count", options.query_count, "questions to generate (without --bundle)")->capture_default_str();
  app.add_option("--samples", options.samples, "single checks timed one by one")->capture_default_str();
  app.add_option("--seconds", options.seconds, "length of each batch throughput run")->capture_default_str();
  app.add_option("--compile-runs", options.compile_runs, "compilations to take the median of")->capture_default_str();
  app.add_option("--writes", options.writes, "writes to take the write-to-visible median of")->capture_default_str();
  app.add_option("--threads", options.threads, "threads of the second batch run (default: all cores)");
  app.add_option("--results", options.results, "write the figures to this file as key=value lines");
  app.add_option("--workdir", options.workdir, "directory for the store (default: a temporary one, removed after)");
  CLI11_PARSE(app, argc, argv);
  if (options.bundle.empty() != options.queries.empty()) {
    std::cerr << "bantrack-bench: --bundle and --queries go together\n";
    return 2;
  }
  if (options.samples == 0 || options.threads == 0 || options.seconds <= 0) {
    std::cerr << "bantrack-bench: --samples, --threads and --seconds must be positive\n";
    return 2;
  }
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  bantrack::Status ran = Run(options, command_line);
  if (!ran.ok()) {
    std::cerr << "bantrack-bench: " << ran.error().ToString() << "\n";
    return 1;
  }
  return 0;
}
