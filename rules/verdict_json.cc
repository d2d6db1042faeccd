#include "rules/verdict_json.h"

#include "rules/record_json.h"

namespace bantrack::rules {

using nlohmann::ordered_json;

ordered_json DeviceJson(const DeviceSpec& device) {
  ordered_json out;
  out["kind"] = Name(device.kind);
  if (!device.owner.empty()) out["owner"] = device.owner;
  if (!device.location.empty()) out["location"] = device.location;
  if (!device.network.empty()) out["network"] = device.network;
  if (!device.tags.empty()) out["tags"] = device.tags;
  return out;
}

ordered_json VerdictJson(const Snapshot& snapshot, Index app, const DeviceSpec& asked, Date as_of,
                         const Decision& decision) {
  const Model& model = snapshot.model();
  ordered_json out;
  out["verdict"] = Name(decision.verdict);
  ordered_json& app_json = out["app"];
  app_json["id"] = model.apps[app].id;
  app_json["name"] = model.apps[app].name;
  out["device"] = DeviceJson(asked);
  out["as_of"] = as_of.ToString();
  ordered_json& decisive = out["decisive"] = ordered_json::array();
  for (size_t i = 0; i < decision.decisive_count(); ++i) decisive.push_back(model.rules[decision.matches[i].rule].id);
  ordered_json& matches = out["matches"] = ordered_json::array();
  for (const Match& match : decision.matches) {
    const Rule& rule = model.rules[match.rule];
    ordered_json item;
    item["rule"] = rule.id;
    item["issuer"] = rule.issuer;
    item["effect"] = Name(rule.effect);
    item["status"] = Name(match.status);
    item["role"] = Name(match.role);
    if (match.role == Role::kLifted) item["lifted_by"] = model.rules[match.lifted_by].id;
    item["scope"] = Name(match.scope);
    item["device_path"] = snapshot.DevicePath(match);
    item["app_path"] = snapshot.AppPath(app, match);
    ordered_json& sources = item["sources"] = ordered_json::array();
    for (const Source& source : rule.sources) sources.push_back(CanonicalJson(source));
    matches.push_back(std::move(item));
  }
  out["snapshot"] = snapshot.version();
  return out;
}

}  // namespace bantrack::rules
