// GET /v1/check: one verdict with its explanation. POST /v1/check: many, in the order asked.
#include "api/http.h"
#include "rules/batch_json.h"
#include "rules/verdict_json.h"

namespace bantrack::api {
namespace {

// A batch body may ask this many questions at most.
constexpr size_t kMaxQuestions = 1'000'000;

Result<Reply> GetCheck(Request& request) {
  if (!request.Has("app")) return BadParam("app", "required: an app id or ios:/android:/web: store identifier");
  Result<DeviceSpec> spec = DeviceParams(request, /*kind_required=*/true);
  if (!spec.ok()) return std::move(spec).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  const Snapshot& snapshot = *request.snapshot;
  const std::string app_text = request.Param("app");
  std::optional<Index> app = snapshot.ResolveApp(app_text);
  if (!app) {
    return Error(ErrorCode::kNotFound, "app: unknown app \"" + app_text.substr(0, 200) + "\"",
                 {{"app", "not an app id or store identifier in the catalog (see /v1/apps?q=...)"}});
  }
  Result<Device> device = ResolveDevice(snapshot, spec.value(), ErrorCode::kNotFound, "");
  if (!device.ok()) return std::move(device).take_error();
  Decision decision;
  snapshot.Evaluate(Query{*app, device.value(), as_of.value()}, decision);
  request.metrics->CountVerdict(decision.verdict);
  return JsonReply(rules::VerdictJson(snapshot, *app, spec.value(), as_of.value(), decision));
}

// Reads an optional "as_of" member of `object` (at `path`), defaulting to `fallback`.
Result<Date> AsOfMember(const nlohmann::json& object, const std::string& path, Date fallback) {
  auto it = object.find("as_of");
  if (it == object.end()) return fallback;
  if (it->is_string()) {
    if (auto date = Date::Parse(it->get<std::string>())) return *date;
  }
  const std::string where = path.empty() ? "as_of" : path + ".as_of";
  return Error(ErrorCode::kInvalidData, where + ": expected a date YYYY-MM-DD", {{where, "expected a date YYYY-MM-DD"}});
}

Error BodyProblem(const std::string& path, const std::string& message) {
  return Error(ErrorCode::kInvalidData, path + ": " + message, {{path, message}});
}

// Accumulates the answers of a batch, in the order asked.
class BatchWriter {
 public:
  BatchWriter(const Snapshot& snapshot, Metrics& metrics) : snapshot_(snapshot), metrics_(metrics) {
    out_ = "{\"results\":[";
  }

  void Ask(const nlohmann::json& app_value, const Device& device, Date as_of) {
    const std::string& asked = app_value.get_ref<const std::string&>();
    std::optional<Index> app = snapshot_.ResolveApp(asked);
    if (count_++ > 0) out_ += ',';
    if (app) {
      snapshot_.Evaluate(Query{*app, device, as_of}, decision_);
      ++verdicts_[static_cast<size_t>(decision_.verdict)];
    } else {
      ++unknown_;
    }
    rules::AppendBatchItem(out_, snapshot_, asked, app, app ? &decision_ : nullptr);
  }

  Reply Finish() {
    out_ += "],\"snapshot\":";
    rules::AppendJsonString(out_, snapshot_.version());
    out_ += "}\n";
    for (size_t v = 0; v < verdicts_.size(); ++v) metrics_.CountVerdict(static_cast<Verdict>(v), verdicts_[v]);
    metrics_.CountUnknown(unknown_);
    Reply reply;
    reply.body = std::move(out_);
    return reply;
  }

