#include "api/params.h"

#include <algorithm>
#include <charconv>

namespace bantrack::api {

namespace {
constexpr size_t kMaxReason = 2000;
}  // namespace

Result<std::string> RequiredReason(const Request& request) {
  const std::string reason = request.Param("reason");
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return BadParam("reason", "required: why this change is made (it goes into the edit log)");
  }
  if (reason.size() > kMaxReason) return BadParam("reason", "at most 2000 characters");
  return reason;
}

std::string TokenActor(const Request& request) { return "token:" + request.token->name; }

Result<std::string> SlugParam(const Request& request, const char* name) {
  if (!request.Has(name)) return std::string();
  std::string value = request.Param(name);
  if (Status ok = CheckSlug(value, name); !ok.ok()) return std::move(ok).take_error();
  return value;
}

Result<std::string> ChoiceParam(const Request& request, const char* name,
                                const std::vector<std::string_view>& allowed) {
  if (!request.Has(name)) return std::string();
  std::string value = request.Param(name);
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string choices;
  for (std::string_view choice : allowed) (choices += choices.empty() ? "" : ", ") += choice;
  return BadParam(name, "\"" + value.substr(0, 40) + "\" is not one of " + choices);
}

std::vector<std::string_view> RuleStatusNames() {
  std::vector<std::string_view> names = EnumNames<RuleStatus>(static_cast<int>(RuleStatus::kLifted) + 1);
  names.push_back("not-yet");
  return names;
}

Result<uint64_t> NumberParam(const Request& request, const char* name, uint64_t fallback, uint64_t min, uint64_t max) {
  if (!request.Has(name)) return fallback;
  const std::string text = request.Param(name);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return BadParam(name, "\"" + text.substr(0, 40) + "\" is not " + range);
  }
  return value;
}

Result<size_t> LimitParam(const Request& request) {
  Result<uint64_t> limit = NumberParam(request, "limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit.ok()) return std::move(limit).take_error();
  return static_cast<size_t>(limit.value());
}

Result<Index> FindRecord(const Snapshot& snapshot, RecordType type, const std::string& id, const char* where) {
  if (Status ok = CheckSlug(id, where); !ok.ok()) return std::move(ok).take_error();
  std::optional<Index> found;
  switch (type) {
    case RecordType::kEntity: found = snapshot.FindEntity(id); break;
    case RecordType::kPublisher: found = snapshot.FindPublisher(id); break;
    case RecordType::kApp: found = snapshot.FindApp(id); break;
    case RecordType::kRule: found = snapshot.FindRule(id); break;
  }
  if (found) return *found;
  const std::string record(RecordName(type));
  return Error(
      ErrorCode::kNotFound,
      record + " \"" + id + "\" does not exist (search with GET /v1/" + std::string(ListName(type)) + "?q=" + id + ")",
      {{where, "no " + record + " has this id"}});
}

Result<std::optional<Index>> RecordParam(const Request& request, const char* name, RecordType type) {
  if (!request.Has(name)) return std::optional<Index>();
  Result<Index> found = FindRecord(*request.snapshot, type, request.Param(name), name);
  if (!found.ok()) return std::move(found).take_error();
  return std::optional<Index>(found.value());
}

Result<std::optional<Index>> AppParam(const Request& request, const char* name) {
  if (!request.Has(name)) return std::optional<Index>();
  const std::string text = request.Param(name);
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return RecordParam(request, name, RecordType::kApp);
  if (!ParsePlatform(std::string_view(text).substr(0, colon))) {
    return BadParam(name, "\"" + text.substr(0, 80) + "\" is neither an app id nor ios:/android:/web:<identifier>");
  }
  if (std::optional<Index> app = request.snapshot->ResolveApp(text)) return app;
  return Error(ErrorCode::kNotFound,
               std::string(name) + ": no app has the store identifier \"" + text.substr(0, 200) + "\"",
               {{name, "not a store identifier in the catalog (ios:<bundle id>, android:<package>, web:<domain>)"}});
}

}  // namespace bantrack::api
