// Building a Snapshot: validation, then compilation of the model into the flat tables that Evaluate reads.
// Evaluation and explanation live in evaluate.cc.
#include "engine/snapshot.h"

#include <algorithm>
#include <cctype>

#include "engine/graph.h"

namespace bantrack {
namespace {

// A 64-bit hash of a symbol, for the masks of kinds with more than 64 symbols.
uint64_t KeyHash(char kind, uint32_t value) {
  uint64_t x = (static_cast<uint64_t>(static_cast<unsigned char>(kind)) << 32) | value;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

template <typename Record>
void IndexIds(const std::vector<Record>& records, std::unordered_map<std::string_view, Index>& ids) {
  ids.reserve(records.size());
  for (Index i = 0; i < records.size(); ++i) ids.emplace(records[i].id, i);
}

std::optional<Index> Lookup(const std::unordered_map<std::string_view, Index>& ids, std::string_view id) {
  auto it = ids.find(id);
  if (it == ids.end()) return std::nullopt;
  return it->second;
}

}  // namespace

Result<std::shared_ptr<const Snapshot>> Snapshot::Build(Model model, std::string version) {
  SortById(model);
  std::vector<Violation> violations = Validate(model);
  if (!violations.empty()) {
    std::vector<FieldError> details;
    details.reserve(violations.size());
    for (const Violation& v : violations) details.push_back({ModelPath(v), v.message});
    return Error(ErrorCode::kInvalidData,
                 std::to_string(violations.size()) + (violations.size() == 1 ? " problem" : " problems") +
                     " in the data set",
                 std::move(details));
  }
  // The id maps hold views into model_'s strings: the snapshot is built in place and never moved.
  std::shared_ptr<Snapshot> snapshot(new Snapshot());
  snapshot->model_ = std::move(model);
  snapshot->version_ = std::move(version);
  snapshot->Compile();
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

uint32_t Snapshot::Intern(char kind, std::string_view name) {
  std::string key;
  key.reserve(name.size() + 1);
  key += kind;
  key += name;
  auto [it, inserted] = symbol_ids_.emplace(std::move(key), static_cast<uint32_t>(symbol_names_.size()));
  if (inserted) symbol_names_.emplace_back(name);
  return it->second;
}

std::optional<uint32_t> Snapshot::Symbol(char kind, std::string_view name) const {
  std::string key;
  key += kind;
  key += name;
  auto it = symbol_ids_.find(key);
  if (it == symbol_ids_.end()) return std::nullopt;
  return it->second;
}

Snapshot::Range Snapshot::AddToPool(std::vector<uint32_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  Range range{static_cast<uint32_t>(pool_.size()), 0};
  pool_.insert(pool_.end(), values.begin(), values.end());
  range.end = static_cast<uint32_t>(pool_.size());
  return range;
}

void Snapshot::Compile() {
  const Model& m = model_;
  const size_t entity_count = m.entities.size();
  const size_t publisher_count = m.publishers.size();

  IndexIds(m.entities, entity_ids_);
  IndexIds(m.publishers, publisher_ids_);
  IndexIds(m.apps, app_ids_);
  IndexIds(m.rules, rule_ids_);
  for (Index a = 0; a < m.apps.size(); ++a) {
    for (int p = 0; p < kPlatformCount; ++p) {
      for (const std::string& identifier : m.apps[a].identifiers[p]) store_ids_[p].emplace(identifier, a);
    }
  }

  // Close the hierarchies once. Each closure is stored sorted by vertex, for binary search.
  std::vector<Digraph::Reached> reached;
  auto close = [&](const Digraph& graph, uint32_t start) {
    reached.clear();
    graph.Reach(start, reached);
    std::sort(reached.begin(), reached.end(), [](const auto& a, const auto& b) { return a.vertex < b.vertex; });
    Range range{static_cast<uint32_t>(ups_.size()), 0};
    for (const Digraph::Reached& r : reached) {
      ups_.push_back({r.vertex, r.previous});
      up_vertices_.push_back(r.vertex);
    }
    range.end = static_cast<uint32_t>(ups_.size());
    return range;
  };
  {
    Digraph org_graph(entity_count), territory_graph(entity_count);
    for (Index e = 0; e < entity_count; ++e) {
      for (const std::string& parent : m.entities[e].part_of) org_graph.AddEdge(e, entity_ids_.at(parent));
      for (const std::string& parent : m.entities[e].within) territory_graph.AddEdge(e, entity_ids_.at(parent));
    }
    org_.resize(entity_count);
    territory_.resize(entity_count);
    for (Index e = 0; e < entity_count; ++e) {
      org_[e] = close(org_graph, e);
      territory_[e] = close(territory_graph, e);
    }
  }
  {
    Digraph ownership(publisher_count);
    for (Index p = 0; p < publisher_count; ++p) {
      for (const std::string& owner : m.publishers[p].owned_by) ownership.AddEdge(p, publisher_ids_.at(owner));
    }
    publisher_up_.resize(publisher_count);
    for (Index p = 0; p < publisher_count; ++p) publisher_up_[p] = close(ownership, p);
  }

  // Categories and countries: interned first, so that the mask bits can be dense (exact) when there are few.
  for (const App& app : m.apps) {
    for (const std::string& category : app.categories) Intern('c', category);
  }
  for (const Publisher& publisher : m.publishers) Intern('o', publisher.country);
  for (const Rule& rule : m.rules) {
    for (const std::string& category : rule.categories) Intern('c', category);
    for (const std::string& country : rule.origin_countries) Intern('o', country);
  }
  AssignMaskBits();

  std::vector<uint32_t> scratch;
  apps_.resize(m.apps.size());
  for (Index a = 0; a < m.apps.size(); ++a) {
    CompiledApp& app = apps_[a];
    app.publisher = publisher_ids_.at(m.apps[a].publisher);
    app.publishers = publisher_up_[app.publisher];
    scratch.clear();
    for (Index p : PublisherAncestors(app.publisher)) scratch.push_back(*Symbol('o', m.publishers[p].country));
    app.origin_symbols = AddToPool(scratch);
    app.origins = Mask(app.origin_symbols);
    scratch.clear();
    for (const std::string& category : m.apps[a].categories) scratch.push_back(*Symbol('c', category));
    app.category_symbols = AddToPool(scratch);
    app.categories = Mask(app.category_symbols);
  }

  rules_.resize(m.rules.size());
  for (Index r = 0; r < m.rules.size(); ++r) {
    const Rule& source = m.rules[r];
    CompiledRule& rule = rules_[r];
    rule.issuer = entity_ids_.at(source.issuer);
    rule.effect = source.effect;
    auto add = [&](const std::vector<std::string>& names, auto to_value) {
      scratch.clear();
      for (const std::string& name : names) scratch.push_back(to_value(name));
      return AddToPool(scratch);
    };
    rule.apps = add(source.apps, [&](const std::string& id) { return app_ids_.at(id); });
    rule.publishers = add(source.publishers, [&](const std::string& id) { return publisher_ids_.at(id); });
    rule.categories = add(source.categories, [&](const std::string& c) { return Intern('c', c); });
    rule.origins = add(source.origin_countries, [&](const std::string& o) { return Intern('o', o); });
    rule.tags = add(source.device_tags, [&](const std::string& t) { return Intern('t', t); });
    rule.timeline.begin = static_cast<uint32_t>(timeline_.size());
    for (const TimelineEntry& entry : source.timeline) timeline_.push_back({entry.date.days, entry.status});
    rule.timeline.end = static_cast<uint32_t>(timeline_.size());
  }

  // The rules each entity issues with each scope; then, for every entity and scope, its ancestors' rules laid out
  // as keyed and attribute candidates.
  std::vector<std::vector<Index>> issued(entity_count * kScopeCount);
  for (Index r = 0; r < m.rules.size(); ++r) {
    for (Scope scope : m.rules[r].scope) issued[rules_[r].issuer * kScopeCount + static_cast<int>(scope)].push_back(r);
  }
  covers_.resize(entity_count);
  for (Index e = 0; e < entity_count; ++e) {
    for (int s = 0; s < kScopeCount; ++s) {
      Range& keyed = covers_[e].keyed[s];
      Range& attributes = covers_[e].attributes[s];
      keyed.begin = static_cast<uint32_t>(keyed_.size());
      attributes.begin = static_cast<uint32_t>(attributes_.size());
      for (Index ancestor : s == static_cast<int>(Scope::kPublic) ? TerritoryAncestors(e) : OrgAncestors(e)) {
        for (Index r : issued[ancestor * kScopeCount + s]) AddCandidates(r);
      }
      keyed.end = static_cast<uint32_t>(keyed_.size());
      attributes.end = static_cast<uint32_t>(attributes_.size());
      std::sort(keyed_.begin() + keyed.begin, keyed_.end(), [](const KeyedCandidate& a, const KeyedCandidate& b) {
        return std::tie(a.key, a.rule) < std::tie(b.key, b.rule);
      });
    }
  }
}

void Snapshot::AddCandidates(Index r) {
  const CompiledRule& rule = rules_[r];
  const int32_t first_day = timeline_[rule.timeline.begin].days;
  const uint32_t flags = rule.tags.size() > 0 ? uint32_t{kNeedsTags} : 0u;
  for (uint32_t i = rule.apps.begin; i < rule.apps.end; ++i) keyed_.push_back({pool_[i], first_day, r, flags});
  for (uint32_t i = rule.publishers.begin; i < rule.publishers.end; ++i) {
    keyed_.push_back({kPublisherKey | pool_[i], first_day, r, flags});
  }
  if (rule.categories.size() == 0 && rule.origins.size() == 0) return;
  uint32_t attribute_flags = flags;
  if (hashed_categories_ && rule.categories.size() > 0) attribute_flags |= kHashedCategories;
  if (hashed_origins_ && rule.origins.size() > 0) attribute_flags |= kHashedOrigins;
  attributes_.push_back({Mask(rule.categories), Mask(rule.origins), first_day, r, attribute_flags});
}

void Snapshot::AssignMaskBits() {
  // Dense bits while a kind has at most 64 symbols; otherwise a hash, and candidates say their masks may collide
  // (Evaluate then confirms on the rule). Numbered in name order, so that the layout is deterministic.
  std::vector<std::pair<std::string_view, uint32_t>> ordered(symbol_ids_.begin(), symbol_ids_.end());
  std::sort(ordered.begin(), ordered.end());
  size_t count[2] = {0, 0};  // categories, countries
  for (const auto& [key, symbol] : ordered) {
    if (key[0] == 'c' || key[0] == 'o') ++count[key[0] == 'o'];
  }
  hashed_categories_ = count[0] > 64;
  hashed_origins_ = count[1] > 64;
  mask_bit_.assign(symbol_names_.size(), 0);
  size_t next[2] = {0, 0};
  for (const auto& [key, symbol] : ordered) {
    if (key[0] != 'c' && key[0] != 'o') continue;
    const int kind = key[0] == 'o';
    const bool hashed = kind ? hashed_origins_ : hashed_categories_;
    mask_bit_[symbol] = static_cast<uint8_t>(hashed ? KeyHash('m', symbol) % 64 : next[kind]++);
  }
}

uint64_t Snapshot::Mask(Range symbols) const {
  uint64_t mask = 0;
  for (uint32_t i = symbols.begin; i < symbols.end; ++i) mask |= uint64_t{1} << mask_bit_[pool_[i]];
  return mask;
}

std::optional<Index> Snapshot::FindEntity(std::string_view id) const { return Lookup(entity_ids_, id); }
std::optional<Index> Snapshot::FindPublisher(std::string_view id) const { return Lookup(publisher_ids_, id); }
std::optional<Index> Snapshot::FindApp(std::string_view id) const { return Lookup(app_ids_, id); }
std::optional<Index> Snapshot::FindRule(std::string_view id) const { return Lookup(rule_ids_, id); }

std::optional<Index> Snapshot::ResolveApp(std::string_view text) const {
  if (auto app = FindApp(text)) return app;
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::optional<Platform> platform = ParsePlatform(text.substr(0, colon));
  if (!platform) return std::nullopt;
  const auto& ids = store_ids_[static_cast<int>(*platform)];
  // No stored identifier is longer (IsStoreIdentifier); without this bound a long web: name would cost one hash
  // of each of its suffixes, quadratic in its length (seconds of CPU for 100 KB inside a batch).
  if (text.size() - colon - 1 > kMaxStoreIdentifier) return std::nullopt;
  std::string value(text.substr(colon + 1));
  if (*platform != Platform::kWeb) return Lookup(ids, value);
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  // A subdomain belongs to the app listing one of its parent domains; stop before the bare top-level domain.
  std::string_view domain = value;
  while (domain.find('.') != std::string_view::npos) {
    if (auto app = Lookup(ids, domain)) return app;
    domain.remove_prefix(domain.find('.') + 1);
  }
  return std::nullopt;
}

Result<Device> Snapshot::ResolveDevice(const DeviceSpec& spec) const {
  Device device;
  device.kind = spec.kind;
  std::vector<FieldError> unknown;
  auto resolve = [&](const std::string& id, const char* field, Index& out) {
    if (id.empty()) return;
    if (auto entity = FindEntity(id)) {
      out = *entity;
    } else {
      unknown.push_back({field, "unknown entity \"" + id + "\""});
    }
  };
  resolve(spec.owner, "owner", device.owner);
  resolve(spec.location, "location", device.location);
  resolve(spec.network, "network", device.network);
  if (!unknown.empty()) {
    std::string message = unknown.size() == 1 ? unknown[0].path + ": " + unknown[0].message : "unknown entities";
    return Error(ErrorCode::kNotFound, std::move(message), std::move(unknown));
  }
  for (const std::string& tag : spec.tags) {
    if (auto symbol = Symbol('t', tag)) device.tags.push_back(*symbol);
  }
  std::sort(device.tags.begin(), device.tags.end());
  device.tags.erase(std::unique(device.tags.begin(), device.tags.end()), device.tags.end());
  return device;
}

std::span<const Index> Snapshot::OrgAncestors(Index entity) const {
  const Range r = org_[entity];
  return {up_vertices_.data() + r.begin, r.size()};
}

std::span<const Index> Snapshot::TerritoryAncestors(Index entity) const {
  const Range r = territory_[entity];
  return {up_vertices_.data() + r.begin, r.size()};
}

std::span<const Index> Snapshot::PublisherAncestors(Index publisher) const {
  const Range r = publisher_up_[publisher];
  return {up_vertices_.data() + r.begin, r.size()};
}

std::vector<std::string> Snapshot::OriginCountries(Index app) const {
  std::vector<std::string> countries;
  const Range r = apps_[app].origin_symbols;
  for (uint32_t i = r.begin; i < r.end; ++i) countries.push_back(symbol_names_[pool_[i]]);
  std::sort(countries.begin(), countries.end());
  return countries;
}

}  // namespace bantrack
