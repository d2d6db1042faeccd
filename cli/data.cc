// bantrack import, export, validate and list: the data set as bundles, CSV and lists of ids.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "rules/bundle.h"
#include "rules/export.h"

namespace bantrack::cli {
namespace {

// The bundle at `path` ("-": standard input), opened to be parsed as it is read (a large bundle is never in memory
// as text beside its document and model); `file` keeps a file open.
Result<std::streambuf*> OpenInput(const std::string& path, std::ifstream& file) {
  if (path == "-") return std::cin.rdbuf();
  file.open(path, std::ios::binary);
  if (!file) return Error(ErrorCode::kIo, "cannot read " + path);
  return file.rdbuf();
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return {};
  }
  // Write beside the target and rename, so an interrupted export never leaves half a file.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) return Error(ErrorCode::kIo, "cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return Error(ErrorCode::kIo, "cannot write " + path);
  return {};
}

std::string Actor(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : "unknown");
}

int RunImport(const GlobalOptions& options, const std::string& path, bool replace, const std::string& reason,
              const std::string& actor, bool dry_run) {
  std::ifstream file;
  Result<std::streambuf*> input = OpenInput(path, file);
  if (!input.ok()) return Fail(input.error());
  std::istream in(input.value());
  rules::Parsed parsed = rules::ParseBundle(in);
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  std::vector<FieldError> problems =
      rules::MergeProblems(std::move(parsed.errors), catalog.value()->CheckImport(parsed.model, replace));
  if (!problems.empty()) {
    return Fail(Error(ErrorCode::kInvalidInput,
                      path + ": " + std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") +
                          "; nothing was imported",
                      std::move(problems)));
  }
  const Model& model = parsed.model;
  if (dry_run) {
    std::cout << path << ": valid against " << options.db << "; nothing was written (--dry-run)\n";
    return kExitOk;
  }
  auto summary = catalog.value()->Import(model, replace, Actor(actor),
                                         reason.empty() ? "bantrack import " + path : reason);
  if (!summary.ok()) return Fail(summary.error());
  std::cout << (replace ? "replaced the data set with " : "imported ") << path << ": " << summary->added << " added, "
            << summary->replaced << " replaced";
  if (replace) std::cout << ", " << summary->removed << " removed";
  std::cout << " (" << model.entities.size() << " entities, " << model.publishers.size() << " publishers, "
            << model.apps.size() << " apps, " << model.rules.size() << " rules); data version " << summary->version
            << "\n";
  return kExitOk;
}

int RunExport(const GlobalOptions& options, const std::string& format, const std::string& as_of_text,
              const std::string& out) {
  Result<Date> as_of = ParseAsOf(as_of_text);
  if (!as_of.ok()) return Fail(as_of.error());
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  const std::string text = rules::FindExportFormat(format)->write(*catalog.value()->snapshot(), as_of.value());
  Status written = WriteOutput(out, text);
  return written.ok() ? kExitOk : Fail(written.error());
}

int RunValidate(const std::vector<std::string>& paths) {
  int exit_code = kExitOk;
  for (const std::string& path : paths) {
    std::ifstream file;
    Result<std::streambuf*> input = OpenInput(path, file);
    if (!input.ok()) {
      exit_code = Fail(input.error());
      continue;
    }
    std::istream in(input.value());
    Result<Model> model = rules::ReadBundle(in);
    if (!model.ok()) {
      exit_code = Fail(Error(model.error().code(), path + ": " + model.error().message(), model.error().details()));
      continue;
    }
    std::cout << path << ": valid — " << model->entities.size() << " entities, " << model->publishers.size()
              << " publishers, " << model->apps.size() << " apps, " << model->rules.size() << " rules\n";
  }
  return exit_code;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ",") + part;
  return out;
}

// One listed record: the words --q searches, and its line of text.
struct Row {
  std::string searchable;
  std::string line;
  nlohmann::json json;
};

