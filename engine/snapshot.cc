// Building a Snapshot: validation, then compilation of the model into the flat tables that Evaluate reads.
// Evaluation and explanation live in evaluate.cc.
#include "engine/snapshot.h"

#include <algorithm>
#include <cctype>

#include "engine/graph.h"

namespace bantrack {

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
  // The id indexes point into model_: the snapshot is built in place and never moved.
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
  if (inserted) {
    symbol_names_.emplace_back(name);
    symbol_labels_.push_back(kind == 'c' ? "category:" + std::string(name)
                             : kind == 'o' ? "origin:" + std::string(name)
                                           : std::string());
  }
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

  entity_ids_.Build(m.entities);
  publisher_ids_.Build(m.publishers);
  app_ids_.Build(m.apps);
  rule_ids_.Build(m.rules);
  for (int p = 0; p < kPlatformCount; ++p) {
    std::vector<std::string_view> identifiers;
    for (Index a = 0; a < m.apps.size(); ++a) {
      for (const std::string& identifier : m.apps[a].identifiers[p]) {
        identifiers.push_back(identifier);
        store_identifier_apps_[p].push_back(a);
      }
    }
    store_ids_[p].Build(identifiers);
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
      for (const std::string& parent : m.entities[e].part_of) org_graph.AddEdge(e, *FindEntity(parent));
      for (const std::string& parent : m.entities[e].within) territory_graph.AddEdge(e, *FindEntity(parent));
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
      for (const std::string& owner : m.publishers[p].owned_by) ownership.AddEdge(p, *FindPublisher(owner));
    }
    publisher_up_.resize(publisher_count);
    for (Index p = 0; p < publisher_count; ++p) publisher_up_[p] = close(ownership, p);
  }

  std::vector<uint32_t> scratch;
  rules_.resize(m.rules.size());
  heads_.resize(m.rules.size());
  for (Index r = 0; r < m.rules.size(); ++r) {
    const Rule& source = m.rules[r];
    CompiledRule& rule = rules_[r];
    RuleHead& head = heads_[r];
    head.issuer = *FindEntity(source.issuer);
    head.effect = source.effect;
    head.step_count = static_cast<uint8_t>(std::min<size_t>(source.timeline.size(), 255));
    for (size_t i = 0; i < kInlineSteps; ++i) {
      head.steps[i] = i < source.timeline.size() ? Step{source.timeline[i].date.days, source.timeline[i].status}
                                                 : Step{kNeverReached, RuleStatus::kInForce};
    }
    auto add = [&](const std::vector<std::string>& names, auto to_value) {
      scratch.clear();
      for (const std::string& name : names) scratch.push_back(to_value(name));
      return AddToPool(scratch);
    };
    rule.apps = add(source.apps, [&](const std::string& id) { return *FindApp(id); });
    rule.publishers = add(source.publishers, [&](const std::string& id) { return *FindPublisher(id); });
    rule.categories = add(source.categories, [&](const std::string& c) { return Intern('c', c); });
    rule.origins = add(source.origin_countries, [&](const std::string& o) { return Intern('o', o); });
    rule.tags = add(source.device_tags, [&](const std::string& t) { return Intern('t', t); });
    head.needs_tags = rule.tags.size() > 0;
    rule.timeline.begin = static_cast<uint32_t>(timeline_.size());
    for (const TimelineEntry& entry : source.timeline) timeline_.push_back({entry.date.days, entry.status});
    rule.timeline.end = static_cast<uint32_t>(timeline_.size());
  }

  publisher_origins_.resize(publisher_count);
  for (Index p = 0; p < publisher_count; ++p) publisher_origins_[p] = Intern('o', m.publishers[p].country);
  apps_.resize(m.apps.size());
  for (Index a = 0; a < m.apps.size(); ++a) {
    CompiledApp& app = apps_[a];
    app.publisher = *FindPublisher(m.apps[a].publisher);
    app.publishers = publisher_up_[app.publisher];
    for (uint32_t i = 0; i < std::min<uint32_t>(app.publishers.size(), kInlineOwners); ++i) {
      app.first_publishers[i] = up_vertices_[app.publishers.begin + i];
    }
    scratch.clear();
    for (Index p : PublisherAncestors(app.publisher)) scratch.push_back(publisher_origins_[p]);
    app.origin_symbols = AddToPool(scratch);
    scratch.clear();
    for (const std::string& category : m.apps[a].categories) scratch.push_back(Intern('c', category));
    app.category_symbols = AddToPool(scratch);
  }
  // Mask bits go by how often rules name each symbol: counted now that every symbol is interned.
  AssignMaskBits();
  for (CompiledApp& app : apps_) {
    app.origins = Mask(app.origin_symbols);
    app.categories = Mask(app.category_symbols);
  }

  // The rules each entity issues with each scope, as sections; then, for every entity and scope, its ancestors'.
  std::vector<std::vector<Index>> issued(entity_count * kScopeCount);
  for (Index r = 0; r < m.rules.size(); ++r) {
    for (Scope scope : m.rules[r].scope) issued[heads_[r].issuer * kScopeCount + static_cast<int>(scope)].push_back(r);
  }
  std::vector<Section> sections(issued.size());
  for (size_t i = 0; i < issued.size(); ++i) {
    if (!issued[i].empty()) sections[i] = AddSection(issued[i]);
  }
  covers_.resize(entity_count * kScopeCount);
  std::vector<Section> listed;
  for (Index e = 0; e < entity_count; ++e) {
    for (int s = 0; s < kScopeCount; ++s) {
      listed.clear();
      for (Index ancestor : s == static_cast<int>(Scope::kPublic) ? TerritoryAncestors(e) : OrgAncestors(e)) {
        if (!issued[ancestor * kScopeCount + s].empty()) listed.push_back(sections[ancestor * kScopeCount + s]);
      }
      Cover& cover = covers_[e * kScopeCount + s];
      cover.count = static_cast<uint32_t>(listed.size());
      if (listed.size() <= kInlineSections) {
        std::copy(listed.begin(), listed.end(), cover.sections);
      } else {
        cover.overflow = static_cast<uint32_t>(cover_sections_.size());
        cover_sections_.insert(cover_sections_.end(), listed.begin(), listed.end());
      }
    }
  }
}

