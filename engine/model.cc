#include "engine/model.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "engine/graph.h"

namespace bantrack {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> ParseByName(std::string_view text, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 12> kEntityKindNames = {
    "country", "supranational", "state", "province", "city", "government", "agency", "legislature", "military",
    "regulator", "court", "organization"};
constexpr std::array<std::string_view, 7> kInstrumentNames = {
    "law", "executive-order", "directive", "regulator-order", "guidance", "memo", "court-order"};
constexpr std::array<std::string_view, 3> kEffectNames = {"ban", "restrict", "exempt"};
constexpr std::array<std::string_view, 4> kScopeNames = {"government-devices", "work-devices",
                                                         "government-networks", "public"};
constexpr std::array<std::string_view, 5> kStatusNames = {"under-review", "announced", "in-force", "suspended",
                                                          "lifted"};
constexpr std::array<std::string_view, 3> kPlatformNames = {"ios", "android", "web"};

}  // namespace

std::string_view Name(EntityKind v) { return kEntityKindNames[static_cast<size_t>(v)]; }
std::string_view Name(Instrument v) { return kInstrumentNames[static_cast<size_t>(v)]; }
std::string_view Name(Effect v) { return kEffectNames[static_cast<size_t>(v)]; }
std::string_view Name(Scope v) { return kScopeNames[static_cast<size_t>(v)]; }
std::string_view Name(RuleStatus v) { return kStatusNames[static_cast<size_t>(v)]; }
std::string_view Name(Platform v) { return kPlatformNames[static_cast<size_t>(v)]; }
std::optional<EntityKind> ParseEntityKind(std::string_view t) { return ParseByName<EntityKind>(t, kEntityKindNames); }
std::optional<Instrument> ParseInstrument(std::string_view t) { return ParseByName<Instrument>(t, kInstrumentNames); }
std::optional<Effect> ParseEffect(std::string_view t) { return ParseByName<Effect>(t, kEffectNames); }
std::optional<Scope> ParseScope(std::string_view t) { return ParseByName<Scope>(t, kScopeNames); }
std::optional<RuleStatus> ParseRuleStatus(std::string_view t) { return ParseByName<RuleStatus>(t, kStatusNames); }
std::optional<Platform> ParsePlatform(std::string_view t) { return ParseByName<Platform>(t, kPlatformNames); }

std::string_view ListName(RecordType type) {
  static constexpr std::array<std::string_view, 4> kNames = {"entities", "publishers", "apps", "rules"};
  return kNames[static_cast<size_t>(type)];
}

std::string_view RecordName(RecordType type) {
  static constexpr std::array<std::string_view, 4> kNames = {"entity", "publisher", "app", "rule"};
  return kNames[static_cast<size_t>(type)];
}

const std::string& IdOf(const Record& record) {
  return std::visit([](const auto& r) -> const std::string& { return r.id; }, record);
}

std::optional<RecordType> ParseRecordType(std::string_view record_name) {
  for (RecordType type : {RecordType::kEntity, RecordType::kPublisher, RecordType::kApp, RecordType::kRule}) {
    if (RecordName(type) == record_name) return type;
  }
  return std::nullopt;
}

std::string ModelPath(const Violation& v) {
  std::string path = std::string(ListName(v.type)) + "[" + std::to_string(v.index) + "]";
  if (!v.field.empty()) path += "." + v.field;
  return path;
}

const TimelineEntry* EntryAt(const Rule& rule, Date date) {
  const TimelineEntry* current = nullptr;
  for (const TimelineEntry& entry : rule.timeline) {
    if (entry.date > date) break;
    current = &entry;
  }
  return current;
}

void SortById(Model& model) {
  // Stored data arrives sorted (every write rebuilds from it): checking first avoids moving every record.
  auto sort = [](auto& records) {
    auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
    if (!std::is_sorted(records.begin(), records.end(), by_id)) std::sort(records.begin(), records.end(), by_id);
  };
  sort(model.entities);
  sort(model.publishers);
  sort(model.apps);
  sort(model.rules);
}

bool IsSlug(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(text[0])) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) { return lower_alnum(c) || c == '-'; });
}