std::vector<Row> Rows(const Snapshot& snapshot, const std::string& what, Date as_of) {
  const Model& m = snapshot.model();
  std::vector<Row> rows;
  std::ostringstream line;
  auto row = [&](std::string searchable, nlohmann::json json) {
    rows.push_back({Lower(std::move(searchable)), line.str(), std::move(json)});
    line.str("");
  };
  line << std::left;
  if (what == "entities") {
    for (const Entity& e : m.entities) {
      line << std::setw(28) << e.id << std::setw(14) << Name(e.kind) << e.name;
      if (!e.part_of.empty()) line << "  (part of " << Joined(e.part_of) << ")";
      if (!e.within.empty()) line << "  (within " << Joined(e.within) << ")";
      row(e.id + " " + e.name, rules::ToJson(e));
    }
  } else if (what == "publishers") {
    for (const Publisher& p : m.publishers) {
      line << std::setw(28) << p.id << std::setw(4) << p.country << p.name;
      if (!p.owned_by.empty()) line << "  (owned by " << Joined(p.owned_by) << ")";
      row(p.id + " " + p.name, rules::ToJson(p));
    }
  } else if (what == "apps") {
    for (const App& a : m.apps) {
      line << std::setw(24) << a.id << std::setw(32) << a.name << a.publisher;
      std::string identifiers;
      for (const auto& list : a.identifiers) identifiers += " " + Joined(list);
      row(a.id + " " + a.name + " " + a.publisher + identifiers, rules::ToJson(a));
    }
  } else {
    for (Index r = 0; r < m.rules.size(); ++r) {
      const Rule& rule = m.rules[r];
      auto status = snapshot.StatusAt(r, as_of);
      line << std::setw(44) << rule.id << std::setw(9) << Name(rule.effect) << std::setw(13)
           << (status ? Name(*status) : "not-yet") << rule.title;
      row(rule.id + " " + rule.title + " " + rule.issuer + " " + Joined(rule.apps) + " " + Joined(rule.publishers),
          rules::ToJson(rule));
    }
  }
  return rows;
}

int RunList(const GlobalOptions& options, const std::string& what, const std::string& query,
            const std::string& as_of_text, bool json) {
  Result<Date> as_of = ParseAsOf(as_of_text);
  if (!as_of.ok()) return Fail(as_of.error());
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  auto snapshot = catalog.value()->snapshot();
  const std::string needle = Lower(query);
  nlohmann::json listed = nlohmann::json::array();
  size_t count = 0;
  for (Row& row : Rows(*snapshot, what, as_of.value())) {
    if (!needle.empty() && row.searchable.find(needle) == std::string::npos) continue;
    ++count;
    if (json) {
      listed.push_back(std::move(row.json));
    } else {
      std::cout << row.line << "\n";
    }
  }
  if (json) {
    std::cout << listed.dump(2) << "\n";
  } else if (count == 0) {
    std::cerr << "no " << what << (needle.empty() ? "" : " match \"" + query + "\"") << "\n";
  }
  return kExitOk;
}

