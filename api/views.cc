#include "api/views.h"

#include "rules/bundle.h"

namespace bantrack::api {

nlohmann::ordered_json RecordView(const Record& record) {
  // RecordJson is the one rendering in documented key order; an ordered parse keeps that order.
  return nlohmann::ordered_json::parse(rules::RecordJson(record));
}

nlohmann::ordered_json EntityRef(const Entity& entity) {
  return {{"id", entity.id}, {"name", entity.name}, {"kind", Name(entity.kind)}};
}

nlohmann::ordered_json IssuerView(const Snapshot& snapshot, const Rule& rule) {
  return EntityRef(snapshot.model().entities[*snapshot.FindEntity(rule.issuer)]);
}

nlohmann::ordered_json SelectorView(const Rule& rule) {
  return {{"apps", rule.apps},
          {"publishers", rule.publishers},
          {"categories", rule.categories},
          {"origin_countries", rule.origin_countries}};
}

std::string_view StatusName(const TimelineEntry* entry) { return entry ? Name(entry->status) : "not-yet"; }

void AddStatus(nlohmann::ordered_json& doc, const TimelineEntry* entry) {
  doc["status"] = StatusName(entry);
  doc["since"] = entry ? nlohmann::ordered_json(entry->date.ToString()) : nullptr;
}

}  // namespace bantrack::api
