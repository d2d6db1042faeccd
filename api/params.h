// Query-parameter helpers of the read and data routes, beyond those every route group shares (api/http.h).
// Each returns the value or a kInvalidInput error naming the parameter (400), never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"

namespace bantrack::api {

// The required `reason` of a write: not blank, at most 2000 characters.
Result<std::string> RequiredReason(const Request& request);
// Who a write is by, for the edit log: "token:<name of the request's token>". Only for routes that need a token.
std::string TokenActor(const Request& request);

// An optional id parameter: "" when absent; a 400 when given but not a slug.
Result<std::string> SlugParam(const Request& request, const char* name);

// An optional parameter whose value must be one of `allowed`: "" when absent; a 400 listing them otherwise.
Result<std::string> ChoiceParam(const Request& request, const char* name, const std::vector<std::string_view>& allowed);

// The names of the first `count` values of an engine enum, in declaration order (for ChoiceParam).
template <typename Enum>
std::vector<std::string_view> EnumNames(int count) {
  std::vector<std::string_view> names;
  for (int i = 0; i < count; ++i) names.push_back(Name(static_cast<Enum>(i)));
  return names;
}

// The statuses a rule can have on a date: the five of a timeline, and "not-yet" before its first entry.
std::vector<std::string_view> RuleStatusNames();

// An optional whole number in [min, max]: `fallback` when absent.
Result<uint64_t> NumberParam(const Request& request, const char* name, uint64_t fallback, uint64_t min, uint64_t max);

// `limit` of a list or feed: default 100, 1..1000.
inline constexpr uint64_t kDefaultLimit = 100;
inline constexpr uint64_t kMaxLimit = 1000;
Result<size_t> LimitParam(const Request& request);

// The record of `type` named `id`: a 400 (located at `where`, a parameter name or "id" for the path) when `id` is
// not a slug, a 404 naming the record when nothing has that id.
Result<Index> FindRecord(const Snapshot& snapshot, RecordType type, const std::string& id, const char* where);

// An optional filter naming a record of `type` by id: nullopt when absent; otherwise as FindRecord.
Result<std::optional<Index>> RecordParam(const Request& request, const char* name, RecordType type);

// An optional filter naming an app by id or by store identifier (ios:<bundle id>, android:<package>,
// web:<domain>): nullopt when absent; a 400 when it is neither, a 404 when no app has it.
Result<std::optional<Index>> AppParam(const Request& request, const char* name);

}  // namespace bantrack::api
