// Questions about a corpus, as clients ask them: the elements of a POST /v1/check {"queries": [...]} body.
//
// The query file format is that body, one question per line, so that line-oriented tools (the HTTP benchmark's
// scripts) can cut it into smaller bodies without a JSON parser:
//   {"queries":[
//   {"device":{"kind":"government","owner":"qx-g1-a2"},"app":"ios:com.kotava.lemu1k","as_of":"2025-02-01"},
//   ...
//   ]}
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/date.h"
#include "engine/query.h"
#include "engine/snapshot.h"
#include "engine/status.h"

namespace bantrack::bench {

struct Question {
  DeviceSpec device;
  std::string app;  // an app id or a store identifier ("ios:...", "android:...", "web:..."), maybe unknown
  Date as_of;
};

// What a question gets: a Verdict (its enum value as index), or kUnknownApp when the app is not in the catalog.
inline constexpr size_t kUnknownApp = 4;
inline constexpr size_t kOutcomeCount = 5;
std::string_view OutcomeName(size_t outcome);  // "allowed", ..., "banned", "unknown"
using OutcomeCounts = std::array<size_t, kOutcomeCount>;

// The outcome of `question` on `snapshot`; `decision` is scratch space. An entity the snapshot does not know
// counts as an unknown app (questions from DrawQuestions name only known entities).
size_t OutcomeOf(const Snapshot& snapshot, const Question& question, Decision& decision);
OutcomeCounts CountOutcomes(const Snapshot& snapshot, const std::vector<Question>& questions);

// `count` questions about the snapshot's data, deterministic in (data, count, seed):
//  - 65 % aimed at a rule: a device its scope reaches (an owner, network or location found by walking down from
//    the issuer), carrying its device tags, an app its selector picks, a date inside one of its timeline entries
//    (or, 4 % of them, just before the rule existed);
//  - 30 % at random: any device kind, owner, location, sometimes a network and tags, any app, any date 2014-2028;
//  - 5 % about apps the catalog does not know (ids and store identifiers);
//  - one known app in five is named by a store identifier (ios:, android:, web:, some web ones by a subdomain).
// Then, when count >= 5, every outcome (banned, restricted, under-review, allowed, unknown) is made to occur: for a
// missing one, more aimed questions are drawn until one has it, and it replaces a question of the commonest
// outcome. An outcome the data cannot produce (no restrict rules, say) stays missing; the result says which.
struct DrawnQuestions {
  std::vector<Question> questions;
  OutcomeCounts outcomes{};
};
DrawnQuestions DrawQuestions(const Snapshot& snapshot, size_t count, uint64_t seed);

// The query file: {"queries":[ one question per line ]} and a newline; device fields in the order kind, owner,
// location, network, tags; every question with its as_of.
std::string QueriesJson(const std::vector<Question>& questions);

// Reads a query file: any POST /v1/check body, {"queries": [{"device", "app", "as_of"?}, ...], "as_of"?} or
// {"device", "apps": [...], "as_of"?} (one question per app). As the server does, a question without as_of is asked
// as of the body's, and a body without one as of `today`.
Result<std::vector<Question>> ParseQueries(std::string_view json_text, Date today);

}  // namespace bantrack::bench