 private:
  const Snapshot& snapshot_;
  Metrics& metrics_;
  std::string out_;
  Decision decision_;
  size_t count_ = 0;
  std::array<uint64_t, 4> verdicts_{};
  uint64_t unknown_ = 0;
};

// {"device": {...}, "apps": [...], "as_of"?} — one device, many apps.
Result<Reply> CheckOneDevice(Request& request, const nlohmann::json& body, Date as_of) {
  for (const auto& [key, value] : body.items()) {
    if (key != "device" && key != "apps" && key != "as_of") return BodyProblem(key, "unknown field");
  }
  Result<DeviceSpec> spec = DeviceFromJson(body["device"], "device");
  if (!spec.ok()) return std::move(spec).take_error();
  Result<Device> device = ResolveDevice(*request.snapshot, spec.value(), ErrorCode::kInvalidData, "device.");
  if (!device.ok()) return std::move(device).take_error();
  const nlohmann::json& apps = body["apps"];
  if (!apps.is_array()) return BodyProblem("apps", "expected an array of app ids or store identifiers");
  if (apps.size() > kMaxQuestions) return BodyProblem("apps", "at most 1000000 apps in one request");
  for (size_t i = 0; i < apps.size(); ++i) {
    if (!apps[i].is_string()) return BodyProblem("apps[" + std::to_string(i) + "]", "expected a string");
  }
  BatchWriter writer(*request.snapshot, *request.metrics);
  for (const nlohmann::json& app : apps) writer.Ask(app, device.value(), as_of);
  return writer.Finish();
}

// {"queries": [{"device", "app", "as_of"?}, ...], "as_of"?} — each question with its own device.
Result<Reply> CheckQueries(Request& request, const nlohmann::json& body, Date as_of) {
  for (const auto& [key, value] : body.items()) {
    if (key != "queries" && key != "as_of") return BodyProblem(key, "unknown field");
  }
  const nlohmann::json& queries = body["queries"];
  if (!queries.is_array()) return BodyProblem("queries", "expected an array of {\"device\", \"app\"} objects");
  if (queries.size() > kMaxQuestions) return BodyProblem("queries", "at most 1000000 queries in one request");
  // Validate everything before answering anything: a bad question fails the whole request.
  std::vector<Device> devices;
  std::vector<Date> dates;
  devices.reserve(queries.size());
  dates.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string path = "queries[" + std::to_string(i) + "]";
    const nlohmann::json& query = queries[i];
    if (!query.is_object()) return BodyProblem(path, "expected an object {\"device\", \"app\"}");
    for (const auto& [key, value] : query.items()) {
      if (key != "device" && key != "app" && key != "as_of") return BodyProblem(path + "." + key, "unknown field");
    }
    if (!query.contains("app") || !query["app"].is_string()) {
      return BodyProblem(path + ".app", "expected an app id or store identifier");
    }
    if (!query.contains("device")) return BodyProblem(path + ".device", "missing required field");
    Result<DeviceSpec> spec = DeviceFromJson(query["device"], path + ".device");
    if (!spec.ok()) return std::move(spec).take_error();
    Result<Device> device = ResolveDevice(*request.snapshot, spec.value(), ErrorCode::kInvalidData, path + ".device.");
    if (!device.ok()) return std::move(device).take_error();
    Result<Date> date = AsOfMember(query, path, as_of);
    if (!date.ok()) return std::move(date).take_error();
    devices.push_back(std::move(device).value());
    dates.push_back(date.value());
  }
  BatchWriter writer(*request.snapshot, *request.metrics);
  for (size_t i = 0; i < queries.size(); ++i) writer.Ask(queries[i]["app"], devices[i], dates[i]);
  return writer.Finish();
}

Result<Reply> PostCheck(Request& request) {
  Result<nlohmann::json> parsed = JsonBody(request);
  if (!parsed.ok()) return std::move(parsed).take_error();
  const nlohmann::json& body = parsed.value();
  if (!body.is_object()) {
    return BodyProblem("$", "expected {\"device\": {...}, \"apps\": [...]} or {\"queries\": [...]}");
  }
  Result<Date> as_of = AsOfMember(body, "", request.today);
  if (!as_of.ok()) return std::move(as_of).take_error();
  const bool one_device = body.contains("device") || body.contains("apps");
  if (one_device && body.contains("queries")) {
    return BodyProblem("queries", "give either device and apps, or queries, not both");
  }
  if (one_device) {
    if (!body.contains("device")) return BodyProblem("device", "missing required field");
    if (!body.contains("apps")) return BodyProblem("apps", "missing required field");
    return CheckOneDevice(request, body, as_of.value());
  }
  if (!body.contains("queries")) {
    return BodyProblem("$", "expected {\"device\": {...}, \"apps\": [...]} or {\"queries\": [...]}");
  }
  return CheckQueries(request, body, as_of.value());
}

}  // namespace

void AddCheckRoutes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/v1/check", {"app", "device", "owner", "location", "network", "tags", "as_of"},
                    Access::kPublic, GetCheck});
  routes.push_back({"POST", "/v1/check", {}, Access::kPublic, PostCheck, /*json_body=*/true});
}

}  // namespace bantrack::api
