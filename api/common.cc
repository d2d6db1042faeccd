// Helpers shared by the route groups (declared in api/http.h).
#include "api/http.h"
#include "rules/bundle.h"
#include "rules/text.h"

namespace bantrack::api {

std::string Request::Param(const char* name) const { return http.get_param_value(name); }

Reply JsonReply(const nlohmann::ordered_json& doc, int status) {
  Reply reply;
  reply.status = status;
  reply.body = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return reply;
}

Error BadParam(std::string name, std::string message) {
  std::string detail = name + ": " + message;
  return Error(ErrorCode::kInvalidInput, std::move(detail), {{std::move(name), std::move(message)}});
}

Result<Date> DateParam(const Request& request, const char* name) {
  if (!request.Has(name)) return request.today;
  const std::string text = request.Param(name);
  if (auto date = Date::Parse(text)) return *date;
  return BadParam(name, "\"" + text.substr(0, 40) + "\" is not a date (expected YYYY-MM-DD)");
}

Status CheckSlug(const std::string& value, const char* name) {
  if (IsSlug(value)) return {};
  return BadParam(name, "\"" + value.substr(0, 80) + "\" is not an id (a slug: a-z, 0-9 and '-', at most 64)");
}

Result<DeviceSpec> DeviceParams(const Request& request, bool kind_required) {
  DeviceSpec spec;
  if (!request.Has("device")) {
    if (kind_required) return BadParam("device", "required: government, work or personal");
  } else {
    const std::string kind = request.Param("device");
    std::optional<DeviceKind> parsed = ParseDeviceKind(kind);
    if (!parsed) return BadParam("device", "\"" + kind.substr(0, 40) + "\" is not government, work or personal");
    spec.kind = *parsed;
  }
  for (auto [name, field] : {std::pair{"owner", &spec.owner}, std::pair{"location", &spec.location},
                             std::pair{"network", &spec.network}}) {
    if (!request.Has(name)) continue;
    *field = request.Param(name);
    if (Status ok = CheckSlug(*field, name); !ok.ok()) return std::move(ok).take_error();
  }
  for (std::string& tag : rules::SplitList(request.Param("tags"), ',')) {
    if (Status ok = CheckSlug(tag, "tags"); !ok.ok()) return std::move(ok).take_error();
    spec.tags.push_back(std::move(tag));
  }
  return spec;
}

Result<Device> ResolveDevice(const Snapshot& snapshot, const DeviceSpec& spec, ErrorCode code,
                             const std::string& path_prefix) {
  Result<Device> device = snapshot.ResolveDevice(spec);
  if (device.ok()) return device;
  std::vector<FieldError> details;
  for (const FieldError& d : device.error().details()) details.push_back({path_prefix + d.path, d.message});
  std::string message = details.size() == 1 ? details[0].path + ": " + details[0].message : "unknown entities";
  return Error(code, std::move(message), std::move(details));
}

Result<nlohmann::json> JsonBody(const Request& request) { return rules::ParseJson(request.http.body); }

std::optional<RecordType> CollectionType(std::string_view collection) {
  for (RecordType type : {RecordType::kEntity, RecordType::kPublisher, RecordType::kApp, RecordType::kRule}) {
    if (ListName(type) == collection) return type;
  }
  return std::nullopt;
}

}  // namespace bantrack::api
