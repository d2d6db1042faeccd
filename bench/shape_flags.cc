#include "bench/shape_flags.h"

namespace bantrack::bench {

void AddShapeOptions(CLI::App& app, ShapeFlags& flags) {
  app.add_option("--preset", flags.preset, "small (~200 entities, 300 apps, 500 rules), large (10,000 / 20,000 / "
                                           "50,000) or huge (100,000 / 200,000 / 500,000)")
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "random seed: the same seed and sizes give a byte-identical corpus")
      ->capture_default_str();
  app.add_option("--entities", flags.entities, "number of entities (default: the preset's)");
  app.add_option("--publishers", flags.publishers, "number of publishers (default: the preset's)");
  app.add_option("--apps", flags.apps, "number of apps (default: the preset's)");
  app.add_option("--rules", flags.rules, "number of rules (default: the preset's)");
  app.add_option("--depth", flags.depth, "levels of the entity hierarchy, roots included, 3-10 (default 6)");
  app.add_option("--ownership-depth", flags.ownership_depth,
                 "levels of the publisher ownership hierarchy, 1-8 (default 4)");
}

Result<CorpusShape> ShapeOf(const ShapeFlags& flags) {
  std::optional<CorpusShape> shape = Preset(flags.preset);
  if (!shape) return Error(ErrorCode::kInvalidInput, "--preset: expected small, large or huge, got \"" + flags.preset + "\"");
  shape->seed = flags.seed;
  auto override = [](auto& field, auto value) {
    if (value != 0) field = value;
  };
  override(shape->entities, flags.entities);
  override(shape->publishers, flags.publishers);
  override(shape->apps, flags.apps);
  override(shape->rules, flags.rules);
  override(shape->depth, flags.depth);
  override(shape->ownership_depth, flags.ownership_depth);
  if (std::string problem = ShapeProblem(*shape); !problem.empty()) return Error(ErrorCode::kInvalidInput, problem);
  return *shape;
}

}  // namespace bantrack::bench
