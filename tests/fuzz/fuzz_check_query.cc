// Fuzz target: GET /v1/check's query string. The input is parsed as a URL query string by httplib (as the server
// does), and the real route handler of api::AllRoutes() answers it from a small snapshot.
//
// Properties checked on every input: the handler never throws or crashes; it answers 200 with a verdict document
// naming the snapshot, or an Error whose problem document is a 4xx.
#include <cstddef>
#include <cstdint>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/problem.h"
#include "tests/fuzz/small_snapshot.h"

using namespace bantrack;
using bantrack::fuzz::Require;

namespace {

const api::Route& CheckRoute() {
  static const api::Route route = [] {
    for (api::Route& r : api::AllRoutes()) {
      if (r.method == "GET" && r.path == "/v1/check") return r;
    }
    std::abort();
  }();
  return route;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static api::DataSource source{[] { return fuzz::SmallSnapshot(); }};
  static api::Metrics metrics({"GET /v1/check"});
  httplib::Request http;
  http.method = "GET";
  http.path = "/v1/check";
  httplib::detail::parse_query_text(std::string(reinterpret_cast<const char*>(data), size), http.params);

  api::Request request{http, source, fuzz::SmallSnapshot(), *Date::Parse("2025-02-01"), std::nullopt, &metrics};
  Result<api::Reply> reply = CheckRoute().handler(request);
  if (!reply.ok()) {
    const int status = api::ProblemFor(reply.error()).status;
    Require(status >= 400 && status < 500, "a bad query is answered with a status that is not 4xx");
    return 0;
  }
  Require(reply->status == 200, "a verdict is not 200");
  const nlohmann::json doc = nlohmann::json::parse(reply->body);  // throws, and so fails, on invalid JSON
  Require(doc.at("snapshot") == "7", "the verdict does not name its snapshot");
  Require(doc.at("verdict").is_string(), "the verdict document has no verdict");
  return 0;
}
