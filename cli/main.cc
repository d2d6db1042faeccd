// bantrack: a tracker of government restrictions on apps, and a rules engine that answers
// "may app A be on device D, as of date T — and why?"
#include <cstdlib>
#include <iostream>

#include "cli/cli.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bantrack::cli;
  CLI::App app{
      "bantrack — government restrictions on apps, with sources, and a rules engine that answers\n"
      "\"may app A be on device D, as of date T — and why?\"",
      "bantrack"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::simple);

  GlobalOptions options;
  options.db = EnvOr("BANTRACK_DB", "bantrack.db");
  options.seed_dir = EnvOr("BANTRACK_SEED", BANTRACK_SEED_DIR);
  app.add_option("--db", options.db, "SQLite database file (created and seeded on first use; env BANTRACK_DB)")
      ->capture_default_str();
  app.add_option("--seed", options.seed_dir, "directory of seed bundles for a new database (env BANTRACK_SEED)")
      ->capture_default_str();

  Command command;
  AddCheckCommands(app, options, command);
  AddDataCommands(app, options, command);
  AddTokenCommands(app, options, command);
  AddServeCommand(app, options, command);

  // CLI11 would call a mistyped command "A subcommand is required"; name it instead.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--db" || arg == "--seed") {
      ++i;
      continue;
    }
    if (arg.starts_with("-")) continue;
    auto named = [&arg](const CLI::App* sub) { return sub->check_name(arg); };
    if (app.get_subcommands(named).empty()) {
      std::string known;
      for (const CLI::App* sub : app.get_subcommands({})) known += (known.empty() ? "" : ", ") + sub->get_name();
      std::cerr << "bantrack: error: unknown command \"" << arg << "\" (commands: " << known << ")\n";
      return kExitUsage;
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "bantrack: error: " << e.what() << "\n(run `bantrack --help` or `bantrack <command> --help`)\n";
    return kExitUsage;
  }
  return command ? command() : kExitUsage;
}