int RunChanges(const GlobalOptions& options, uint64_t since, size_t limit, bool json) {
  auto catalog = OpenCatalog(options);
  if (!catalog.ok()) return Fail(catalog.error());
  Result<std::vector<db::LogEntry>> entries = [&] {
    std::lock_guard lock(catalog.value()->store_mutex());
    return catalog.value()->store().Changes(since, limit);
  }();
  if (!entries.ok()) return Fail(entries.error());
  nlohmann::ordered_json listed = nlohmann::ordered_json::array();
  for (const db::LogEntry& e : entries.value()) {
    if (!json) {
      std::cout << "#" << e.seq << "  " << e.at << "  " << e.actor << "  " << e.action;
      if (!e.record_id.empty()) std::cout << " " << e.record_type << " " << e.record_id;
      std::cout << "  — " << e.reason << "\n";
      continue;
    }
    auto parsed = [](const std::string& text) {
      return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(text, nullptr, false);
    };
    listed.push_back({{"seq", e.seq}, {"at", e.at}, {"actor", e.actor}, {"action", e.action},
                      {"record_type", e.record_type}, {"record_id", e.record_id}, {"reason", e.reason},
                      {"before", parsed(e.before)}, {"after", parsed(e.after)}});
  }
  if (json) std::cout << listed.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddDataCommands(CLI::App& app, GlobalOptions& options, Command& command) {
  {
    auto* import = app.add_subcommand("import", "Import a bantrack/v1 bundle: all or nothing, every problem reported "
                                                "with its JSON path. Merges by id unless --replace");
    struct Flags {
      std::string path, reason, actor;
      bool replace = false, dry_run = false;
    };
    auto f = std::make_shared<Flags>();
    import->add_option("FILE", f->path, "bundle file, - for standard input")->required();
    import->add_flag("--replace", f->replace, "swap the whole data set for the bundle instead of merging");
    import->add_option("--reason", f->reason, "why, for the edit log (default: the command)");
    import->add_option("--actor", f->actor, "who, for the edit log (default: cli:$USER)");
    import->add_flag("--dry-run", f->dry_run, "validate against the database, write nothing");
    import->callback([&options, &command, f] {
      command = [&options, f] { return RunImport(options, f->path, f->replace, f->reason, f->actor, f->dry_run); };
    });
  }
  {
    std::vector<std::string> names;
    std::string formats_help;
    for (const rules::ExportFormat& format : rules::ExportFormats()) {
      names.emplace_back(format.name);
      formats_help += "\n  " + std::string(format.name) + ": " + std::string(format.description);
    }
    auto* exporter = app.add_subcommand("export", "Export the data set" + formats_help);
    struct Flags {
      std::string format = "bundle", as_of, out;
    };
    auto f = std::make_shared<Flags>();
    exporter->add_option("--format", f->format, "one of the formats above")
        ->check(CLI::IsMember(names))
        ->capture_default_str();
    exporter->add_option("--as-of", f->as_of, "CSV: date of the status column, YYYY-MM-DD (default: today)");
    exporter->add_option("--out,-o", f->out, "write to this file instead of standard output");
    exporter->callback([&options, &command, f] {
      command = [&options, f] { return RunExport(options, f->format, f->as_of, f->out); };
    });
  }
  {
    auto* validate = app.add_subcommand("validate", "Check bundle files without importing them (exit 2 if any is "
                                                    "invalid); each must be complete on its own");
    auto paths = std::make_shared<std::vector<std::string>>();
    validate->add_option("FILE", *paths, "bundle files, - for standard input")->required();
    validate->callback([&command, paths] { command = [paths] { return RunValidate(*paths); }; });
  }
  {
    auto* list = app.add_subcommand("list", "Find ids: list entities, publishers, apps or rules");
    struct Flags {
      std::string what, query, as_of;
      bool json = false;
    };
    auto f = std::make_shared<Flags>();
    list->add_option("WHAT", f->what, "entities, publishers, apps or rules")
        ->required()
        ->check(CLI::IsMember({"entities", "publishers", "apps", "rules"}));
    list->add_option("--q", f->query, "only records whose id, name or identifiers contain TEXT (any case)");
    list->add_option("--as-of", f->as_of, "rules: date of the status column (default: today)");
    list->add_flag("--json", f->json, "print the records as JSON");
    list->callback([&options, &command, f] {
      command = [&options, f] { return RunList(options, f->what, f->query, f->as_of, f->json); };
    });
  }
  {
    auto* changes = app.add_subcommand("changes", "Show the edit log: who changed what, when and why, oldest first");
    struct Flags {
      uint64_t since = 0;
      size_t limit = 1000;
      bool json = false;
    };
    auto f = std::make_shared<Flags>();
    changes->add_option("--since", f->since, "only entries after this sequence number")->capture_default_str();
    changes->add_option("--limit", f->limit, "at most this many entries")->capture_default_str();
    changes->add_flag("--json", f->json, "print the entries, with the records before and after, as JSON");
    changes->callback([&options, &command, f] {
      command = [&options, f] { return RunChanges(options, f->since, f->limit, f->json); };
    });
  }
}

}  // namespace bantrack::cli
