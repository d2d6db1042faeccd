// The API's internal framework: routes, the request a handler sees, the reply it returns, and helpers every
// route group shares. Route groups live in routes_*.cc and register themselves through Add*Routes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/metrics.h"
#include "api/server.h"
#include "db/store.h"
#include "engine/query.h"

namespace bantrack::api {

// Who may call a route: anyone, or a bearer token of at least this role.
enum class Access { kPublic, kEditor, kAdmin };

// What a handler returns; the server adds the common headers (snapshot, ETag, CORS, content length).
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The request as a handler sees it: one snapshot for the whole request.
struct Request {
  const httplib::Request& http;
  const DataSource& source;
  std::shared_ptr<const Snapshot> snapshot;
  Date today;
  std::optional<db::TokenInfo> token;  // set for routes that need one
  Metrics* metrics = nullptr;

  // A query parameter's value, or "" when absent.
  std::string Param(const char* name) const;
  bool Has(const char* name) const { return http.has_param(name); }
  // The {id} of the route's path.
  std::string PathId() const { return http.matches.size() > 1 ? std::string(http.matches[1]) : std::string(); }
};

using Handler = std::function<Result<Reply>(Request&)>;

struct Route {
  std::string method;               // GET, POST, PUT or DELETE
  std::string path;                 // "/v1/apps/{id}/restrictions": {id} matches one path segment
  std::vector<std::string> params;  // the query parameters it accepts; any other is a 400
  Access access = Access::kPublic;
  Handler handler;
  bool json_body = false;           // takes a JSON body: other content types get 415 before the handler runs
  // Answers from live state (the edit log, health, metrics, files) rather than from the snapshot alone. Other GET
  // answers are a function of (snapshot, today's date, URL): they carry an ETag, and a matching If-None-Match is
  // answered 304 before the handler runs. Live routes are never tagged, and are served before any snapshot exists.
  bool live = false;
};

// The route groups.
void AddCheckRoutes(std::vector<Route>& routes);
void AddCatalogRoutes(std::vector<Route>& routes);    // apps, entities, publishers, rules and their views
void AddBlocklistRoutes(std::vector<Route>& routes);  // blocklist in its formats
void AddFeedRoutes(std::vector<Route>& routes);       // timeline, changes, feed.atom
void AddDataRoutes(std::vector<Route>& routes);       // export, import
void AddWriteRoutes(std::vector<Route>& routes);      // POST/PUT/DELETE of records
// healthz, readyz, metrics, openapi.json and the web page need the server's own state: see server.cc.

// Every route of the API, in registration order (the OpenAPI test walks this list).
std::vector<Route> AllRoutes();

// ----- helpers shared by route groups -----

// `status` with `doc` as indented JSON and a trailing newline.
Reply JsonReply(const nlohmann::ordered_json& doc, int status = 200);

// A query-parameter problem: kInvalidInput with the parameter as path.
Error BadParam(std::string name, std::string message);
// The date in parameter `name`, or `today` when absent.
Result<Date> DateParam(const Request& request, const char* name);
// An id parameter or path segment that must be a slug; kInvalidInput naming `name` otherwise.
Status CheckSlug(const std::string& value, const char* name);
// The device of a GET query (device, owner, location, network, tags); `device` required when `kind_required`.
Result<DeviceSpec> DeviceParams(const Request& request, bool kind_required);
// Resolves a device against the snapshot; unknown entities are `status` errors located under `path_prefix`.
Result<Device> ResolveDevice(const Snapshot& snapshot, const DeviceSpec& spec, ErrorCode code,
                             const std::string& path_prefix);
// Parses a JSON request body with rules::ParseJson (400 on a syntax error or nesting deeper than 64).
Result<nlohmann::json> JsonBody(const Request& request);
// The record type of a collection path segment ("rules" → kRule).
std::optional<RecordType> CollectionType(std::string_view collection);

}  // namespace bantrack::api
