// The data set as Cedar (https://www.cedarpolicy.com): a schema, a policy set and entities that give every question
// the same outcome as bantrack's verdict — deny when it is banned or restricted, allow when it is under-review or
// allowed — and the request that asks Cedar one question. docs/CEDAR.md describes the mapping.
//
// Every type is in the namespace Bantrack. A question "may app A be on device D as of date T" is the Cedar request
//   principal Bantrack::Device::"device" (the device entity the request adds), action Bantrack::Action::"install",
//   resource Bantrack::App::"A", context {"date": T as YYYYMMDD}.
// A deny's reasons are the @id annotations of the forbid policies that fired: bantrack rule ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/date.h"
#include "engine/query.h"
#include "engine/snapshot.h"

namespace bantrack::rules {

struct CedarExport {
  // Cedar schema, human-readable syntax: Org, Territory, Publisher, App, Device and the action "install".
  std::string schema;
  // Cedar policy text: one permit for everything (@id("bantrack:default-permit")), then one forbid per ban or
  // restrict rule that is in force on some date, in rule id order, annotated @id (the rule id), @effect ("ban" |
  // "restrict"), @issuer and @title; its `unless` holds the exemptions that can lift it. Rules never in force are
  // named in a comment only. Each policy begins with its @id line, and no other line begins with "@id(", so tools
  // can cut the text into policies there.
  std::string policies;
  // Cedar entities JSON: an array with one object per line, each of Org (parents: part_of) and Territory (parents:
  // within) for every entity, Publisher (parents: owned_by), then App (parent: its publisher; categories, origins).
  std::string entities;
};

// The whole snapshot as Cedar. Pure; deterministic for a given snapshot.
CedarExport ExportCedar(const Snapshot& snapshot);

// The export as one JSON document, {"schema": "<text>", "policies": "<text>", "entities": [...]}, followed by a
// newline: what `bantrack export --format cedar` and `GET /v1/export?format=cedar` serve.
std::string CedarDocument(const CedarExport& cedar);

// The date as the request context carries it: YYYYMMDD as a number (2025-01-31 is 20250131).
int64_t CedarDate(Date date);

// One question as a Cedar request, in the JSON form of Cedar's SDKs (cedar-wasm's isAuthorized call, minus the
// policies): {"principal": {"type": "Bantrack::Device", "id": "device"}, "action": {"type": "Bantrack::Action",
// "id": "install"}, "resource": {"type": "Bantrack::App", "id": app_id}, "context": {"date": CedarDate(as_of)},
// "entities": [the device]}.
// The device entity has attributes kind, owner (Org), network (Org), location (Territory) — each only when given —
// and tags; add it to the export's entities for this request only. `app_id` is a catalog id, not a store identifier.
nlohmann::ordered_json CedarRequest(const DeviceSpec& device, std::string_view app_id, Date as_of);

}  // namespace bantrack::rules
