// The synthetic corpus of the benchmarks and of the differential tests: a valid bantrack/v1 data set of any
// size, drawn deterministically from a seed. How it is shaped (hierarchies, who issues how many rules, selector and
// timeline mixes) is documented in docs/PERFORMANCE.md, "The corpus"; keep the two in step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model.h"

namespace bantrack::bench {

struct CorpusShape {
  uint64_t seed = 1;
  size_t entities = 200;
  size_t publishers = 60;
  size_t apps = 300;
  size_t rules = 500;
  int depth = 6;            // levels of the entity hierarchy, the roots (supranational bodies, countries) included
  int ownership_depth = 4;  // levels of the publisher ownership hierarchy, the owners at the top included
};

// "small" (~200 entities, 300 apps, 500 rules: for tests), "large" (10,000 / 20,000 / 50,000: the issue's
// reference) and "huge" (100,000 / 200,000 / 500,000), each with seed 1; nullopt for any other name.
std::optional<CorpusShape> Preset(std::string_view name);

// What is wrong with a shape ("--depth must be 3 to 10"), or "" when it can be generated.
std::string ShapeProblem(const CorpusShape& shape);

// The data set, sorted by id, valid (Validate finds nothing). Each part (entities, publishers, apps, rules) draws
// from a random stream of its own, so changing the number of rules leaves the entities, publishers and apps as
// they were. Requires ShapeProblem(shape) to be "".
Model GenerateCorpus(const CorpusShape& shape);

}  // namespace bantrack::bench
