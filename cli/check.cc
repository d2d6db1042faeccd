// bantrack check: one app on one device. bantrack allowlist: every app of a file on one device.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/cli.h"
#include "rules/batch_json.h"
#include "rules/bundle.h"
#include "rules/verdict_json.h"

namespace bantrack::cli {
namespace {

bool Flagged(Verdict verdict) { return verdict == Verdict::kBanned || verdict == Verdict::kRestricted; }

// What every device-based command needs before evaluating: the parsed flags and a resolved device.
struct Question {
  std::unique_ptr<db::Catalog> catalog;
  std::shared_ptr<const Snapshot> snapshot;
  DeviceSpec asked;
  Device device;
  Date as_of;
};

Result<Question> Prepare(const GlobalOptions& options, const DeviceFlags& flags) {
  Question q;
  Result<DeviceSpec> spec = ParseDeviceFlags(flags);
  if (!spec.ok()) return std::move(spec).take_error();
  Result<Date> as_of = ParseAsOf(flags.as_of);
  if (!as_of.ok()) return std::move(as_of).take_error();
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return std::move(catalog).take_error();
  q.catalog = std::move(catalog).value();
  q.snapshot = q.catalog->snapshot();
  q.asked = std::move(spec).value();
  q.as_of = as_of.value();
  Result<Device> device = q.snapshot->ResolveDevice(q.asked);
  if (!device.ok()) {
    // "owner: unknown entity" reads better with the flag's name.
    std::vector<FieldError> details;
    for (const FieldError& d : device.error().details()) details.push_back({"--" + d.path, d.message});
    if (details.size() == 1) return Error(ErrorCode::kNotFound, details[0].path + ": " + details[0].message +
                                                                    " (find ids with `bantrack list entities --q TEXT`)");
    return Error(ErrorCode::kNotFound, "unknown entities", std::move(details));
  }
  q.device = std::move(device).value();
  return q;
}

int RunCheck(const GlobalOptions& options, const DeviceFlags& flags, const std::string& app_text) {
  Result<Question> question = Prepare(options, flags);
  if (!question.ok()) return Fail(question.error());
  const Question& q = question.value();
  std::optional<Index> app = q.snapshot->ResolveApp(app_text);
  if (!app) {
    return Fail(Error(ErrorCode::kNotFound, "--app: unknown app \"" + app_text +
                                                "\" (an app id, or ios:/android:/web: store identifier; find ids with "
                                                "`bantrack list apps --q TEXT`)"));
  }
  Decision decision;
  q.snapshot->Evaluate(Query{*app, q.device, q.as_of}, decision);
  if (flags.json) {
    std::cout << rules::VerdictJson(*q.snapshot, *app, q.asked, q.as_of, decision);
  } else if (flags.brief) {
    std::cout << VerdictLine(*q.snapshot, *app, q.asked, q.as_of, decision);
  } else {
    std::cout << VerdictText(*q.snapshot, *app, q.asked, q.as_of, decision);
  }
  return Flagged(decision.verdict) ? kExitFlagged : kExitOk;
}

// The entries of an allowlist file: one app id or store identifier a line; blank lines and # comments skipped.
Result<std::vector<std::string>> ReadAllowlist(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) return Error(ErrorCode::kIo, "cannot read allowlist file " + path);
    in = &file;
  }
  std::vector<std::string> entries;
  for (std::string line; std::getline(*in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const size_t end = line.find_last_not_of(" \t\r");
    entries.push_back(line.substr(begin, end - begin + 1));
  }
  return entries;
}

int RunAllowlist(const GlobalOptions& options, const DeviceFlags& flags, const std::string& path) {
  Result<std::vector<std::string>> entries = ReadAllowlist(path);
  if (!entries.ok()) return Fail(entries.error());
  Result<Question> question = Prepare(options, flags);
  if (!question.ok()) return Fail(question.error());
  const Question& q = question.value();

  std::string results;  // the JSON items, comma-separated
  std::map<std::string, int> counts;
  bool flagged = false;
  Decision decision;
  std::ostringstream text;
  Snapshot::PreparedDevice device;  // one device, many apps
  q.snapshot->Prepare(q.device, device);
  for (const std::string& entry : entries.value()) {
    std::optional<Index> app = q.snapshot->ResolveApp(entry);
    if (app) {
      q.snapshot->Evaluate(device, *app, q.as_of, decision);
      flagged |= Flagged(decision.verdict);
    }
    if (!results.empty()) results += ',';
    rules::AppendBatchItem(results, *q.snapshot, entry, app, app ? &decision : nullptr);
    const std::string verdict(app ? Name(decision.verdict) : "unknown");
    ++counts[verdict];
    text << "  " << std::left << std::setw(13) << verdict << std::setw(36) << entry;
    if (app) {
      text << q.snapshot->model().apps[*app].name;
      std::string decisive;
      for (size_t i = 0; i < decision.decisive_count(); ++i) {
        decisive += (i ? ", " : "") + q.snapshot->model().rules[decision.matches[i].rule].id;
      }
      if (!decisive.empty()) text << " — " << decisive;
    } else {
      text << "not in the catalog";
    }
    text << "\n";
  }

  if (flags.json) {
    nlohmann::ordered_json doc;
    doc["device"] = rules::DeviceJson(q.asked);
    doc["as_of"] = q.as_of.ToString();
    doc["results"] = nlohmann::ordered_json::parse("[" + results + "]");
    doc["snapshot"] = q.snapshot->version();
    std::cout << doc.dump(2) << "\n";
  } else {
    std::cout << "Allowlist " << path << ": " << Name(q.asked.kind) << " device";
    if (!q.asked.owner.empty()) std::cout << " owned by " << q.asked.owner;
    if (!q.asked.location.empty()) std::cout << ", in " << q.asked.location;
    if (!q.asked.network.empty()) std::cout << ", on network " << q.asked.network;
    std::cout << ", as of " << q.as_of.ToString() << "\n" << text.str();
    std::cout << entries.value().size() << " apps:";
    const char* order[] = {"banned", "restricted", "under-review", "allowed", "unknown"};
    for (const char* verdict : order) std::cout << " " << counts[verdict] << " " << verdict << (verdict == order[4] ? "" : ",");
    std::cout << "\nRun `bantrack check --app ID ...` for the reasons and sources of one app.\n";
  }
  return flagged ? kExitFlagged : kExitOk;
}

int RunBatch(const GlobalOptions& options, const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Fail(Error(ErrorCode::kIo, "cannot read " + path));
    in = &file;
  }
  std::ostringstream text;
  text << in->rdbuf();
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  rules::BatchCounts counts;
  Result<std::string> answers =
      rules::AnswerBatch(*catalog.value()->snapshot(), text.str(), rules::UtcToday(), &counts);
  if (!answers.ok()) return Fail(Error(answers.error().code(), path + ": " + answers.error().message(), answers.error().details()));
  std::cout << answers.value();
  const bool flagged = counts.verdicts[static_cast<size_t>(Verdict::kBanned)] > 0 ||
                       counts.verdicts[static_cast<size_t>(Verdict::kRestricted)] > 0;
  return flagged ? kExitFlagged : kExitOk;
}

}  // namespace

