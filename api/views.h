// Pieces of answers shared by the read routes, so that a rule, an issuer or a status looks the same in every answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/snapshot.h"

namespace bantrack::api {

// A record as in a bundle (rules::ToJson), with its keys in the documented order (id first).
nlohmann::ordered_json RecordView(const Record& record);

// {"id", "name", "kind"} of an entity, and of a rule's issuer.
nlohmann::ordered_json EntityRef(const Entity& entity);
nlohmann::ordered_json IssuerView(const Snapshot& snapshot, const Rule& rule);

// The app selector of a rule, every part present: {"apps", "publishers", "categories", "origin_countries"}.
nlohmann::ordered_json SelectorView(const Rule& rule);

// The status of a rule on a date as its name, "not-yet" before the first timeline entry.
std::string_view StatusName(const TimelineEntry* entry);

// Adds "status" (StatusName) and "since" (the date of the timeline entry that set it, or null) to `doc`.
void AddStatus(nlohmann::ordered_json& doc, const TimelineEntry* entry);

}  // namespace bantrack::api
