// Pieces shared by the bantrack commands. Each command file registers its subcommands on the CLI11 app; the
// registered callback stores the work to run in `Command`, which main() runs after parsing succeeded.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "db/catalog.h"
#include "engine/query.h"
#include "engine/snapshot.h"
#include "engine/status.h"

namespace bantrack::cli {

// Exit codes of every command: check and allowlist use all three.
inline constexpr int kExitOk = 0;       // nothing banned or restricted
inline constexpr int kExitFlagged = 1;  // something banned or restricted
inline constexpr int kExitUsage = 2;    // bad usage or input; nothing was written

using Command = std::function<int()>;

struct GlobalOptions {
  std::string db;        // --db, $BANTRACK_DB, or bantrack.db
  std::string seed_dir;  // --seed, $BANTRACK_SEED, or the repository's seed-data/
};

// Opens the database, creating it and filling it from the seed bundles (*.json in seed_dir, by name) when the
// file does not exist yet. A seed that fails leaves no database file behind.
Result<std::unique_ptr<db::Catalog>> OpenCatalog(const GlobalOptions& options);

// Parses an optional --as-of value (empty = today); kInvalidInput naming the flag otherwise.
Result<Date> ParseAsOf(const std::string& text);

// Device flags shared by check, allowlist and blocklist.
struct DeviceFlags {
  std::string kind;
  std::string owner, location, network, tags;
  std::string as_of;
  bool json = false;
  bool brief = false;  // check only: one line
};
void AddDeviceFlags(CLI::App& command, DeviceFlags& flags, bool kind_required);
// Checks the flags' syntax (slugs, tag list) without touching the database.
Result<DeviceSpec> ParseDeviceFlags(const DeviceFlags& flags);

// "bantrack: error: <message>" and one line per detail, on stderr. Returns kExitUsage.
int Fail(const Error& error);

// One line: the verdict, the app, the device, the date and the deciding rules.
std::string VerdictLine(const Snapshot& snapshot, Index app, const DeviceSpec& device, Date as_of,
                        const Decision& decision);
// The human-readable answer of `bantrack check`: the verdict, why, and the sources.
std::string VerdictText(const Snapshot& snapshot, Index app, const DeviceSpec& device, Date as_of,
                        const Decision& decision);

void AddCheckCommands(CLI::App& app, GlobalOptions& options, Command& command);  // check, allowlist
void AddDataCommands(CLI::App& app, GlobalOptions& options, Command& command);   // import, export, validate, list
void AddTokenCommands(CLI::App& app, GlobalOptions& options, Command& command);  // token create|list|revoke
void AddServeCommand(CLI::App& app, GlobalOptions& options, Command& command);   // serve

}  // namespace bantrack::cli
