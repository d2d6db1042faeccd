// Writes: POST /v1/{collection}, PUT and DELETE /v1/{collection}/{id} for entities, publishers, apps and rules.
// Each needs an editor token and a reason; each is one transaction and one edit-log entry (db::Catalog).
#include "api/http.h"
#include "api/params.h"
#include "rules/bundle.h"

namespace bantrack::api {
namespace {

// The record of `type` in the body, or every problem it has, structural and against the stored data, located
// relative to the record ("scope[0]", "issuer"). The record goes through the bundle machinery as a one-record
// bundle, so a record is checked exactly as it would be inside an imported bundle.
Result<Record> BodyRecord(const Request& request, RecordType type) {
  Result<nlohmann::json> body = JsonBody(request);
  if (!body.ok()) return std::move(body).take_error();
  const std::string list(ListName(type));
  nlohmann::json bundle = {{"format", "bantrack/v1"}, {list, nlohmann::json::array({std::move(body).value()})}};
  rules::Parsed parsed = rules::ParseBundle(bundle.dump());
  std::vector<FieldError> problems = rules::MergeProblems(
      std::move(parsed.errors), request.source.catalog->CheckImport(parsed.model, /*replace_all=*/false));
  if (!problems.empty()) {
    const std::string prefix = list + "[0]";
    for (FieldError& problem : problems) {
      if (problem.path == prefix) {
        problem.path = "$";
      } else if (problem.path.starts_with(prefix + ".")) {
        problem.path.erase(0, prefix.size() + 1);
      }
    }
    const std::string count = std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
    return Error(ErrorCode::kInvalidData, count + " in the " + std::string(RecordName(type)), std::move(problems));
  }
  switch (type) {
    case RecordType::kEntity: return Record(std::move(parsed.model.entities[0]));
    case RecordType::kPublisher: return Record(std::move(parsed.model.publishers[0]));
    case RecordType::kApp: return Record(std::move(parsed.model.apps[0]));
    case RecordType::kRule: return Record(std::move(parsed.model.rules[0]));
  }
  return Error(ErrorCode::kInternal, "unknown record type");
}

// The record with `id` as stored in `snapshot`, as JSON.
Reply StoredRecord(const Snapshot& snapshot, RecordType type, const std::string& id, int status) {
  const Model& m = snapshot.model();
  nlohmann::json record;
  switch (type) {
    case RecordType::kEntity: record = rules::ToJson(m.entities[*snapshot.FindEntity(id)]); break;
    case RecordType::kPublisher: record = rules::ToJson(m.publishers[*snapshot.FindPublisher(id)]); break;
    case RecordType::kApp: record = rules::ToJson(m.apps[*snapshot.FindApp(id)]); break;
    case RecordType::kRule: record = rules::ToJson(m.rules[*snapshot.FindRule(id)]); break;
  }
  Reply reply = JsonReply(nlohmann::ordered_json(record), status);
  reply.headers.push_back({"X-Bantrack-Snapshot", snapshot.version()});
  return reply;
}

Handler Create(RecordType type) {
  return [type](Request& request) -> Result<Reply> {
    Result<std::string> reason = RequiredReason(request);
    if (!reason.ok()) return std::move(reason).take_error();
    Result<Record> record = BodyRecord(request, type);
    if (!record.ok()) return std::move(record).take_error();
    const std::string id = IdOf(record.value());
    auto created = request.source.catalog->Create(record.value(), TokenActor(request), reason.value());
    if (!created.ok()) {
      // A create can only conflict on its id: say which field, so that a form can show it there.
      if (created.error().code() == ErrorCode::kConflict) {
        return Error(ErrorCode::kConflict, created.error().message(), {{"id", created.error().message()}});
      }
      return std::move(created).take_error();
    }
    Reply reply = StoredRecord(*created.value(), type, id, 201);
    reply.headers.push_back({"Location", "/v1/" + std::string(ListName(type)) + "/" + id});
    return reply;
  };
}

Handler Update(RecordType type) {
  return [type](Request& request) -> Result<Reply> {
    const std::string id = request.PathId();
    if (Status ok = CheckSlug(id, "id"); !ok.ok()) return std::move(ok).take_error();
    Result<std::string> reason = RequiredReason(request);
    if (!reason.ok()) return std::move(reason).take_error();
    Result<Record> record = BodyRecord(request, type);
    if (!record.ok()) return std::move(record).take_error();
    if (IdOf(record.value()) != id) {
      return Error(ErrorCode::kInvalidData, "id: the body's id must be the URL's (\"" + id + "\"); ids cannot change",
                   {{"id", "expected \"" + id + "\""}});
    }
    auto updated = request.source.catalog->Update(record.value(), TokenActor(request), reason.value());
    if (!updated.ok()) return std::move(updated).take_error();
    return StoredRecord(*updated.value(), type, id, 200);
  };
}

Handler Remove(RecordType type) {
  return [type](Request& request) -> Result<Reply> {
    const std::string id = request.PathId();
    if (Status ok = CheckSlug(id, "id"); !ok.ok()) return std::move(ok).take_error();
    Result<std::string> reason = RequiredReason(request);
    if (!reason.ok()) return std::move(reason).take_error();
    auto removed = request.source.catalog->Remove(type, id, TokenActor(request), reason.value());
    if (!removed.ok()) return std::move(removed).take_error();
    Reply reply;
    reply.status = 204;
    reply.headers.push_back({"X-Bantrack-Snapshot", removed.value()->version()});
    return reply;
  };
}

}  // namespace

void AddWriteRoutes(std::vector<Route>& routes) {
  for (RecordType type : {RecordType::kEntity, RecordType::kPublisher, RecordType::kApp, RecordType::kRule}) {
    const std::string collection = "/v1/" + std::string(ListName(type));
    routes.push_back({"POST", collection, {"reason"}, Access::kEditor, Create(type), /*json_body=*/true});
    routes.push_back({"PUT", collection + "/{id}", {"reason"}, Access::kEditor, Update(type), /*json_body=*/true});
    routes.push_back({"DELETE", collection + "/{id}", {"reason"}, Access::kEditor, Remove(type)});
  }
}

}  // namespace bantrack::api
