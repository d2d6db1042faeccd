// The data set whole: GET /v1/export (a bundle, the rules as CSV, or Cedar policies) and POST /v1/import (a bundle, merged by id or
// replacing everything; all or nothing, every problem reported with its JSON path).
#include <algorithm>

#include "api/http.h"
#include "api/params.h"
#include "rules/bundle.h"
#include "rules/export.h"

namespace bantrack::api {
namespace {

Result<Reply> GetExport(Request& request) {
  std::vector<std::string_view> names;
  for (const rules::ExportFormat& format : rules::ExportFormats()) names.push_back(format.name);
  Result<std::string> name = ChoiceParam(request, "format", names);
  if (!name.ok()) return std::move(name).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();
  const rules::ExportFormat& format = *rules::FindExportFormat(name->empty() ? names.front() : *name);
  const Snapshot& snapshot = *request.snapshot;
  Reply reply;
  reply.body = format.write(snapshot, as_of.value());
  reply.content_type = std::string(format.content_type);
  reply.headers.push_back({"Content-Disposition", "attachment; filename=\"bantrack-" + snapshot.version() + "." +
                                                      std::string(format.extension) + "\""});
  return reply;
}

Result<Reply> PostImport(Request& request) {
  Result<std::string> reason = RequiredReason(request);
  if (!reason.ok()) return std::move(reason).take_error();
  Result<std::string> mode = ChoiceParam(request, "mode", {"merge", "replace"});
  if (!mode.ok()) return std::move(mode).take_error();
  const bool replace = *mode == "replace";
  if (replace && request.token->role < db::Role::kAdmin) {
    return Error(ErrorCode::kPermissionDenied,
                 "mode=replace swaps the whole data set and needs an admin token; this "
                 "one has role " +
                     std::string(db::Name(request.token->role)));
  }

  rules::Parsed parsed = rules::ParseBundle(request.http.body);
  if (!parsed.is_json) {
    std::string message = "the body is not JSON";
    if (!parsed.errors.empty()) message += ": " + parsed.errors.front().message;
    return Error(ErrorCode::kInvalidInput, std::move(message), std::move(parsed.errors));
  }
  db::Catalog& catalog = *request.source.catalog;
  std::vector<FieldError> problems =
      rules::MergeProblems(std::move(parsed.errors), catalog.CheckImport(parsed.model, replace));
  if (!problems.empty()) {
    const std::string count = std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
    return Error(ErrorCode::kInvalidData, count + " in the bundle; nothing was imported", std::move(problems));
  }
  Result<db::ImportSummary> summary = catalog.Import(parsed.model, replace, TokenActor(request), reason.value());
  if (!summary.ok()) return std::move(summary).take_error();

  const std::string version = std::to_string(summary->version);
  nlohmann::ordered_json doc = {{"mode", replace ? "replace" : "merge"}, {"added", summary->added},
                                {"replaced", summary->replaced},         {"removed", summary->removed},
                                {"version", summary->version},           {"snapshot", version}};
  Reply reply = JsonReply(doc);
  reply.headers.push_back({"X-Bantrack-Snapshot", version});
  return reply;
}

}  // namespace

void AddDataRoutes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/v1/export", {"format", "as_of"}, Access::kPublic, GetExport});
  routes.push_back({"POST", "/v1/import", {"reason", "mode"}, Access::kEditor, PostImport, /*json_body=*/true});
}

}  // namespace bantrack::api
