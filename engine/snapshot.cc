// Building a Snapshot: validation, then compilation of the model into the flat tables that Evaluate reads.
// Evaluation and explanation live in evaluate.cc.
#include "engine/snapshot.h"

#include <algorithm>
#include <cctype>

#include "engine/graph.h"

namespace bantrack {
namespace {

// One bit of a 64-bit selector signature for a key; `kind` keeps app, publisher and symbol keys apart.
uint64_t KeyBit(char kind, uint32_t value) {
  uint64_t x = (static_cast<uint64_t>(static_cast<unsigned char>(kind)) << 32) | value;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return uint64_t{1} << (x & 63);
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

  std::vector<uint32_t> scratch;
  apps_.resize(m.apps.size());
  for (Index a = 0; a < m.apps.size(); ++a) {
    CompiledApp& app = apps_[a];
    app.publisher = publisher_ids_.at(m.apps[a].publisher);
    app.signature = KeyBit('a', a);
    scratch.clear();
    for (Index p : PublisherAncestors(app.publisher)) {
      app.signature |= KeyBit('p', p);
      scratch.push_back(Intern('o', m.publishers[p].country));
    }
    app.origins = AddToPool(scratch);
    scratch.clear();
    for (const std::string& category : m.apps[a].categories) scratch.push_back(Intern('c', category));
    app.categories = AddToPool(scratch);
    for (uint32_t i = app.origins.begin; i < app.origins.end; ++i) app.signature |= KeyBit('s', pool_[i]);
    for (uint32_t i = app.categories.begin; i < app.categories.end; ++i) app.signature |= KeyBit('s', pool_[i]);
  }

  rules_.resize(m.rules.size());
  for (Index r = 0; r < m.rules.size(); ++r) {
    const Rule& source = m.rules[r];
    CompiledRule& rule = rules_[r];
    rule.issuer = entity_ids_.at(source.issuer);
    rule.effect = source.effect;
    auto add = [&](const std::vector<std::string>& names, auto to_value, char signature_kind) {
      scratch.clear();
      for (const std::string& name : names) scratch.push_back(to_value(name));
      if (signature_kind) {
        for (uint32_t value : scratch) rule.signature |= KeyBit(signature_kind, value);
      }
      return AddToPool(scratch);
    };
    rule.apps = add(source.apps, [&](const std::string& id) { return app_ids_.at(id); }, 'a');
    rule.publishers = add(source.publishers, [&](const std::string& id) { return publisher_ids_.at(id); }, 'p');
    rule.categories = add(source.categories, [&](const std::string& c) { return Intern('c', c); }, 's');
    rule.origins = add(source.origin_countries, [&](const std::string& o) { return Intern('o', o); }, 's');
    rule.tags = add(source.device_tags, [&](const std::string& t) { return Intern('t', t); }, 0);
    rule.timeline.begin = static_cast<uint32_t>(timeline_.size());
    for (const TimelineEntry& entry : source.timeline) timeline_.push_back({entry.date.days, entry.status});
    rule.timeline.end = static_cast<uint32_t>(timeline_.size());
  }

  // Bucket the rules by (issuer, scope) with a counting sort, keeping rule order inside each bucket.
  buckets_.assign(entity_count * kScopeCount, Range{});
  std::vector<uint32_t> counts(entity_count * kScopeCount + 1, 0);
  for (Index r = 0; r < m.rules.size(); ++r) {
    for (Scope scope : m.rules[r].scope) ++counts[rules_[r].issuer * kScopeCount + static_cast<int>(scope) + 1];
  }
  for (size_t i = 1; i < counts.size(); ++i) counts[i] += counts[i - 1];
  candidates_.resize(counts.back());
  for (size_t b = 0; b < buckets_.size(); ++b) buckets_[b] = {counts[b], counts[b]};
  for (Index r = 0; r < m.rules.size(); ++r) {
    for (Scope scope : m.rules[r].scope) {
      Range& bucket = buckets_[rules_[r].issuer * kScopeCount + static_cast<int>(scope)];
      candidates_[bucket.end++] = {rules_[r].signature, r};
    }
  }

  for (int s = 0; s < kScopeCount; ++s) {
    covering_[s].resize(entity_count);
    for (Index e = 0; e < entity_count; ++e) {
      Range range{static_cast<uint32_t>(covering_entities_.size()), 0};
      for (Index ancestor : s == static_cast<int>(Scope::kPublic) ? TerritoryAncestors(e) : OrgAncestors(e)) {
        if (buckets_[ancestor * kScopeCount + s].size() > 0) covering_entities_.push_back(ancestor);
      }
      range.end = static_cast<uint32_t>(covering_entities_.size());
      covering_[s][e] = range;
    }
  }
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
  const Range r = apps_[app].origins;
  for (uint32_t i = r.begin; i < r.end; ++i) countries.push_back(symbol_names_[pool_[i]]);
  std::sort(countries.begin(), countries.end());
  return countries;
}

}  // namespace bantrack
