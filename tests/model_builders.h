// Short builders for models written out in tests (header-only; engine types only).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/model.h"

namespace bantrack::testing {

// A date that is known to be valid.
inline Date D(const char* text) { return *Date::Parse(text); }

// An entity named "Name of <id>".
inline Entity E(std::string id, EntityKind kind, std::vector<std::string> part_of = {},
                std::vector<std::string> within = {}) {
  return Entity{id, "Name of " + id, kind, std::move(part_of), std::move(within)};
}

// A rule titled "Title of <id>" with one source, https://example.org/<id>, and the timeline given; no selector yet.
inline Rule R(std::string id, std::string issuer, Effect effect, std::vector<Scope> scope,
              std::vector<std::pair<const char*, RuleStatus>> timeline) {
  Rule rule;
  rule.id = std::move(id);
  rule.issuer = std::move(issuer);
  rule.title = "Title of " + rule.id;
  rule.effect = effect;
  rule.scope = std::move(scope);
  for (auto [date, status] : timeline) rule.timeline.push_back({D(date), status, ""});
  rule.sources.push_back({"https://example.org/" + rule.id, "Source of " + rule.id, "Example", std::nullopt});
  return rule;
}

}  // namespace bantrack::testing
