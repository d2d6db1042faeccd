// The catalog, read: GET /v1/{apps,entities,publishers,rules} as paged lists, each record on its own, and two views
// that answer "which jurisdictions restrict this app" (/v1/apps/{id}/restrictions) and "what applies to devices of or
// at this entity, and from which authority" (/v1/entities/{id}/restrictions).
#include <algorithm>
#include <array>
#include <unordered_set>

#include "api/http.h"
#include "api/listing.h"
#include "api/params.h"
#include "api/views.h"

namespace bantrack::api {
namespace {

constexpr int kEntityKindCount = static_cast<int>(EntityKind::kOrganization) + 1;
constexpr int kEffectCount = static_cast<int>(Effect::kExempt) + 1;

bool Has(std::span<const Index> sorted, Index value) { return std::binary_search(sorted.begin(), sorted.end(), value); }
bool Has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string_view> ScopeNames(const Rule& rule) {
  std::vector<std::string_view> names;
  for (Scope scope : rule.scope) names.push_back(Name(scope));
  return names;
}

// Whether `publisher` published the app, or owns (transitively) the one that did.
bool Publishes(const Snapshot& snapshot, Index publisher, const App& app) {
  return Has(snapshot.PublisherAncestors(*snapshot.FindPublisher(app.publisher)), publisher);
}

// The records above `start` in a hierarchy (not `start` itself), nearest first: by the fewest steps up, then by
// index (= id order). `parents` gives the ids of a record's direct parents; `find` turns an id into an index.
template <typename Parents, typename Find>
std::vector<Index> NearestFirst(Index start, Parents parents, Find find) {
  std::vector<Index> order, level = {start};
  std::unordered_set<Index> seen = {start};
  while (!level.empty()) {
    std::vector<Index> next;
    for (Index at : level) {
      for (const std::string& parent : parents(at)) {
        const Index index = *find(parent);
        if (seen.insert(index).second) next.push_back(index);
      }
    }
    std::sort(next.begin(), next.end());
    order.insert(order.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return order;
}

// ----- apps -----

Result<Reply> ListApps(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Pager> pager = Pager::FromRequest(request, "apps");
  if (!pager.ok()) return std::move(pager).take_error();
  Result<TextQuery> q = TextQuery::FromRequest(request);
  if (!q.ok()) return std::move(q).take_error();
  Result<std::optional<Index>> publisher = RecordParam(request, "publisher", RecordType::kPublisher);
  if (!publisher.ok()) return std::move(publisher).take_error();
  Result<std::string> category = SlugParam(request, "category");
  if (!category.ok()) return std::move(category).take_error();

  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const App& app : snapshot.model().apps) {
    if (*publisher && !Publishes(snapshot, **publisher, app)) continue;
    if (!category->empty() && !Has(app.categories, *category)) continue;
    if (!q->Matches({app.id, app.name}) &&
        std::none_of(std::begin(app.identifiers), std::end(app.identifiers),
                     [&](const std::vector<std::string>& identifiers) { return q->MatchesAny(identifiers); })) {
      continue;
    }
    if (pager->Take(app.id)) items.push_back(RecordView(app));
  }
  return JsonReply(pager->Finish({}, std::move(items), snapshot));
}

Result<Reply> GetApp(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> app = FindRecord(snapshot, RecordType::kApp, request.PathId(), "id");
  if (!app.ok()) return std::move(app).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();

  const Model& model = snapshot.model();
  const std::vector<std::string_view> statuses = RuleStatusNames();
  std::vector<size_t> by_status(statuses.size(), 0);
  size_t total = 0;
  for (Index r = 0; r < model.rules.size(); ++r) {
    if (!snapshot.Selects(r, *app)) continue;
    ++total;
    const std::string_view status = StatusName(EntryAt(model.rules[r], *as_of));
    ++by_status[std::find(statuses.begin(), statuses.end(), status) - statuses.begin()];
  }
  nlohmann::ordered_json counts = {{"total", total}};
  for (size_t i = 0; i < statuses.size(); ++i) counts[std::string(statuses[i])] = by_status[i];
  nlohmann::ordered_json doc = RecordView(model.apps[*app]);
  doc["origin_countries"] = snapshot.OriginCountries(*app);
  doc["as_of"] = as_of->ToString();
  doc["restrictions"] = std::move(counts);
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

// Every rule that selects the app, whatever the device: by first date, then id. The key of the list is
// "<first date> <id>" (dates are fixed-width, and ' ' sorts before every character of an id).
Result<Reply> AppRestrictions(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> app = FindRecord(snapshot, RecordType::kApp, request.PathId(), "id");
  if (!app.ok()) return std::move(app).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  Result<std::string> status = ChoiceParam(request, "status", RuleStatusNames());
  if (!status.ok()) return std::move(status).take_error();
  Result<Pager> pager = Pager::FromRequest(request, "app-restrictions");
  if (!pager.ok()) return std::move(pager).take_error();

  const Model& model = snapshot.model();
  std::vector<Index> selecting;
  for (Index r = 0; r < model.rules.size(); ++r) {
    if (!snapshot.Selects(r, *app)) continue;
    if (!status->empty() && StatusName(EntryAt(model.rules[r], *as_of)) != *status) continue;
    selecting.push_back(r);
  }
  // Rules are in id order already: a stable sort by first date keeps ids ascending within a date.
  std::stable_sort(selecting.begin(), selecting.end(), [&](Index a, Index b) {
    return model.rules[a].timeline.front().date < model.rules[b].timeline.front().date;
  });

  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (Index r : selecting) {
    const Rule& rule = model.rules[r];
    const std::string first_date = rule.timeline.front().date.ToString();
    if (!pager->Take(first_date + " " + rule.id)) continue;
    const nlohmann::ordered_json record = RecordView(rule);
    nlohmann::ordered_json item;
    item["rule"] = rule.id;
    item["title"] = rule.title;
    item["issuer"] = IssuerView(snapshot, rule);
    item["effect"] = Name(rule.effect);
    item["scope"] = ScopeNames(rule);
    item["device_tags"] = rule.device_tags;
    AddStatus(item, EntryAt(rule, *as_of));
    item["first_date"] = first_date;
    item["timeline"] = record["timeline"];
    item["sources"] = record["sources"];
    Match match;
    match.rule = r;
    item["app_path"] = snapshot.AppPath(*app, match);
    items.push_back(std::move(item));
  }
  const App& listed = model.apps[*app];
  nlohmann::ordered_json doc = {{"app", {{"id", listed.id}, {"name", listed.name}}}, {"as_of", as_of->ToString()}};
  return JsonReply(pager->Finish(std::move(doc), std::move(items), snapshot));
}

// ----- entities -----

Result<Reply> ListEntities(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Pager> pager = Pager::FromRequest(request, "entities");
  if (!pager.ok()) return std::move(pager).take_error();
  Result<TextQuery> q = TextQuery::FromRequest(request);
  if (!q.ok()) return std::move(q).take_error();
  Result<std::string> kind = ChoiceParam(request, "kind", EnumNames<EntityKind>(kEntityKindCount));
  if (!kind.ok()) return std::move(kind).take_error();
  Result<std::optional<Index>> parent = RecordParam(request, "parent", RecordType::kEntity);
  if (!parent.ok()) return std::move(parent).take_error();

  const Model& model = snapshot.model();
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const Entity& entity : model.entities) {
    if (!kind->empty() && Name(entity.kind) != *kind) continue;
    if (*parent) {
      const std::string& parent_id = model.entities[**parent].id;
      if (!Has(entity.part_of, parent_id) && !Has(entity.within, parent_id)) continue;
    }
    if (!q->Matches({entity.id, entity.name})) continue;
    if (pager->Take(entity.id)) items.push_back(RecordView(entity));
  }
  return JsonReply(pager->Finish({}, std::move(items), snapshot));
}

Result<Reply> GetEntity(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> found = FindRecord(snapshot, RecordType::kEntity, request.PathId(), "id");
  if (!found.ok()) return std::move(found).take_error();
  const Model& model = snapshot.model();
  const Entity& entity = model.entities[*found];

  nlohmann::ordered_json children = nlohmann::ordered_json::array();
  for (const Entity& child : model.entities) {
    for (auto [edge, parents] : {std::pair{"part_of", &child.part_of}, std::pair{"within", &child.within}}) {
      if (!Has(*parents, entity.id)) continue;
      nlohmann::ordered_json ref = EntityRef(child);
      ref["edge"] = edge;
      children.push_back(std::move(ref));
    }
  }
  auto find = [&](const std::string& id) { return snapshot.FindEntity(id); };
  auto refs = [&](const std::vector<Index>& indices) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (Index e : indices) list.push_back(EntityRef(model.entities[e]));
    return list;
  };
  nlohmann::ordered_json doc = RecordView(entity);
  doc["children"] = std::move(children);
  doc["org_ancestors"] = refs(NearestFirst(
      *found, [&](Index e) -> auto& { return model.entities[e].part_of; }, find));
  doc["territory_ancestors"] = refs(NearestFirst(
      *found, [&](Index e) -> auto& { return model.entities[e].within; }, find));
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

// What reaches devices of or at an entity, by scope: the rules of every authority above it whose organization
// (device and network scopes) or territory (public scope) contains it, each with the path up to its issuer.
Result<Reply> EntityRestrictions(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> found = FindRecord(snapshot, RecordType::kEntity, request.PathId(), "id");
  if (!found.ok()) return std::move(found).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  const Index entity = *found;
  const Model& model = snapshot.model();

  struct Reach {
    Index rule;
    std::vector<std::string_view> path;  // from the entity up to the issuer (into the snapshot)
  };
  std::array<std::vector<Reach>, kScopeCount> by_scope;
  nlohmann::ordered_json issued = nlohmann::ordered_json::array();
  for (Index r = 0; r < model.rules.size(); ++r) {
    const Rule& rule = model.rules[r];
    const Index issuer = *snapshot.FindEntity(rule.issuer);
    const TimelineEntry* entry = EntryAt(rule, *as_of);
    if (issuer == entity) {
      nlohmann::ordered_json item = {{"rule", rule.id}, {"title", rule.title}, {"effect", Name(rule.effect)}};
      item["scope"] = ScopeNames(rule);
      AddStatus(item, entry);
      issued.push_back(std::move(item));
    }
    if (entry == nullptr) continue;  // the rule does not exist yet on that date
    for (Scope scope : rule.scope) {
      const auto ancestors =
          scope == Scope::kPublic ? snapshot.TerritoryAncestors(entity) : snapshot.OrgAncestors(entity);
      if (!Has(ancestors, issuer)) continue;
      Match match;
      match.rule = r;
      match.scope = scope;
      match.via = entity;
      by_scope[static_cast<size_t>(scope)].push_back({r, snapshot.DevicePath(match)});
    }
  }

  const Entity& asked = model.entities[entity];
  nlohmann::ordered_json doc = {{"entity", EntityRef(asked)}, {"as_of", as_of->ToString()}};
  constexpr std::array<const char*, kScopeCount> kGroups = {"government_devices", "work_devices", "networks",
                                                            "located_here"};
  for (size_t s = 0; s < kScopeCount; ++s) {
    std::vector<Reach>& reached = by_scope[s];
    // The entity's own rules first, then those of ever more distant authorities; by id within a distance.
    std::stable_sort(reached.begin(), reached.end(),
                     [](const Reach& a, const Reach& b) { return a.path.size() < b.path.size(); });
    nlohmann::ordered_json group = nlohmann::ordered_json::array();
    for (const Reach& reach : reached) {
      const Rule& rule = model.rules[reach.rule];
      nlohmann::ordered_json item = {{"rule", rule.id}, {"title", rule.title}};
      item["issuer"] = IssuerView(snapshot, rule);
      item["inherited"] = rule.issuer != asked.id;
      item["path"] = reach.path;
      item["effect"] = Name(rule.effect);
      AddStatus(item, EntryAt(rule, *as_of));
      item["selector"] = SelectorView(rule);
      item["device_tags"] = rule.device_tags;
      group.push_back(std::move(item));
    }
    doc[kGroups[s]] = std::move(group);
  }
  doc["issued"] = std::move(issued);
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

// ----- publishers -----

Result<Reply> ListPublishers(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Pager> pager = Pager::FromRequest(request, "publishers");
  if (!pager.ok()) return std::move(pager).take_error();
  Result<TextQuery> q = TextQuery::FromRequest(request);
  if (!q.ok()) return std::move(q).take_error();
  const std::string country = request.Param("country");
  if (request.Has("country") && !IsCountryCode(country)) {
    return BadParam("country",
                    "\"" + country.substr(0, 40) + "\" is not a country code (ISO 3166-1 alpha-2, lower case)");
  }

  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const Publisher& publisher : snapshot.model().publishers) {
    if (!country.empty() && publisher.country != country) continue;
    if (!q->Matches({publisher.id, publisher.name})) continue;
    if (pager->Take(publisher.id)) items.push_back(RecordView(publisher));
  }
  return JsonReply(pager->Finish({}, std::move(items), snapshot));
}

Result<Reply> GetPublisher(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> found = FindRecord(snapshot, RecordType::kPublisher, request.PathId(), "id");
  if (!found.ok()) return std::move(found).take_error();
  const Model& model = snapshot.model();

  nlohmann::ordered_json owners = nlohmann::ordered_json::array();
  for (Index owner : NearestFirst(
           *found, [&](Index p) -> auto& { return model.publishers[p].owned_by; },
           [&](const std::string& id) { return snapshot.FindPublisher(id); })) {
    const Publisher& p = model.publishers[owner];
    owners.push_back({{"id", p.id}, {"name", p.name}, {"country", p.country}});
  }
  nlohmann::ordered_json apps = nlohmann::ordered_json::array();
  for (const App& app : model.apps) {
    if (Publishes(snapshot, *found, app)) {
      apps.push_back({{"id", app.id}, {"name", app.name}, {"publisher", app.publisher}});
    }
  }
  nlohmann::ordered_json doc = RecordView(model.publishers[*found]);
  doc["owners"] = std::move(owners);
  doc["apps"] = std::move(apps);
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

// ----- rules -----

// Which entities lie under `root` through part_of and within edges in any mix (root included): "everything in the
// US" holds Texas (within us) and Texas's agencies (part_of us-tx).
std::vector<bool> EntitiesUnder(const Model& model, const Snapshot& snapshot, Index root) {
  std::vector<std::vector<Index>> children(model.entities.size());
  for (Index e = 0; e < model.entities.size(); ++e) {
    for (const auto* parents : {&model.entities[e].part_of, &model.entities[e].within}) {
      for (const std::string& parent : *parents) children[*snapshot.FindEntity(parent)].push_back(e);
    }
  }
  std::vector<bool> under(model.entities.size(), false);
  std::vector<Index> pending = {root};
  under[root] = true;
  while (!pending.empty()) {
    const Index at = pending.back();
    pending.pop_back();
    for (Index child : children[at]) {
      if (!under[child]) {
        under[child] = true;
        pending.push_back(child);
      }
    }
  }
  return under;
}

nlohmann::ordered_json RuleView(const Rule& rule, Date as_of) {
  nlohmann::ordered_json view = RecordView(rule);
  AddStatus(view, EntryAt(rule, as_of));
  return view;
}

Result<Reply> ListRules(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  const Model& model = snapshot.model();
  Result<Pager> pager = Pager::FromRequest(request, "rules");
  if (!pager.ok()) return std::move(pager).take_error();
  Result<TextQuery> q = TextQuery::FromRequest(request);
  if (!q.ok()) return std::move(q).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  Result<std::optional<Index>> issuer = RecordParam(request, "issuer", RecordType::kEntity);
  if (!issuer.ok()) return std::move(issuer).take_error();
  Result<std::string> issuer_tree = ChoiceParam(request, "issuer_tree", {"true", "false"});
  if (!issuer_tree.ok()) return std::move(issuer_tree).take_error();
  if (*issuer_tree == "true" && !*issuer) return BadParam("issuer_tree", "needs an issuer to take the tree of");
  Result<std::optional<Index>> app = AppParam(request, "app");
  if (!app.ok()) return std::move(app).take_error();
  Result<std::string> status = ChoiceParam(request, "status", RuleStatusNames());
  if (!status.ok()) return std::move(status).take_error();
  Result<std::string> effect = ChoiceParam(request, "effect", EnumNames<Effect>(kEffectCount));
  if (!effect.ok()) return std::move(effect).take_error();
  Result<std::string> scope = ChoiceParam(request, "scope", EnumNames<Scope>(kScopeCount));
  if (!scope.ok()) return std::move(scope).take_error();

  std::vector<bool> issuers;  // which issuers are asked for, by entity index; empty: any
  if (*issuer) {
    issuers = *issuer_tree == "true" ? EntitiesUnder(model, snapshot, **issuer)
                                     : std::vector<bool>(model.entities.size(), false);
    issuers[**issuer] = true;
  }
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (Index r = 0; r < model.rules.size(); ++r) {
    const Rule& rule = model.rules[r];
    const Index issuer_index = *snapshot.FindEntity(rule.issuer);
    if (!issuers.empty() && !issuers[issuer_index]) continue;
    if (*app && !snapshot.Selects(r, **app)) continue;
    if (!status->empty() && StatusName(EntryAt(rule, *as_of)) != *status) continue;
    if (!effect->empty() && Name(rule.effect) != *effect) continue;
    if (!scope->empty() &&
        std::none_of(rule.scope.begin(), rule.scope.end(), [&](Scope s) { return Name(s) == *scope; })) {
      continue;
    }
    if (!q->Matches({rule.id, rule.title, rule.summary, rule.issuer, model.entities[issuer_index].name})) continue;
    if (pager->Take(rule.id)) items.push_back(RuleView(rule, *as_of));
  }
  return JsonReply(pager->Finish({{"as_of", as_of->ToString()}}, std::move(items), snapshot));
}

Result<Reply> GetRule(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Index> found = FindRecord(snapshot, RecordType::kRule, request.PathId(), "id");
  if (!found.ok()) return std::move(found).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  nlohmann::ordered_json doc = RuleView(snapshot.model().rules[*found], *as_of);
  doc["as_of"] = as_of->ToString();
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

}  // namespace

void AddCatalogRoutes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/v1/apps", {"q", "publisher", "category", "limit", "cursor"}, Access::kPublic, ListApps});
  routes.push_back({"GET", "/v1/apps/{id}", {"as_of"}, Access::kPublic, GetApp});
  routes.push_back(
      {"GET", "/v1/apps/{id}/restrictions", {"as_of", "status", "limit", "cursor"}, Access::kPublic, AppRestrictions});
  routes.push_back({"GET", "/v1/entities", {"q", "kind", "parent", "limit", "cursor"}, Access::kPublic, ListEntities});
  routes.push_back({"GET", "/v1/entities/{id}", {}, Access::kPublic, GetEntity});
  routes.push_back({"GET", "/v1/entities/{id}/restrictions", {"as_of"}, Access::kPublic, EntityRestrictions});
  routes.push_back({"GET", "/v1/publishers", {"q", "country", "limit", "cursor"}, Access::kPublic, ListPublishers});
  routes.push_back({"GET", "/v1/publishers/{id}", {}, Access::kPublic, GetPublisher});
  routes.push_back({"GET",
                    "/v1/rules",
                    {"q", "issuer", "issuer_tree", "app", "status", "effect", "scope", "as_of", "limit", "cursor"},
                    Access::kPublic,
                    ListRules});
  routes.push_back({"GET", "/v1/rules/{id}", {"as_of"}, Access::kPublic, GetRule});
}

}  // namespace bantrack::api
