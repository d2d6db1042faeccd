// api/openapi.json against the routes actually served: every route documented with every parameter it accepts,
// nothing documented that is not served, every $ref resolvable, and the document served byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/server.h"
#include "rules/export.h"
#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

const json& Document() {
  static const json doc = json::parse(ReadFile(SourceDir() + "/api/openapi.json"));
  return doc;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The value a local reference ("#/components/schemas/App") points to; throws when it points nowhere.
const json& Resolve(const std::string& ref) {
  if (!ref.starts_with("#/")) throw std::runtime_error("not a local reference: " + ref);
  return Document().at(json::json_pointer(ref.substr(1)));
}

// An operation's parameters with references resolved, by (in, name).
std::map<std::pair<std::string, std::string>, json> Parameters(const json& operation) {
  std::map<std::pair<std::string, std::string>, json> parameters;
  for (const json& p : operation.value("parameters", json::array())) {
    const json& parameter = p.contains("$ref") ? Resolve(p["$ref"]) : p;
    parameters[{parameter["in"], parameter["name"]}] = parameter;
  }
  return parameters;
}

// Every route the server answers, as {method, path}, from a Server that is built but never bound.
std::vector<std::pair<std::string, std::string>> ServedRoutes() {
  static const std::shared_ptr<const Snapshot> empty = Snapshot::Build(Model{}, "0").value();
  api::DataSource source;
  source.snapshot = [] { return empty; };
  api::Server server(std::move(source), api::ServerOptions{});
  return server.Routes();
}

void CollectRefs(const json& value, std::vector<std::string>& refs) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (key == "$ref" && child.is_string()) refs.push_back(child);
      CollectRefs(child, refs);
    }
  } else if (value.is_array()) {
    for (const json& child : value) CollectRefs(child, refs);
  }
}

TEST_CASE("the document is OpenAPI 3.1.0 and every route served is in it, and nothing else") {
  const json& doc = Document();
  CHECK(doc["openapi"] == "3.1.0");
  CHECK(doc["info"]["title"] == "bantrack");
  const json& paths = doc["paths"];
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& [method, path] : ServedRoutes()) {
    CAPTURE(method);
    CAPTURE(path);
    served.insert({Lower(method), path});
    REQUIRE(paths.contains(path));
    CHECK(paths[path].contains(Lower(method)));
  }
  CHECK(served.count({"get", "/v1/apps/{id}/restrictions"}) == 1);  // the route groups are all there
  CHECK(served.count({"get", "/healthz"}) == 1);                    // and the server's own routes
  std::set<std::string> operation_ids;
  for (const auto& [path, operations] : paths.items()) {
    for (const auto& [method, operation] : operations.items()) {
      CAPTURE(path);
      CAPTURE(method);
      CHECK(served.count({method, path}) == 1);
      CHECK(operation_ids.insert(operation["operationId"].get<std::string>()).second);
      CHECK(operation.contains("responses"));
      // Every {name} of the template is a required path parameter, and there is no other.
      std::set<std::string> in_template;
      const std::regex braces(R"(\{([a-z_]+)\})");
      for (std::sregex_iterator it(path.begin(), path.end(), braces), end; it != end; ++it)
        in_template.insert((*it)[1]);
      std::set<std::string> declared;
      for (const auto& [key, parameter] : Parameters(operation)) {
        if (key.first != "path") continue;
        declared.insert(key.second);
        CHECK(parameter["required"] == true);
      }
      CHECK(declared == in_template);
    }
  }
}

