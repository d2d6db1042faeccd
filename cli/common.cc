#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "rules/batch_json.h"
#include "rules/bundle.h"
#include "rules/text.h"

namespace bantrack::cli {
namespace fs = std::filesystem;

namespace {

// Imports every seed bundle into a fresh catalog, in file-name order.
Status Seed(db::Catalog& catalog, const fs::path& seed_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(seed_dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec || files.empty()) {
    return Error(ErrorCode::kIo, "no seed bundles (*.json) in " + seed_dir.string() + " (set --seed or BANTRACK_SEED)");
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error(ErrorCode::kIo, "cannot read " + file.string());
    Result<Model> bundle = rules::ReadBundle(in);
    if (!bundle.ok()) {
      const Error& e = bundle.error();
      return Error(e.code(), file.string() + ": " + e.message(), e.details());
    }
    auto imported = catalog.Import(bundle.value(), /*replace_all=*/false, "seed", "initial data from " + file.filename().string());
    if (!imported.ok()) {
      const Error& e = imported.error();
      return Error(e.code(), file.string() + ": " + e.message(), e.details());
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<db::Catalog>> OpenCatalog(const GlobalOptions& options) {
  const bool fresh = !fs::exists(options.db);
  auto store = db::Store::Open(options.db);
  if (!store.ok()) return std::move(store).take_error();
  auto catalog = db::Catalog::Open(std::move(store).value(), rules::RecordJson);
  if (!catalog.ok()) return std::move(catalog).take_error();
  if (fresh) {
    Status seeded = Seed(*catalog.value(), options.seed_dir);
    if (!seeded.ok()) {
      catalog.value().reset();
      std::error_code ignored;
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(options.db + suffix, ignored);
      return Error(seeded.error().code(), "could not seed a new database: " + seeded.error().message(),
                   seeded.error().details());
    }
  }
  return catalog;
}

Result<Date> ParseAsOf(const std::string& text) {
  if (text.empty()) return rules::UtcToday();
  if (auto date = Date::Parse(text)) return *date;
  return Error(ErrorCode::kInvalidInput, "--as-of: \"" + text + "\" is not a date (expected YYYY-MM-DD)");
}

void AddDeviceFlags(CLI::App& command, DeviceFlags& flags, bool kind_required) {
  auto* kind = command.add_option("--device", flags.kind, "device kind: government, work (a personal device used for "
                                                          "its owner's business) or personal")
                   ->check(CLI::IsMember({"government", "work", "personal"}));
  if (kind_required) kind->required();
  command.add_option("--owner", flags.owner, "entity id of the organization that owns the device (or employs its user)");
  command.add_option("--location", flags.location, "entity id of where the device is (a country, state, city)");
  command.add_option("--network", flags.network, "entity id of the organization whose network the device uses");
  command.add_option("--tags", flags.tags, "comma-separated device tags, e.g. law-enforcement");
  command.add_option("--as-of", flags.as_of, "date of the question, YYYY-MM-DD (default: today, UTC)");
  command.add_flag("--json", flags.json, "print JSON for scripts instead of text");
}

Result<DeviceSpec> ParseDeviceFlags(const DeviceFlags& flags) {
  DeviceSpec spec;
  spec.kind = ParseDeviceKind(flags.kind.empty() ? "personal" : flags.kind).value_or(DeviceKind::kPersonal);
  std::vector<FieldError> problems;
  auto entity = [&](const std::string& value, const char* flag, std::string& out) {
    if (value.empty()) return;
    if (!IsSlug(value)) problems.push_back({flag, "\"" + value + "\" is not an entity id (a slug such as us-tx)"});
    out = value;
  };
  entity(flags.owner, "--owner", spec.owner);
  entity(flags.location, "--location", spec.location);
  entity(flags.network, "--network", spec.network);
  for (std::string& tag : rules::SplitList(flags.tags, ',')) {
    if (!IsSlug(tag)) problems.push_back({"--tags", "\"" + tag + "\" is not a tag (a slug such as law-enforcement)"});
    spec.tags.push_back(std::move(tag));
  }
  if (problems.size() == 1) return Error(ErrorCode::kInvalidInput, problems[0].path + ": " + problems[0].message);
  if (!problems.empty()) return Error(ErrorCode::kInvalidInput, "invalid device", std::move(problems));
  return spec;
}

int Fail(const Error& error) {
  std::cerr << "bantrack: error: " << error.ToString() << "\n";
  return kExitUsage;
}

}  // namespace bantrack::cli