bool IsCountryCode(std::string_view text) {
  return text.size() == 2 && text[0] >= 'a' && text[0] <= 'z' && text[1] >= 'a' && text[1] <= 'z';
}

bool IsHttpUrl(std::string_view text) {
  auto rest_ok = [&](size_t prefix) {
    if (text.size() <= prefix || text.size() > 2048) return false;
    return std::none_of(text.begin(), text.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
  };
  if (text.starts_with("https://")) return rest_ok(8);
  if (text.starts_with("http://")) return rest_ok(7);
  return false;
}

bool IsStoreIdentifier(Platform platform, std::string_view text) {
  if (text.empty() || text.size() > kMaxStoreIdentifier) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  switch (platform) {
    case Platform::kIos:  // reverse-DNS bundle id: letters, digits, '.', '-'
      return std::all_of(text.begin(), text.end(), [&](char c) { return alnum(c) || c == '.' || c == '-'; }) &&
             text.front() != '.' && text.back() != '.';
    case Platform::kAndroid:  // Java package name: letters, digits, '_', '.'
      return std::all_of(text.begin(), text.end(), [&](char c) { return alnum(c) || c == '.' || c == '_'; }) &&
             text.front() != '.' && text.back() != '.';
    case Platform::kWeb:  // lower-case host name with at least one dot
      return text.find('.') != std::string_view::npos && text.front() != '.' && text.back() != '.' &&
             text.find("..") == std::string_view::npos &&
             std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
             });
  }
  return false;
}

namespace {

const std::string& Label(const Entity& e) { return e.name; }
const std::string& Label(const Publisher& p) { return p.name; }
const std::string& Label(const App& a) { return a.name; }
const std::string& Label(const Rule& r) { return r.title; }

// Strings, each with the index of a record, for the lookups of a validation: an open-addressing table sized once,
// which reads a key only when its hash's fingerprint matches. std::unordered_map<std::string_view, size_t>, with a
// node allocated per key and a bucket, then a node, then the key read per lookup, was ~40 % of validating *large*
// (the benchmark's corpus), and validation about half of compiling it. Unlike IdIndex (engine/id_index.h), which
// indexes the distinct ids of one record list once, it takes keys one by one from anywhere (list elements, store
// identifiers), telling a repeat from a new key. The map views its keys: what they view must outlive it.
class ViewMap {
 public:
  // A map for at most `capacity` keys.
  explicit ViewMap(size_t capacity = 0) {
    size_t size = 16;
    while (size < capacity * 2) size *= 2;  // at most half full: probe sequences stay short
    slots_.resize(size);
    mask_ = size - 1;
  }

