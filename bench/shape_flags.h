// The corpus options that bantrack-gen and bantrack-bench share: a preset, a seed, and overrides of its sizes.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/corpus.h"
#include "engine/status.h"

namespace bantrack::bench {

struct ShapeFlags {
  std::string preset = "small";
  uint64_t seed = 1;
  // 0: the preset's value.
  size_t entities = 0, publishers = 0, apps = 0, rules = 0;
  int depth = 0, ownership_depth = 0;
};

// Adds --preset, --seed, --entities, --publishers, --apps, --rules, --depth and --ownership-depth to `app`.
void AddShapeOptions(CLI::App& app, ShapeFlags& flags);

// The preset with the overrides applied; kInvalidInput for an unknown preset or a shape ShapeProblem refuses.
Result<CorpusShape> ShapeOf(const ShapeFlags& flags);

}  // namespace bantrack::bench