TEST_CASE("every route's query parameters are documented, with schemas, and no others; access and bodies match") {
  const json& paths = Document()["paths"];
  std::set<std::pair<std::string, std::string>> grouped;
  for (const api::Route& route : api::AllRoutes()) {
    CAPTURE(route.method);
    CAPTURE(route.path);
    grouped.insert({route.method, route.path});
    const json& operation = paths.at(route.path).at(Lower(route.method));
    std::set<std::string> documented;
    for (const auto& [key, parameter] : Parameters(operation)) {
      if (key.first != "query") continue;
      documented.insert(key.second);
      CHECK(parameter.contains("schema"));
      CHECK(!parameter.value("description", "").empty());
    }
    CHECK(documented == std::set<std::string>(route.params.begin(), route.params.end()));

    const bool secured = operation.contains("security");
    CHECK(secured == (route.access != api::Access::kPublic));
    if (secured) {
      CHECK(operation["responses"].contains("401"));
      CHECK(operation["responses"].contains("403"));
    }
    CHECK(operation.contains("requestBody") == route.json_body);
    if (route.json_body) {
      CHECK(operation["requestBody"]["content"].contains("application/json"));
      CHECK(operation["responses"].contains("415"));
      CHECK(operation["responses"].contains("422"));
    }
    if (!route.params.empty()) CHECK(operation["responses"].contains("400"));
  }
  // The server's own routes take no parameters.
  for (const auto& [method, path] : ServedRoutes()) {
    if (grouped.count({method, path})) continue;
    CAPTURE(path);
    for (const auto& [key, parameter] : Parameters(paths[path][Lower(method)])) CHECK(key.first == "path");
  }
}

TEST_CASE("every $ref resolves, and the enums are the engine's") {
  std::vector<std::string> refs;
  CollectRefs(Document(), refs);
  CHECK(refs.size() > 100);
  for (const std::string& ref : refs) {
    CAPTURE(ref);
    CHECK_NOTHROW(Resolve(ref));
  }
  const json& schemas = Document()["components"]["schemas"];
  auto names = [](auto last, auto name_of) {
    json list = json::array();
    for (int i = 0; i <= static_cast<int>(last); ++i)
      list.push_back(std::string(name_of(static_cast<decltype(last)>(i))));
    return list;
  };
  CHECK(schemas["EntityKind"]["enum"] == names(EntityKind::kOrganization, [](EntityKind v) { return Name(v); }));
  CHECK(schemas["Instrument"]["enum"] == names(Instrument::kCourtOrder, [](Instrument v) { return Name(v); }));
  CHECK(schemas["Effect"]["enum"] == names(Effect::kExempt, [](Effect v) { return Name(v); }));
  CHECK(schemas["Scope"]["enum"] == names(Scope::kPublic, [](Scope v) { return Name(v); }));
  CHECK(schemas["RuleStatus"]["enum"] == names(RuleStatus::kLifted, [](RuleStatus v) { return Name(v); }));
  CHECK(schemas["Platform"]["enum"] == names(Platform::kWeb, [](Platform v) { return Name(v); }));
  CHECK(schemas["DeviceKind"]["enum"] == names(DeviceKind::kPersonal, [](DeviceKind v) { return Name(v); }));
  CHECK(schemas["Match"]["properties"]["role"]["enum"] == names(Role::kInactive, [](Role v) { return Name(v); }));
  json export_formats = json::array();
  for (const rules::ExportFormat& format : rules::ExportFormats()) export_formats.push_back(std::string(format.name));
  for (const json& parameter : Document()["paths"]["/v1/export"]["get"]["parameters"]) {
    if (parameter.value("name", "") == "format") CHECK(parameter["schema"]["enum"] == export_formats);
  }
  for (const char* schema : {"Entity", "Publisher", "App", "Rule", "TimelineEntry", "Source", "Bundle", "Verdict",
                             "Match", "BatchResults", "Problem", "ImportSummary", "Change", "AppList", "RuleList"}) {
    CHECK(schemas.contains(schema));
  }
  CHECK(Document()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
}

TEST_CASE("GET /openapi.json serves the file byte for byte") {
  TempDir dir;
  ServerProcess server(dir.File("openapi.db"));
  auto res = server.Client()->Get("/openapi.json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  CHECK(res->body == ReadFile(SourceDir() + "/api/openapi.json"));
}

}  // namespace
}  // namespace bantrack::testing