  // Maps `key` to `index` unless it is mapped already; returns what it maps to now (the earlier index, if it was).
  uint32_t Insert(std::string_view key, uint32_t index) {
    const uint64_t hash = std::hash<std::string_view>{}(key);
    Slot& slot = slots_[SlotAt(key, hash)];
    if (slot.index == kEmpty) slot = {key, Fingerprint(hash), index};
    return slot.index;
  }
  std::optional<uint32_t> Find(std::string_view key) const {
    const Slot& slot = slots_[SlotAt(key, std::hash<std::string_view>{}(key))];
    if (slot.index == kEmpty) return std::nullopt;
    return slot.index;
  }
  bool Contains(std::string_view key) const { return Find(key).has_value(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::string_view key;
    uint32_t fingerprint = 0;  // the hash's high half
    uint32_t index = kEmpty;   // kEmpty: a free slot
  };
  static uint32_t Fingerprint(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }
  // Where the key's slot is, or the free slot where it would go.
  size_t SlotAt(std::string_view key, uint64_t hash) const {
    const uint32_t fingerprint = Fingerprint(hash);
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.index == kEmpty || (slot.fingerprint == fingerprint && slot.key == key)) return at;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

template <typename Record>
ViewMap IdsOf(const std::vector<Record>& records) {
  ViewMap ids(records.size());
  for (size_t i = 0; i < records.size(); ++i) ids.Insert(records[i].id, static_cast<uint32_t>(i));
  return ids;
}

// How many store identifiers of each platform the apps list, repeats included.
std::array<size_t, kPlatformCount> StoreIdentifierCounts(const std::vector<App>& apps) {
  std::array<size_t, kPlatformCount> counts{};
  for (const App& app : apps) {
    for (int p = 0; p < kPlatformCount; ++p) counts[p] += app.identifiers[p].size();
  }
  return counts;
}

// Collects violations; `at` names the record being checked.
class Checker {
 public:
  explicit Checker(const Model& model)
      : model_(model), entity_ids_(IdsOf(model.entities)), publisher_ids_(IdsOf(model.publishers)),
        app_ids_(IdsOf(model.apps)) {
    const std::array<size_t, kPlatformCount> counts = StoreIdentifierCounts(model.apps);
    for (int p = 0; p < kPlatformCount; ++p) store_ids_[p] = ViewMap(counts[p]);
  }

  std::vector<Violation> Run() {
    CheckIds(RecordType::kEntity, model_.entities, entity_ids_);
    CheckIds(RecordType::kPublisher, model_.publishers, publisher_ids_);
    CheckIds(RecordType::kApp, model_.apps, app_ids_);
    CheckIds(RecordType::kRule, model_.rules, IdsOf(model_.rules));
    for (size_t i = 0; i < model_.entities.size(); ++i) CheckEntity(i);
    for (size_t i = 0; i < model_.publishers.size(); ++i) CheckPublisher(i);
    for (size_t i = 0; i < model_.apps.size(); ++i) CheckApp(i);
    for (size_t i = 0; i < model_.rules.size(); ++i) CheckRule(i);
    CheckCycles();
    std::stable_sort(out_.begin(), out_.end(), [](const Violation& a, const Violation& b) {
      return std::tie(a.type, a.index) < std::tie(b.type, b.index);
    });
    return std::move(out_);
  }

 private:
  void Add(RecordType type, size_t index, std::string field, std::string message) {
    out_.push_back({type, index, std::move(field), std::move(message)});
  }

  // `ids` maps each id to the first record that has it (IdsOf).
  template <typename Record>
  void CheckIds(RecordType type, const std::vector<Record>& records, const ViewMap& ids) {
    for (size_t i = 0; i < records.size(); ++i) {
      const std::string& id = records[i].id;
      if (Label(records[i]).empty()) Add(type, i, std::is_same_v<Record, Rule> ? "title" : "name", "must not be empty");
      if (!IsSlug(id)) {
        Add(type, i, "id", "\"" + id + "\" is not a slug (lower-case letters, digits and '-', 1-64 characters)");
        continue;
      }
      // The first holder is not named by index: in a merged model (an import into stored data) the index would
      // not be the caller's.
      if (*ids.Find(id) != i) Add(type, i, "id", "duplicate id \"" + id + "\"");
    }
  }

  // Reports repeated elements of a list, and checks each with `check` (which returns an error message or "").
  // Validation runs on every write of a large data set, so the common case — nothing wrong — allocates nothing:
  // paths are built only for problems, and short lists are searched for repeats without a hash set.
  template <typename Check>
  void CheckList(RecordType type, size_t index, std::string_view field, const std::vector<std::string>& list,
                 Check check) {
    constexpr size_t kShortList = 16;
    std::optional<ViewMap> seen;
    if (list.size() > kShortList) seen.emplace(list.size());
    for (size_t k = 0; k < list.size(); ++k) {
      const bool repeated = seen ? seen->Insert(list[k], static_cast<uint32_t>(k)) != k
                                 : std::find(list.begin(), list.begin() + k, list[k]) != list.begin() + k;
      std::string problem = repeated ? "\"" + list[k] + "\" is listed twice" : check(list[k]);
      if (!problem.empty()) Add(type, index, ElementPath(field, k), std::move(problem));
    }
  }

  static std::string ElementPath(std::string_view field, size_t k) {
    return std::string(field) + "[" + std::to_string(k) + "]";
  }

  static std::string SlugProblem(const std::string& value, std::string_view what) {
    return IsSlug(value) ? "" : "\"" + value + "\" is not a valid " + std::string(what) + " (a slug)";
  }

  static std::string Reference(const ViewMap& ids, const std::string& value, std::string_view what) {
    return ids.Contains(value) ? "" : "unknown " + std::string(what) + " \"" + value + "\"";
  }

  void CheckEntity(size_t i) {
    const Entity& e = model_.entities[i];
    auto check_parent = [&](const std::string& parent) {
      if (parent == e.id) return std::string("an entity cannot be its own parent");
      return Reference(entity_ids_, parent, "entity");
    };
    CheckList(RecordType::kEntity, i, "part_of", e.part_of, check_parent);
    CheckList(RecordType::kEntity, i, "within", e.within, check_parent);
  }

  void CheckPublisher(size_t i) {
    const Publisher& p = model_.publishers[i];
    if (!IsCountryCode(p.country)) {
      Add(RecordType::kPublisher, i, "country", "\"" + p.country + "\" is not an ISO 3166-1 alpha-2 code in lower case");
    }
    CheckList(RecordType::kPublisher, i, "owned_by", p.owned_by, [&](const std::string& owner) {
      if (owner == p.id) return std::string("a publisher cannot own itself");
      return Reference(publisher_ids_, owner, "publisher");
    });
  }

  void CheckApp(size_t i) {
    const App& a = model_.apps[i];
    if (!publisher_ids_.Contains(a.publisher)) {
      Add(RecordType::kApp, i, "publisher", "unknown publisher \"" + a.publisher + "\"");
    }
    CheckList(RecordType::kApp, i, "categories", a.categories,
              [](const std::string& c) { return SlugProblem(c, "category"); });
    static constexpr std::string_view kFields[kPlatformCount] = {"identifiers.ios", "identifiers.android",
                                                                 "identifiers.web"};
    for (int p = 0; p < kPlatformCount; ++p) {
      const Platform platform = static_cast<Platform>(p);
      CheckList(RecordType::kApp, i, kFields[p], a.identifiers[p], [&](const std::string& identifier) -> std::string {
        if (!IsStoreIdentifier(platform, identifier)) {
          return "\"" + identifier + "\" is not a valid " + std::string(Name(platform)) + " identifier";
        }
        const uint32_t holder = store_ids_[p].Insert(identifier, static_cast<uint32_t>(i));
        if (holder != i) return "\"" + identifier + "\" already identifies app \"" + model_.apps[holder].id + "\"";
        return "";
      });
    }
    for (int p = 0; p < 2; ++p) {
      const std::string& url = a.store_urls[p];
      if (!url.empty() && !IsHttpUrl(url)) {
        Add(RecordType::kApp, i, "store_urls." + std::string(Name(static_cast<Platform>(p))),
            "\"" + url + "\" is not an http(s) URL");
      }
    }
  }

  void CheckRule(size_t i) {
    const Rule& r = model_.rules[i];
    constexpr RecordType kType = RecordType::kRule;
    if (!entity_ids_.Contains(r.issuer)) Add(kType, i, "issuer", "unknown entity \"" + r.issuer + "\"");
    if (r.scope.empty()) Add(kType, i, "scope", "must name at least one scope");
    for (size_t k = 0; k < r.scope.size(); ++k) {
      for (size_t j = 0; j < k; ++j) {
        if (r.scope[j] == r.scope[k]) {
          Add(kType, i, "scope[" + std::to_string(k) + "]", "\"" + std::string(Name(r.scope[k])) + "\" is listed twice");
        }
      }
    }
    if (r.apps.empty() && r.publishers.empty() && r.categories.empty() && r.origin_countries.empty()) {
      Add(kType, i, "", "must select apps: at least one of apps, publishers, categories, origin_countries");
    }
    CheckList(kType, i, "apps", r.apps, [&](const std::string& id) { return Reference(app_ids_, id, "app"); });
    CheckList(kType, i, "publishers", r.publishers,
              [&](const std::string& id) { return Reference(publisher_ids_, id, "publisher"); });
    CheckList(kType, i, "categories", r.categories, [](const std::string& c) { return SlugProblem(c, "category"); });
    CheckList(kType, i, "origin_countries", r.origin_countries, [](const std::string& c) {
      return IsCountryCode(c) ? std::string() : "\"" + c + "\" is not an ISO 3166-1 alpha-2 code in lower case";
    });
    CheckList(kType, i, "device_tags", r.device_tags, [](const std::string& t) { return SlugProblem(t, "tag"); });
    if (r.timeline.empty()) Add(kType, i, "timeline", "must have at least one entry");
    for (size_t k = 1; k < r.timeline.size(); ++k) {
      if (r.timeline[k].date <= r.timeline[k - 1].date) {
        Add(kType, i, "timeline[" + std::to_string(k) + "].date",
            r.timeline[k].date.ToString() + " is not after the previous entry (" +
                r.timeline[k - 1].date.ToString() + "); dates must ascend");
      }
    }
    if (r.sources.empty()) Add(kType, i, "sources", "every rule needs at least one public source");
    for (size_t k = 0; k < r.sources.size(); ++k) {
      const Source& s = r.sources[k];
      const std::string at = "sources[" + std::to_string(k) + "]";
      if (!IsHttpUrl(s.url)) Add(kType, i, at + ".url", "\"" + s.url + "\" is not an http(s) URL");
      if (s.title.empty()) Add(kType, i, at + ".title", "must not be empty");
    }
  }

  // An edge of a hierarchy, remembered by the list and position it came from so that a path is built only for
  // the edges a cycle report names.
  struct Edge {
    uint32_t target;
    std::string_view list;  // "part_of", "within", "owned_by"
    uint32_t position;
  };

  template <typename Record>
  void AddEdges(const std::vector<Record>& records, const ViewMap& ids,
                std::vector<std::vector<Edge>>& edges, std::string_view list_name,
                const std::vector<std::string> Record::*list) {
    for (size_t i = 0; i < records.size(); ++i) {
      const std::vector<std::string>& parents = records[i].*list;
      for (size_t k = 0; k < parents.size(); ++k) {
        if (const std::optional<uint32_t> parent = ids.Find(parents[k]); parent && *parent != i) {
          edges[i].push_back({*parent, list_name, static_cast<uint32_t>(k)});
        }
      }
    }
  }

  void CheckCycles() {
    std::vector<std::vector<Edge>> entity_edges(model_.entities.size());
    AddEdges(model_.entities, entity_ids_, entity_edges, "part_of", &Entity::part_of);
    AddEdges(model_.entities, entity_ids_, entity_edges, "within", &Entity::within);
    ReportCycles(RecordType::kEntity, entity_edges, [&](size_t i) { return model_.entities[i].id; });
    std::vector<std::vector<Edge>> owner_edges(model_.publishers.size());
    AddEdges(model_.publishers, publisher_ids_, owner_edges, "owned_by", &Publisher::owned_by);
    ReportCycles(RecordType::kPublisher, owner_edges, [&](size_t i) { return model_.publishers[i].id; });
  }

  // One violation per cycle found, on the edge that leaves the member listed last, naming every member from it:
  // in a merged model (stored records, then an import's) that is the imported record that closed the cycle.
  template <typename IdOf>
  void ReportCycles(RecordType type, const std::vector<std::vector<Edge>>& edges, IdOf id_of) {
    std::vector<std::vector<uint32_t>> adjacency(edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      for (const Edge& edge : edges[i]) adjacency[i].push_back(edge.target);
    }
    for (std::vector<uint32_t> cycle : FindCycles(adjacency)) {
      std::rotate(cycle.begin(), std::max_element(cycle.begin(), cycle.end()), cycle.end());
      std::string names;
      for (uint32_t member : cycle) names += id_of(member) + " -> ";
      names += id_of(cycle.front());
      const size_t first = cycle.front();
      const size_t next = cycle.size() > 1 ? cycle[1] : cycle.front();
      std::string field;
      for (const Edge& edge : edges[first]) {
        if (edge.target == next && field.empty()) field = ElementPath(edge.list, edge.position);
      }
      Add(type, first, field, "closes a cycle: " + names);
    }
  }

  const Model& model_;
  const ViewMap entity_ids_, publisher_ids_, app_ids_;
  ViewMap store_ids_[kPlatformCount];  // identifier -> the first app listing it
  std::vector<Violation> out_;
};

}  // namespace

std::vector<Violation> Validate(const Model& model) { return Checker(model).Run(); }

}  // namespace bantrack
