// The live catalog: one write path; reads that never wait for it.
//
// Invariants:
//  1. snapshot_ always holds a snapshot compiled from the store's data as of one version V, with version string
//     std::to_string(V); the V it holds only grows.
//  2. Every write happens under write_mutex_ and goes through Write(): the change is applied to a copy of the
//     current snapshot's model and compiled into the next snapshot (Snapshot::Build validates it), committed
//     with expected_version = the current V (so the store refuses it if another process wrote since), and only
//     then published. A failure at any step leaves both the store and snapshot_ as they were.
//  3. A published snapshot is never modified; a reader's shared_ptr keeps the one it loaded alive and unchanged.
#include "db/catalog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>

namespace bantrack::db {
namespace {

uint64_t VersionOf(const Snapshot& snapshot) {
  uint64_t version = 0;
  const std::string& text = snapshot.version();
  std::from_chars(text.data(), text.data() + text.size(), version);  // well-formed by invariant 1
  return version;
}

std::optional<Index> Find(const Snapshot& snapshot, RecordType type, std::string_view id) {
  switch (type) {
    case RecordType::kEntity: return snapshot.FindEntity(id);
    case RecordType::kPublisher: return snapshot.FindPublisher(id);
    case RecordType::kApp: return snapshot.FindApp(id);
    case RecordType::kRule: return snapshot.FindRule(id);
  }
  return std::nullopt;
}

const std::string& IdAt(const Model& model, RecordType type, size_t index) {
  switch (type) {
    case RecordType::kEntity: return model.entities[index].id;
    case RecordType::kPublisher: return model.publishers[index].id;
    case RecordType::kApp: return model.apps[index].id;
    case RecordType::kRule: break;
  }
  return model.rules[index].id;
}

Record RecordAt(const Model& model, RecordType type, size_t index) {
  switch (type) {
    case RecordType::kEntity: return model.entities[index];
    case RecordType::kPublisher: return model.publishers[index];
    case RecordType::kApp: return model.apps[index];
    case RecordType::kRule: break;
  }
  return model.rules[index];
}

void Erase(Model& model, RecordType type, size_t index) {
  auto erase = [index](auto& list) { list.erase(list.begin() + static_cast<std::ptrdiff_t>(index)); };
  switch (type) {
    case RecordType::kEntity: return erase(model.entities);
    case RecordType::kPublisher: return erase(model.publishers);
    case RecordType::kApp: return erase(model.apps);
    case RecordType::kRule: return erase(model.rules);
  }
}

void Append(Model& model, const Entity& record) { model.entities.push_back(record); }
void Append(Model& model, const Publisher& record) { model.publishers.push_back(record); }
void Append(Model& model, const App& record) { model.apps.push_back(record); }
void Append(Model& model, const Rule& record) { model.rules.push_back(record); }

Model ModelOf(const Record& record) {
  Model model;
  std::visit([&model](const auto& r) { Append(model, r); }, record);
  return model;
}

size_t RecordCount(const Model& model) {
  return model.entities.size() + model.publishers.size() + model.apps.size() + model.rules.size();
}

// Where Validate's violations are, for the user. In each list of `model`, the first kept[type] records are
// stored ones, located as `stored rule "x"` (+ "." + field); the rest were written, located by `written_path`
// (given the violation with its index counted from the first written record).
using WrittenPath = std::function<std::string(const Violation& violation)>;
using KeptCounts = std::array<size_t, 4>;  // by RecordType

std::vector<FieldError> Locate(const Model& model, const KeptCounts& kept, const std::vector<Violation>& violations,
                               const WrittenPath& written_path) {
  std::vector<FieldError> located;
  located.reserve(violations.size());
  for (const Violation& v : violations) {
    const size_t stored_count = kept[static_cast<size_t>(v.type)];
    if (v.index >= stored_count) {
      Violation written = v;
      written.index -= stored_count;
      located.push_back({written_path(written), v.message});
    } else {
      std::string path = "stored " + RecordLabel(v.type, IdAt(model, v.type, v.index));
      if (!v.field.empty()) path += "." + v.field;
      located.push_back({std::move(path), v.message});
    }
  }
  return located;
}

// Appends to `out` the stored records that `written` does not replace (none with replace_all), then `written`.
// Returns how many stored records were kept.
template <typename RecordT>
size_t MergeList(const std::vector<RecordT>& stored, const std::vector<RecordT>& written, bool replace_all,
                 std::vector<RecordT>& out) {
  if (!replace_all) {
    std::unordered_set<std::string_view> replaced;
    replaced.reserve(written.size());
    for (const RecordT& record : written) replaced.insert(record.id);
    out.reserve(stored.size() + written.size());
    for (const RecordT& record : stored) {
      if (!replaced.count(record.id)) out.push_back(record);
    }
  }
  const size_t kept = out.size();
  out.insert(out.end(), written.begin(), written.end());
  return kept;
}

// Fills `merged` with the data set after writing `written` over `stored` (see Catalog::CheckImport); returns how
// many stored records lead each list.
KeptCounts Merge(const Model& stored, const Model& written, bool replace_all, Model& merged) {
  return {
      MergeList(stored.entities, written.entities, replace_all, merged.entities),
      MergeList(stored.publishers, written.publishers, replace_all, merged.publishers),
      MergeList(stored.apps, written.apps, replace_all, merged.apps),
      MergeList(stored.rules, written.rules, replace_all, merged.rules),
  };
}

// Puts each list of a Merge()d model in id order, given that its stored part already is (a snapshot's model is
// sorted): sorting the written part and merging the two moves few records, while leaving it to
// Snapshot::Build's full sort, with records out of place at the end, costs several times more at 50,000 rules.
template <typename RecordT>
void SortWrittenIn(std::vector<RecordT>& list, size_t kept) {
  auto by_id = [](const RecordT& a, const RecordT& b) { return a.id < b.id; };
  const auto written = list.begin() + static_cast<std::ptrdiff_t>(kept);
  std::stable_sort(written, list.end(), by_id);
  std::inplace_merge(list.begin(), written, list.end(), by_id);
}

void SortWrittenIn(Model& merged, const KeptCounts& kept) {
  SortWrittenIn(merged.entities, kept[static_cast<size_t>(RecordType::kEntity)]);
  SortWrittenIn(merged.publishers, kept[static_cast<size_t>(RecordType::kPublisher)]);
  SortWrittenIn(merged.apps, kept[static_cast<size_t>(RecordType::kApp)]);
  SortWrittenIn(merged.rules, kept[static_cast<size_t>(RecordType::kRule)]);
}

// The problems Validate finds in the merged data set, located.
std::vector<FieldError> MergedProblems(const Model& stored, const Model& written, bool replace_all,
                                       const WrittenPath& written_path) {
  Model merged;
  const KeptCounts kept = Merge(stored, written, replace_all, merged);
  return Locate(merged, kept, Validate(merged), written_path);
}

Error Problems(const std::string& subject, std::vector<FieldError> problems) {
  const size_t count = problems.size();
  return Error(ErrorCode::kInvalidData,
               subject + " has " + std::to_string(count) + (count == 1 ? " problem" : " problems"),
               std::move(problems));
}

// The records of `model` that refer to the record (type, id), as `rule "x" (issuer)`, in the order they would
// have to be deleted in: rules, apps, publishers, entities, each list in model order.
std::vector<std::string> Referrers(const Model& model, RecordType type, const std::string& id) {
  auto lists_id = [&id](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  std::vector<std::string> referrers;
  auto check = [&](RecordType referrer_type, const std::string& referrer_id,
                   std::initializer_list<std::pair<bool, std::string_view>> fields) {
    std::string through;
    for (const auto& [refers, field] : fields) {
      if (refers) through += (through.empty() ? "" : ", ") + std::string(field);
    }
    if (!through.empty()) referrers.push_back(RecordLabel(referrer_type, referrer_id) + " (" + through + ")");
  };
  switch (type) {
    case RecordType::kEntity:
      for (const Rule& r : model.rules) check(RecordType::kRule, r.id, {{r.issuer == id, "issuer"}});
      for (const Entity& e : model.entities) {
        check(RecordType::kEntity, e.id, {{lists_id(e.part_of), "part_of"}, {lists_id(e.within), "within"}});
      }
      break;
    case RecordType::kPublisher:
      for (const Rule& r : model.rules) check(RecordType::kRule, r.id, {{lists_id(r.publishers), "publishers"}});
      for (const App& a : model.apps) check(RecordType::kApp, a.id, {{a.publisher == id, "publisher"}});
      for (const Publisher& p : model.publishers) {
        check(RecordType::kPublisher, p.id, {{lists_id(p.owned_by), "owned_by"}});
      }
      break;
    case RecordType::kApp:
      for (const Rule& r : model.rules) check(RecordType::kRule, r.id, {{lists_id(r.apps), "apps"}});
      break;
    case RecordType::kRule:  // nothing refers to a rule
      break;
  }
  return referrers;
}

std::string SummaryJson(const ImportSummary& summary) {
  return "{\"added\":" + std::to_string(summary.added) + ",\"replaced\":" + std::to_string(summary.replaced) +
         ",\"removed\":" + std::to_string(summary.removed) + "}";
}

// The snapshot, labelled `version`, of `stored` (sorted by id) with `written` merged in (see Merge). When that
// data set is invalid, kInvalidData "<subject> has N problems", located by `written_path` or as stored records.
Result<std::shared_ptr<const Snapshot>> BuildMerged(const Model& stored, const Model& written, bool replace_all,
                                                    const std::string& version, const std::string& subject,
                                                    const WrittenPath& written_path) {
  Model merged;
  SortWrittenIn(merged, Merge(stored, written, replace_all, merged));
  Result<std::shared_ptr<const Snapshot>> built = Snapshot::Build(std::move(merged), version);
  if (built.ok() || built.error().code() != ErrorCode::kInvalidData) return built;
  // Build validated the sorted records: merge again, unsorted (rarely: only on this failure path), to locate
  // each problem in the caller's terms. Validate on the same records finds the same problems.
  return Problems(subject, MergedProblems(stored, written, replace_all, written_path));
}

// A violation's path relative to the record written (a one-record write): "scope[0]".
std::string FieldPath(const Violation& violation) { return violation.field; }

// A snapshot of the store's data, labelled with the version that data has.
Result<std::shared_ptr<const Snapshot>> LoadSnapshot(Store& store) {
  // Load is one read transaction, but Version is read apart from it: only when the version is the same before
  // and after is the loaded data known to be that version's. Another process writing meanwhile makes us retry.
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Result<uint64_t> version = store.Version();
    if (!version.ok()) return std::move(version).take_error();
    Result<Model> model = store.Load();
    if (!model.ok()) return std::move(model).take_error();
    Result<uint64_t> version_after = store.Version();
    if (!version_after.ok()) return std::move(version_after).take_error();
    if (*version_after != *version) continue;

    Result<std::shared_ptr<const Snapshot>> built = Snapshot::Build(std::move(*model), std::to_string(*version));
    if (built.ok() || built.error().code() != ErrorCode::kInvalidData) return built;
    // Stored data is valid unless someone wrote around the Catalog; then the database, not the caller, is at
    // fault (kIo). Say where, by id: Build consumed the model, so load it again (only on this failure path).
    Result<Model> again = store.Load();
    if (!again.ok()) return std::move(again).take_error();
    Error located = Problems("the database", MergedProblems(*again, Model(), false, ModelPath));
    return Error(ErrorCode::kIo, located.message(), located.details());
  }
  return Error(ErrorCode::kUnavailable, "the database kept changing while it was being loaded; try again");
}

}  // namespace

Catalog::Catalog(std::unique_ptr<Store> store, RecordRenderer render, std::shared_ptr<const Snapshot> first)
    : store_(std::move(store)), render_(std::move(render)), snapshot_(std::move(first)) {}

Result<std::unique_ptr<Catalog>> Catalog::Open(std::unique_ptr<Store> store, RecordRenderer render) {
  Result<std::shared_ptr<const Snapshot>> first = LoadSnapshot(*store);
  if (!first.ok()) return std::move(first).take_error();
  return std::unique_ptr<Catalog>(new Catalog(std::move(store), std::move(render), std::move(first).value()));
}

Result<std::shared_ptr<const Snapshot>> Catalog::Write(const Prepare& prepare, const Commit& commit) {
  // The snapshot this write replaces, destroyed (unless a reader still holds it) after the write lock is
  // released: freeing a large snapshot takes tens of milliseconds that the next write need not wait for.
  std::shared_ptr<const Snapshot> replaced;
  std::lock_guard<std::mutex> lock(write_mutex_);
  for (int attempt = 1;; ++attempt) {
    const std::shared_ptr<const Snapshot> current = snapshot();
    const uint64_t version = VersionOf(*current);
    // Compiled before committing, so that nothing can fail between the commit and publishing its snapshot.
    Result<std::shared_ptr<const Snapshot>> next = prepare(*current, std::to_string(version + 1));
    if (!next.ok()) return std::move(next).take_error();
    Result<uint64_t> committed = commit(*store_, version);
    if (!committed.ok()) {
      // kConflict: another process wrote since `current` was loaded, so the write was prepared against stale
      // data. Catch up and prepare it again (its checks may now come out differently), once.
      if (committed.error().code() != ErrorCode::kConflict || attempt == 2) return std::move(committed).take_error();
      Result<bool> refreshed = RefreshLocked();
      if (!refreshed.ok()) return std::move(refreshed).take_error();
      continue;
    }
    replaced = Publish(*next);  // the store is now at version + 1 (Store's contract), next's label
    return std::move(next).value();
  }
}

Result<bool> Catalog::RefreshLocked() {
  Result<uint64_t> version = store_->Version();
  if (!version.ok()) return std::move(version).take_error();
  if (*version == VersionOf(*snapshot())) return false;
  Result<std::shared_ptr<const Snapshot>> fresh = LoadSnapshot(*store_);
  if (!fresh.ok()) return std::move(fresh).take_error();
  Publish(std::move(fresh).value());
  return true;
}

std::shared_ptr<const Snapshot> Catalog::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

std::shared_ptr<const Snapshot> Catalog::Publish(std::shared_ptr<const Snapshot> next) {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshot_.swap(next);
  return next;  // now the previous snapshot
}

Result<bool> Catalog::Refresh() {
  std::lock_guard<std::mutex> lock(write_mutex_);
  return RefreshLocked();
}

std::vector<FieldError> Catalog::CheckImport(const Model& incoming, bool replace_all) const {
  return MergedProblems(snapshot()->model(), incoming, replace_all, ModelPath);
}

Result<ImportSummary> Catalog::Import(const Model& incoming, bool replace_all, const std::string& actor,
                                      const std::string& reason) {
  ImportSummary summary;
  Edit edit{actor, reason, "", ""};
  Result<std::shared_ptr<const Snapshot>> written = Write(
      [&](const Snapshot& current, const std::string& next_version) {
        summary = ImportSummary();
        auto count = [&](RecordType type, const auto& records) {
          for (const auto& record : records) ++(Find(current, type, record.id) ? summary.replaced : summary.added);
        };
        count(RecordType::kEntity, incoming.entities);
        count(RecordType::kPublisher, incoming.publishers);
        count(RecordType::kApp, incoming.apps);
        count(RecordType::kRule, incoming.rules);
        // A valid import has unique ids, so each stored record is replaced at most once.
        if (replace_all) summary.removed = RecordCount(current.model()) - summary.replaced;
        edit.after = SummaryJson(summary);
        return BuildMerged(current.model(), incoming, replace_all, next_version, "the import", ModelPath);
      },
      [&](Store& store, uint64_t expected_version) {
        return store.Import(incoming, replace_all, edit, expected_version);
      });
  if (!written.ok()) return std::move(written).take_error();
  summary.version = VersionOf(**written);
  return summary;
}

Result<std::shared_ptr<const Snapshot>> Catalog::Create(const Record& record, const std::string& actor,
                                                        const std::string& reason) {
  const RecordType type = TypeOf(record);
  const std::string& id = IdOf(record);
  const Edit edit{actor, reason, "", render_(record)};
  return Write(
      [&](const Snapshot& current, const std::string& next_version) -> Result<std::shared_ptr<const Snapshot>> {
        if (Find(current, type, id)) return Error(ErrorCode::kConflict, RecordLabel(type, id) + " already exists");
        return BuildMerged(current.model(), ModelOf(record), false, next_version, RecordLabel(type, id), FieldPath);
      },
      [&](Store& store, uint64_t expected_version) { return store.Put(record, edit, expected_version); });
}

Result<std::shared_ptr<const Snapshot>> Catalog::Update(const Record& record, const std::string& actor,
                                                        const std::string& reason) {
  const RecordType type = TypeOf(record);
  const std::string& id = IdOf(record);
  Edit edit{actor, reason, "", render_(record)};
  return Write(
      [&](const Snapshot& current, const std::string& next_version) -> Result<std::shared_ptr<const Snapshot>> {
        const std::optional<Index> index = Find(current, type, id);
        if (!index) return Error(ErrorCode::kNotFound, RecordLabel(type, id) + " does not exist");
        edit.before = render_(RecordAt(current.model(), type, *index));
        return BuildMerged(current.model(), ModelOf(record), false, next_version, RecordLabel(type, id), FieldPath);
      },
      [&](Store& store, uint64_t expected_version) { return store.Put(record, edit, expected_version); });
}

Result<std::shared_ptr<const Snapshot>> Catalog::Remove(RecordType type, const std::string& id,
                                                        const std::string& actor, const std::string& reason) {
  Edit edit{actor, reason, "", ""};
  return Write(
      [&](const Snapshot& current, const std::string& next_version) -> Result<std::shared_ptr<const Snapshot>> {
        const std::optional<Index> index = Find(current, type, id);
        if (!index) return Error(ErrorCode::kNotFound, RecordLabel(type, id) + " does not exist");
        const std::vector<std::string> referrers = Referrers(current.model(), type, id);
        if (!referrers.empty()) {
          std::string message = RecordLabel(type, id) + " is still referred to by ";
          for (size_t i = 0; i < referrers.size(); ++i) message += (i == 0 ? "" : ", ") + referrers[i];
          return Error(ErrorCode::kConflict, std::move(message));
        }
        edit.before = render_(RecordAt(current.model(), type, *index));
        Model next = current.model();
        Erase(next, type, *index);
        return Snapshot::Build(std::move(next), next_version);  // nothing referred to it: the rest stays valid
      },
      [&](Store& store, uint64_t expected_version) { return store.Remove(type, id, edit, expected_version); });
}

}  // namespace bantrack::db
