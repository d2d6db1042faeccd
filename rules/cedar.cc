#include "rules/cedar.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "rules/batch_json.h"
#include "rules/text.h"

namespace bantrack::rules {
namespace {

// Every type lives in one namespace: Amazon Verified Permissions accepts a schema only with one, not empty.
constexpr std::string_view kNamespace = "Bantrack::";
constexpr std::string_view kDeviceId = "device";
constexpr std::string_view kAction = "install";

constexpr std::string_view kSchema = R"(// bantrack's data set as Cedar types (docs/CEDAR.md).
namespace Bantrack {
  // Every bantrack entity is both an Org (its parents: part_of) and a Territory (its parents: within), because
  // the two hierarchies answer different scopes and must not mix.
  entity Org in [Org];
  entity Territory in [Territory];
  entity Publisher in [Publisher];
  entity App in [Publisher] {
    categories: Set<String>,
    origins: Set<String>,
  };
  entity Device {
    kind: String,
    owner?: Org,
    network?: Org,
    location?: Territory,
    tags: Set<String>,
  };
  // "May app `resource` be on device `principal` on `context.date`?"; dates are YYYYMMDD numbers.
  action "install" appliesTo {
    principal: [Device],
    resource: [App],
    context: { date: Long },
  };
}
)";

// A Cedar string literal. Ids, categories and tags are slugs; titles may hold quotes and control characters.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u{";
      out += kHex[(c >> 4) & 0xF];
      out += kHex[c & 0xF];
      out += '}';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string TypeName(std::string_view type) { return std::string(kNamespace) + std::string(type); }

// An entity reference in policy text: Bantrack::Org::"us-tx".
std::string Uid(std::string_view type, std::string_view id) { return TypeName(type) + "::" + Quoted(id); }

// [a, b] of Cedar values, each made by `value` from an item.
template <typename Items, typename Value>
std::string SetOf(const Items& items, Value value) {
  std::vector<std::string> values;
  for (const auto& item : items) values.push_back(value(item));
  return "[" + Joined(values, ", ") + "]";
}

std::string StringSet(const std::vector<std::string>& items) { return SetOf(items, Quoted); }

// Expressions are built so that any of them can stand as an operand of &&: a conjunction, an atom, or a
// parenthesized disjunction. (&& binds tighter than ||; the parentheses AnyOf puts around conjunctions are for
// the reader.)
std::string AllOf(const std::vector<std::string>& parts) { return Joined(parts, " && "); }

std::string AnyOf(const std::vector<std::string>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<std::string> grouped;
  for (const std::string& part : parts) {
    grouped.push_back(part.find(" && ") == std::string::npos ? part : "(" + part + ")");
  }
  return "(" + Joined(grouped, " || ") + ")";
}

bool Has(const std::vector<Scope>& scopes, Scope scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

// Some scope of the rule reaches the device (DESIGN.md §2, "scope"). Device scopes test the owner against the
// issuer's organization; networks likewise; public tests the location against the issuer's territory.
std::string ReachesDevice(const Rule& rule) {
  std::vector<std::string> reaches;
  const std::string org = Uid("Org", rule.issuer);
  std::vector<std::string> kinds;
  if (Has(rule.scope, Scope::kGovernmentDevices)) kinds.push_back(std::string(Name(DeviceKind::kGovernment)));
  if (Has(rule.scope, Scope::kWorkDevices)) kinds.push_back(std::string(Name(DeviceKind::kWork)));
  if (!kinds.empty()) {
    const std::string kind = kinds.size() == 1 ? "principal.kind == " + Quoted(kinds[0])
                                               : StringSet(kinds) + ".contains(principal.kind)";
    reaches.push_back(AllOf({kind, "principal has owner", "principal.owner in " + org}));
  }
  if (Has(rule.scope, Scope::kGovernmentNetworks)) {
    reaches.push_back(AllOf({"principal has network", "principal.network in " + org}));
  }
  if (Has(rule.scope, Scope::kPublic)) {
    reaches.push_back(AllOf({"principal has location", "principal.location in " + Uid("Territory", rule.issuer)}));
  }
  return AnyOf(reaches);
}

// `resource in [X::"a", X::"b"]`, or `resource in X::"a"` for one: an App is `in` only itself, an app is `in` a
// Publisher when it publishes or owns, transitively, the app's publisher.
std::string ResourceIn(std::string_view type, const std::vector<std::string>& ids) {
  if (ids.size() == 1) return "resource in " + Uid(type, ids[0]);
  return "resource in " + SetOf(ids, [&](const std::string& id) { return Uid(type, id); });
}

// The rule's app selector (DESIGN.md §2): any part matches; categories and origins, when both given, both hold.
std::string SelectsApp(const Rule& rule) {
  std::vector<std::string> parts;
  if (!rule.apps.empty()) parts.push_back(ResourceIn("App", rule.apps));
  if (!rule.publishers.empty()) parts.push_back(ResourceIn("Publisher", rule.publishers));
  std::vector<std::string> traits;
  if (!rule.categories.empty()) traits.push_back("resource.categories.containsAny(" + StringSet(rule.categories) + ")");
  if (!rule.origin_countries.empty()) {
    traits.push_back("resource.origins.containsAny(" + StringSet(rule.origin_countries) + ")");
  }
  if (!traits.empty()) parts.push_back(AllOf(traits));
  return AnyOf(parts);
}

// A stretch of dates on which a rule is in force: from `from` up to but excluding `until` (none: open-ended).
struct Period {
  Date from;
  std::optional<Date> until;
};

// The rule's periods in force, from its timeline: each run of in-force entries lasts until the next entry (of
// another status) or forever. Empty when the rule is never in force.
std::vector<Period> InForcePeriods(const Rule& rule) {
  std::vector<Period> periods;
  const auto& timeline = rule.timeline;
  for (size_t i = 0; i < timeline.size(); ++i) {
    if (timeline[i].status != RuleStatus::kInForce) continue;
    Period period{timeline[i].date, std::nullopt};
    while (i + 1 < timeline.size() && timeline[i + 1].status == RuleStatus::kInForce) ++i;
    if (i + 1 < timeline.size()) period.until = timeline[i + 1].date;
    periods.push_back(period);
  }
  return periods;
}

// Whether some date lies in a period of both.
bool Overlap(const std::vector<Period>& a, const std::vector<Period>& b) {
  auto before = [](const Period& p, Date date) { return !p.until || date < *p.until; };
  for (const Period& p : a) {
    for (const Period& q : b) {
      if (before(p, q.from) && before(q, p.from)) return true;
    }
  }
  return false;
}

std::string InForceOn(const std::vector<Period>& periods) {
  std::vector<std::string> tests;
  for (const Period& period : periods) {
    std::string test = "context.date >= " + std::to_string(CedarDate(period.from));
    if (period.until) test += " && context.date < " + std::to_string(CedarDate(*period.until));
    tests.push_back(test);
  }
  return AnyOf(tests);
}

// Everything that must hold for a rule in force in `periods` (non-empty) to apply to a question, as operands of &&:
// it reaches the device, selects the app, the device carries its tags, and the date is in a period.
std::vector<std::string> AppliesWhen(const Rule& rule, const std::vector<Period>& periods) {
  std::vector<std::string> conditions = {ReachesDevice(rule), SelectsApp(rule)};
  if (!rule.device_tags.empty()) {
    conditions.push_back("principal.tags.containsAll(" + StringSet(rule.device_tags) + ")");
  }
  conditions.push_back(InForceOn(periods));
  return conditions;
}

// The forbid policy of one ban or restrict rule. `exemptions` are the conditions of every exempt rule whose issuer
// has authority over this rule's issuer (an exemption lifts its own and its subordinates' rules, DESIGN.md §3.3).
std::string ForbidPolicy(const Rule& rule, const std::vector<std::string>& conditions,
                         const std::vector<std::string>& exemptions) {
  std::string out = "@id(" + Quoted(rule.id) + ")\n";
  out += "@effect(" + Quoted(Name(rule.effect)) + ")\n";
  out += "@issuer(" + Quoted(rule.issuer) + ")\n";
  out += "@title(" + Quoted(rule.title) + ")\n";
  out += "forbid (principal, action == " + Uid("Action", kAction) + ", resource)\n";
  out += "when {\n  " + Joined(conditions, " &&\n  ") + "\n}";
  if (!exemptions.empty()) {
    std::vector<std::string> grouped;
    for (const std::string& exemption : exemptions) {
      grouped.push_back(exemptions.size() == 1 ? exemption : "(" + exemption + ")");
    }
    out += "\nunless {\n  " + Joined(grouped, " ||\n  ") + "\n}";
  }
  return out + ";\n";
}

std::string Policies(const Snapshot& snapshot) {
  const Model& model = snapshot.model();
  std::string out = "// bantrack rules as Cedar policies, from data version " + snapshot.version() +
                    " (docs/CEDAR.md).\n"
                    "// Deny: bantrack's verdict is banned or restricted. Allow: under-review or allowed.\n"
                    "// Each forbid is one ban or restrict rule (@id: the rule id); its `unless` holds the exemptions\n"
                    "// that can lift it.\n\n";
  out += "@id(\"bantrack:default-permit\")\n";
  out += "permit (principal, action == " + Uid("Action", kAction) + ", resource);\n";

  std::vector<std::vector<Period>> periods(model.rules.size());
  for (size_t r = 0; r < model.rules.size(); ++r) periods[r] = InForcePeriods(model.rules[r]);
  // Each exemption's conditions once, filed under its issuer: it reappears in the `unless` of every rule it can lift.
  std::vector<std::string> exemption_conditions(model.rules.size());
  std::vector<std::vector<size_t>> exemptions_by_issuer(model.entities.size());
  for (size_t x = 0; x < model.rules.size(); ++x) {
    if (model.rules[x].effect == Effect::kExempt && !periods[x].empty()) {
      exemption_conditions[x] = AllOf(AppliesWhen(model.rules[x], periods[x]));
      exemptions_by_issuer[*snapshot.FindEntity(model.rules[x].issuer)].push_back(x);
    }
  }
  std::vector<std::string> never_in_force;
  for (size_t r = 0; r < model.rules.size(); ++r) {
    const Rule& rule = model.rules[r];
    if (rule.effect == Effect::kExempt) continue;
    if (periods[r].empty()) {
      never_in_force.push_back(rule.id);
      continue;
    }
    // The exemptions that can lift it: issued by an authority over its issuer (an ancestor through part_of or
    // through within, itself included), and in force at some time it is.
    const Index issuer = *snapshot.FindEntity(rule.issuer);
    std::vector<size_t> lifting;
    for (auto authorities : {snapshot.OrgAncestors(issuer), snapshot.TerritoryAncestors(issuer)}) {
      for (Index authority : authorities) {
        for (size_t x : exemptions_by_issuer[authority]) {
          if (Overlap(periods[r], periods[x])) lifting.push_back(x);
        }
      }
    }
    std::sort(lifting.begin(), lifting.end());  // rule id order; the issuer itself is in both ancestries
    lifting.erase(std::unique(lifting.begin(), lifting.end()), lifting.end());
    std::vector<std::string> exemptions;
    for (size_t x : lifting) exemptions.push_back(exemption_conditions[x]);
    out += "\n" + ForbidPolicy(rule, AppliesWhen(rule, periods[r]), exemptions);
  }
  if (!never_in_force.empty()) {
    out += "\n// Never in force on any date, so without a policy: " + Joined(never_in_force, ", ") + ".\n";
  }
  return out;
}

// An entity reference in JSON: {"type": "Bantrack::Org", "id": "us-tx"}.
nlohmann::ordered_json EntityUid(std::string_view type, std::string_view id) {
  return {{"type", TypeName(type)}, {"id", id}};
}

// An entity-valued attribute: {"__entity": {"type": ..., "id": ...}}.
nlohmann::ordered_json EntityRef(std::string_view type, std::string_view id) {
  return {{"__entity", EntityUid(type, id)}};
}

// A Cedar entity; its parents are all of `parent_type`.
nlohmann::ordered_json CedarEntity(std::string_view type, std::string_view id, std::string_view parent_type,
                                   const std::vector<std::string>& parents,
                                   nlohmann::ordered_json attrs = nlohmann::ordered_json::object()) {
  nlohmann::ordered_json uids = nlohmann::ordered_json::array();
  for (const std::string& parent : parents) uids.push_back(EntityUid(parent_type, parent));
  return {{"uid", EntityUid(type, id)}, {"attrs", std::move(attrs)}, {"parents", std::move(uids)}};
}

std::string Entities(const Snapshot& snapshot) {
  const Model& model = snapshot.model();
  std::string out = "[";
  auto add = [&out](const nlohmann::ordered_json& entity) {
    out += out.size() == 1 ? "\n" : ",\n";
    out += entity.dump();
  };
  for (const Entity& e : model.entities) add(CedarEntity("Org", e.id, "Org", e.part_of));
  for (const Entity& e : model.entities) add(CedarEntity("Territory", e.id, "Territory", e.within));
  for (const Publisher& p : model.publishers) add(CedarEntity("Publisher", p.id, "Publisher", p.owned_by));
  for (size_t a = 0; a < model.apps.size(); ++a) {
    const App& app = model.apps[a];
    add(CedarEntity("App", app.id, "Publisher", {app.publisher},
                    {{"categories", app.categories}, {"origins", snapshot.OriginCountries(static_cast<Index>(a))}}));
  }
  return out + "\n]";
}

}  // namespace

int64_t CedarDate(Date date) {
  const std::string text = date.ToString();  // YYYY-MM-DD
  int year = 0, month = 0, day = 0;
  std::from_chars(text.data(), text.data() + 4, year);
  std::from_chars(text.data() + 5, text.data() + 7, month);
  std::from_chars(text.data() + 8, text.data() + 10, day);
  return int64_t{year} * 10000 + month * 100 + day;
}

CedarExport ExportCedar(const Snapshot& snapshot) {
  return {std::string(kSchema), Policies(snapshot), Entities(snapshot)};
}

std::string CedarDocument(const CedarExport& cedar) {
  std::string out = "{\"schema\":";
  AppendJsonString(out, cedar.schema);
  out += ",\n\"policies\":";
  AppendJsonString(out, cedar.policies);
  out += ",\n\"entities\":" + cedar.entities + "}\n";
  return out;
}

nlohmann::ordered_json CedarRequest(const DeviceSpec& device, std::string_view app_id, Date as_of) {
  nlohmann::ordered_json attrs = {{"kind", Name(device.kind)}};
  if (!device.owner.empty()) attrs["owner"] = EntityRef("Org", device.owner);
  if (!device.network.empty()) attrs["network"] = EntityRef("Org", device.network);
  if (!device.location.empty()) attrs["location"] = EntityRef("Territory", device.location);
  attrs["tags"] = device.tags;
  nlohmann::ordered_json device_entity = CedarEntity("Device", kDeviceId, "Device", {}, std::move(attrs));
  return {{"principal", EntityUid("Device", kDeviceId)},
          {"action", EntityUid("Action", kAction)},
          {"resource", EntityUid("App", app_id)},
          {"context", {{"date", CedarDate(as_of)}}},
          {"entities", nlohmann::ordered_json::array({std::move(device_entity)})}};
}

}  // namespace bantrack::rules
