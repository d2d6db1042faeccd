// bantrack-gen: writes a synthetic corpus as a bantrack/v1 bundle, and questions about it as a POST /v1/check body.
//
//   bantrack-gen --preset small|large|huge [--seed N] [--entities E --publishers P --apps A --rules R --depth D
//                --ownership-depth O] --bundle OUT.json [--queries N --queries-out Q.json]
//
// The same options give byte-identical files. The differential tests call `--preset small --seed S --queries
// 10000`: keep that interface. The corpus is described in docs/PERFORMANCE.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <unordered_map>

#include <CLI/CLI.hpp>

#include "bench/files.h"
#include "bench/shape_flags.h"

namespace {

using namespace bantrack;
using namespace bantrack::bench;

std::string Percent(size_t part, size_t whole) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / whole);
  return text;
}

// How the rules are spread: over issuers (top = supranational bodies and countries), effects and statuses.
void PrintRuleStats(const Model& model) {
  std::unordered_map<std::string_view, size_t> per_issuer;
  std::unordered_map<std::string_view, bool> is_top;
  for (const Entity& e : model.entities) {
    is_top[e.id] = e.kind == EntityKind::kCountry || e.kind == EntityKind::kSupranational;
  }
  size_t by_top = 0, effects[3] = {}, last_status[5] = {}, with_tags = 0, entries = 0;
  for (const Rule& rule : model.rules) {
    ++per_issuer[rule.issuer];
    by_top += is_top[rule.issuer];
    ++effects[static_cast<int>(rule.effect)];
    ++last_status[static_cast<int>(rule.timeline.back().status)];
    with_tags += !rule.device_tags.empty();
    entries += rule.timeline.size();
  }
  std::vector<size_t> counts;
  for (const auto& [issuer, count] : per_issuer) counts.push_back(count);
  std::sort(counts.begin(), counts.end());
  const size_t rules = model.rules.size();
  if (rules == 0) return;
  std::cout << "  issuers: " << counts.size() << " of " << model.entities.size() << " entities issue rules; per issuer "
            << "median " << counts[counts.size() / 2] << ", max " << counts.back()
            << "; supranational bodies and countries issue " << Percent(by_top, rules) << "\n"
            << "  effects: ban " << Percent(effects[0], rules) << ", restrict " << Percent(effects[1], rules)
            << ", exempt " << Percent(effects[2], rules) << "; device tags on " << Percent(with_tags, rules)
            << "; timeline entries per rule " << static_cast<double>(entries) / rules << "\n"
            << "  latest status:";
  for (int s = 0; s < 5; ++s) {
    std::cout << (s ? ", " : " ") << Name(static_cast<RuleStatus>(s)) << " " << Percent(last_status[s], rules);
  }
  std::cout << "\n";
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bantrack-gen: a deterministic synthetic corpus (bantrack/v1 bundle) and questions about it "
               "(a POST /v1/check body). See docs/PERFORMANCE.md.",
               "bantrack-gen"};
  ShapeFlags flags;
  AddShapeOptions(app, flags);
  std::string bundle_path, queries_path;
  size_t query_count = 0;
  app.add_option("--bundle", bundle_path, "where to write the bundle")->required();
  app.add_option("--queries", query_count, "how many questions to draw (with --queries-out)");
  app.add_option("--queries-out", queries_path, "where to write the questions, a POST /v1/check body, one a line");
  CLI11_PARSE(app, argc, argv);
  if ((query_count > 0) != !queries_path.empty()) {
    std::cerr << "bantrack-gen: --queries N and --queries-out FILE go together\n";
    return 2;
  }
  Result<CorpusShape> shape = ShapeOf(flags);
  if (!shape.ok()) {
    std::cerr << "bantrack-gen: " << shape.error().message() << "\n";
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  Result<WrittenCorpus> written = WriteCorpus(shape.value(), bundle_path, query_count, queries_path);
  if (!written.ok()) {
    std::cerr << "bantrack-gen: " << written.error().ToString() << "\n";
    return 1;
  }
  const Model& model = written->snapshot->model();
  std::cout << "bantrack-gen: " << flags.preset << ", seed " << shape->seed << ": " << model.entities.size()
            << " entities (depth " << shape->depth << "), " << model.publishers.size()
            << " publishers (ownership depth " << shape->ownership_depth << "), " << model.apps.size() << " apps, "
            << model.rules.size() << " rules\n"
            << "  wrote " << bundle_path << " (" << written->bundle_bytes / 1'000'000.0 << " MB)\n";
  PrintRuleStats(model);
  if (query_count > 0) {
    const DrawnQuestions& drawn = written->drawn;
    std::cout << "  wrote " << queries_path << ": " << drawn.questions.size() << " questions:";
    for (size_t o = kOutcomeCount; o-- > 0;) {
      std::cout << " " << OutcomeName(o) << " " << Percent(drawn.outcomes[o], drawn.questions.size())
                << (o > 0 ? "," : "\n");
    }
    for (size_t o = 0; o < kOutcomeCount; ++o) {
      if (query_count >= kOutcomeCount && drawn.outcomes[o] == 0) {
        std::cerr << "bantrack-gen: warning: no question is " << OutcomeName(o)
                  << " (the corpus cannot produce it)\n";
      }
    }
  }
  std::cout << "  took " << SecondsSince(start) << " s\n";
  return 0;
}
