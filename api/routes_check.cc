// GET /v1/check: one verdict with its explanation. POST /v1/check: many, in the order asked.
#include "api/http.h"
#include "rules/batch_json.h"
#include "rules/verdict_json.h"

namespace bantrack::api {
namespace {

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
  Reply reply;
  reply.body = rules::VerdictJson(snapshot, *app, spec.value(), as_of.value(), decision);
  return reply;
}

Result<Reply> PostCheck(Request& request) {
  rules::BatchCounts counts;
  Result<std::string> answers = rules::AnswerBatch(*request.snapshot, request.http.body, request.today, &counts);
  if (!answers.ok()) return std::move(answers).take_error();
  for (size_t v = 0; v < counts.verdicts.size(); ++v) request.metrics->CountVerdict(static_cast<Verdict>(v), counts.verdicts[v]);
  request.metrics->CountUnknown(counts.unknown);
  Reply reply;
  reply.body = std::move(answers).value();
  return reply;
}

}  // namespace

void AddCheckRoutes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/v1/check", {"app", "device", "owner", "location", "network", "tags", "as_of"},
                    Access::kPublic, GetCheck});
  routes.push_back({"POST", "/v1/check", {}, Access::kPublic, PostCheck, /*json_body=*/true});
}

}  // namespace bantrack::api