Snapshot::Section Snapshot::AddSection(std::span<const Index> rules) {
  std::vector<KeyedEntry> keyed;
  Section section;
  section.attributes.begin = static_cast<uint32_t>(attributes_.size());
  for (Index r : rules) {
    const CompiledRule& rule = rules_[r];
    for (uint32_t i = rule.apps.begin; i < rule.apps.end; ++i) keyed.push_back({pool_[i], r});
    for (uint32_t i = rule.publishers.begin; i < rule.publishers.end; ++i) {
      keyed.push_back({kPublisherKey | pool_[i], r});
    }
    if (rule.categories.size() > 0 || rule.origins.size() > 0) {
      attributes_.push_back({Mask(rule.categories), Mask(rule.origins), heads_[r].steps[0].days, r});
      const AttributeCandidate& added = attributes_.back();
      if (added.categories != 0) {
        section.attribute_bits[0] |= FoldedBits(added.categories);
      } else {
        section.attribute_bits[1] |= FoldedBits(added.origins);
      }
    }
  }
  section.attributes.end = static_cast<uint32_t>(attributes_.size());
  std::sort(keyed.begin(), keyed.end(),
            [](const KeyedEntry& a, const KeyedEntry& b) { return std::tie(a.key, a.rule) < std::tie(b.key, b.rule); });
  section.keyed.begin = static_cast<uint32_t>(keyed_.size());
  SectionFilter filter;
  for (const KeyedEntry& entry : keyed) {
    keyed_.push_back(entry);
    filter.Add(entry.key);
  }
  section.keyed.end = static_cast<uint32_t>(keyed_.size());
  if (section.keyed.size() > 0) {
    section.filter = static_cast<uint32_t>(section_filters_.size());
    section_filters_.push_back(filter);
  }
  return section;
}

void Snapshot::AssignMaskBits() {
  // Bits go to the symbols rules name most (then by name, so that the layout is deterministic).
  std::vector<uint32_t> named(symbol_names_.size(), 0);
  for (const CompiledRule& rule : rules_) {
    for (Range r : {rule.categories, rule.origins}) {
      for (uint32_t i = r.begin; i < r.end; ++i) ++named[pool_[i]];
    }
  }
  std::vector<std::pair<std::string_view, uint32_t>> kinds[2];  // categories, countries: (key, symbol)
  for (const auto& [key, symbol] : symbol_ids_) {
    if (key[0] == 'c' || key[0] == 'o') kinds[key[0] == 'o'].emplace_back(key, symbol);
  }
  mask_bit_.assign(symbol_names_.size(), 0);
  for (int kind = 0; kind < 2; ++kind) {
    auto& symbols = kinds[kind];
    std::sort(symbols.begin(), symbols.end(), [&](const auto& a, const auto& b) {
      return named[a.second] != named[b.second] ? named[a.second] > named[b.second] : a.first < b.first;
    });
    confirm_match_[kind] = symbols.size() > 64 ? kSharedBit : ~uint64_t{0};
    for (size_t i = 0; i < symbols.size(); ++i) mask_bit_[symbols[i].second] = static_cast<uint8_t>(std::min<size_t>(i, 63));
  }
}

uint64_t Snapshot::Mask(Range symbols) const {
  uint64_t mask = 0;
  for (uint32_t i = symbols.begin; i < symbols.end; ++i) mask |= uint64_t{1} << mask_bit_[pool_[i]];
  return mask;
}

std::optional<Index> Snapshot::FindEntity(std::string_view id) const { return entity_ids_.Find(id); }
std::optional<Index> Snapshot::FindPublisher(std::string_view id) const { return publisher_ids_.Find(id); }
std::optional<Index> Snapshot::FindApp(std::string_view id) const { return app_ids_.Find(id); }
std::optional<Index> Snapshot::FindRule(std::string_view id) const { return rule_ids_.Find(id); }

std::optional<Index> Snapshot::ResolveApp(std::string_view text) const {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return FindApp(text);  // app ids are slugs: a text with ':' is none
  const std::optional<Platform> platform = ParsePlatform(text.substr(0, colon));
  if (!platform) return std::nullopt;
  const int p = static_cast<int>(*platform);
  auto lookup = [&](std::string_view identifier) -> std::optional<Index> {
    const std::optional<uint32_t> found = store_ids_[p].Find(identifier);
    if (!found) return std::nullopt;
    return store_identifier_apps_[p][*found];
  };
  // No stored identifier is longer (IsStoreIdentifier); without this bound a long web: name would cost one hash
  // of each of its suffixes, quadratic in its length (seconds of CPU for 100 KB inside a batch).
  if (text.size() - colon - 1 > kMaxStoreIdentifier) return std::nullopt;
  if (*platform != Platform::kWeb) return lookup(text.substr(colon + 1));
  std::string value(text.substr(colon + 1));
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  // A subdomain belongs to the app listing one of its parent domains; stop before the bare top-level domain.
  std::string_view domain = value;
  while (domain.find('.') != std::string_view::npos) {
    if (auto app = lookup(domain)) return app;
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