void AddCheckCommands(CLI::App& app, GlobalOptions& options, Command& command) {
  {
    auto* check = app.add_subcommand("check", "May app A be on device D as of date T — and why? "
                                              "Exit 0: not banned or restricted; 1: banned or restricted; 2: bad input");
    auto flags = std::make_shared<DeviceFlags>();
    auto app_text = std::make_shared<std::string>();
    check->add_option("--app", *app_text, "app id, or store identifier ios:<bundle id> / android:<package> / web:<domain>")
        ->required();
    AddDeviceFlags(*check, *flags, /*kind_required=*/true);
    check->add_flag("--brief", flags->brief, "print one line: the verdict and the deciding rules");
    check->callback([&options, &command, flags, app_text] {
      command = [&options, flags, app_text] { return RunCheck(options, *flags, *app_text); };
    });
  }
  {
    auto* allowlist = app.add_subcommand(
        "allowlist", "Check every app of FILE (one app id or store identifier a line; # comments) on one device. "
                     "Exit 0: none banned or restricted; 1: some; 2: bad input. Apps not in the catalog are 'unknown'");
    auto flags = std::make_shared<DeviceFlags>();
    auto path = std::make_shared<std::string>();
    allowlist->add_option("FILE", *path, "the allowlist or inventory file, - for standard input")->required();
    AddDeviceFlags(*allowlist, *flags, /*kind_required=*/true);
    allowlist->callback([&options, &command, flags, path] {
      command = [&options, flags, path] { return RunAllowlist(options, *flags, *path); };
    });
  }
  {
    auto* batch = app.add_subcommand(
        "batch", "Answer many questions from a JSON file, exactly as POST /v1/check does: {\"device\": {...}, \"apps\": "
                 "[...]} or {\"queries\": [{\"device\": {...}, \"app\": ..., \"as_of\"?: ...}]}. Prints the "
                 "results document; exit 0: none banned or restricted; 1: some; 2: bad input");
    auto path = std::make_shared<std::string>();
    batch->add_option("FILE", *path, "the questions, - for standard input")->required();
    batch->callback([&options, &command, path] { command = [&options, path] { return RunBatch(options, *path); }; });
  }
}

}  // namespace bantrack::cli
