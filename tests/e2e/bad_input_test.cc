// Malformed and hostile requests against a real `bantrack serve`: every one gets the right 4xx problem document
// (or, for bytes that are not HTTP, a clean close), never a 5xx; slow and half-closed connections are closed
// without holding up other clients; and nothing any of them does changes the data or the edit log.
//
// The requests are written byte for byte on raw sockets (fixture's RawExchange), since an HTTP client library
// would refuse to send most of them.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <sys/socket.h>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

constexpr int kTimeoutSeconds = 2;  // the server's --timeout: how long a connection may dawdle
constexpr int kKeepAliveSeconds = 5;  // api/server.cc
constexpr size_t kMaxBody = 2'000'000;

// A rule of the seed data (for conflicts and updates) and a valid new rule (for creates that must not happen).
const std::string kSeedRule = "us-tx-2025-01-31-chinese-ai-social";
const json kNewRule = json::parse(R"json({
  "id": "bad-input-test-rule", "issuer": "us-tx", "title": "A rule no request here may create",
  "instrument": "directive", "effect": "ban", "scope": ["government-devices"], "apps": ["deepseek"],
  "timeline": [{"date": "2025-02-01", "status": "in-force", "note": "a note"}],
  "sources": [{"url": "https://example.org/source", "title": "A source", "outlet": "Example"}],
  "summary": "A summary."})json");

// `rule` with the member at `pointer` (a JSON pointer) set to `value`; With gives it as text.
json Set(json rule, const std::string& pointer, const json& value) {
  rule[json::json_pointer(pointer)] = value;
  return rule;
}
std::string With(const json& rule, const std::string& pointer, const json& value) {
  return Set(rule, pointer, value).dump();
}

std::string PercentEncoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct Request {
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  bool length = true;                // send Content-Length for a body (or an empty POST/PUT)
};

std::string Bytes(const Request& r) {
  std::string bytes = r.method + " " + r.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const std::string& header : r.headers) bytes += header + "\r\n";
  if (r.length && (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH")) {
    bytes += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  return bytes + "\r\n" + r.body;
}

// One malformed or hostile request and what it must get.
struct Case {
  std::string name;
  std::string bytes;   // the request as sent
  int status;          // the expected status; 0: the server may also just close the connection
  std::string code;    // the expected problem code (urn:bantrack:problem:<code>); empty for a 2xx
  std::string path;    // a path errors[] must name, when not empty
};

class Table {
 public:
  Table(std::string editor, std::string reader) : editor_(std::move(editor)), reader_(std::move(reader)) {}

  void Add(std::string name, std::string bytes, int status, std::string code, std::string path = "") {
    cases.push_back({std::move(name), std::move(bytes), status, std::move(code), std::move(path)});
  }
  // A JSON body, sent with `token` (empty: none).
  void Json(std::string name, const std::string& method, const std::string& target, std::string body,
            const std::string& token, int status, std::string code, std::string path = "") {
    Request r{method, target, std::move(body), {"Content-Type: application/json"}};
    if (!token.empty()) r.headers.push_back("Authorization: Bearer " + token);
    Add(std::move(name), Bytes(r), status, std::move(code), std::move(path));
  }
  // A write by the editor.
  void Write(std::string name, const std::string& method, const std::string& target, std::string body, int status,
             std::string code, std::string path = "") {
    Json(std::move(name), method, target, std::move(body), editor_, status, std::move(code), std::move(path));
  }
  void Get(std::string name, const std::string& target, int status, std::string code, std::string path = "") {
    Add(std::move(name), Bytes({"GET", target}), status, std::move(code), std::move(path));
  }

  const std::string& editor() const { return editor_; }
  const std::string& reader() const { return reader_; }
  std::vector<Case> cases;

 private:
  std::string editor_, reader_;
};

void MalformedJson(Table& t) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"empty", ""},
      {"open brace", "{"},
      {"truncated member", R"({"device": )"},
      {"truncated array", "[1, 2"},
      {"bare word", "nul"},
      {"single quotes", "{'device': 1}"},
      {"trailing comma", R"({"a": 1,})"},
      {"missing colon", R"({"a" 1})"},
      {"unterminated string", R"("unterminated)"},
      {"NaN", R"({"a": NaN})"},
      {"Infinity", R"({"a": Infinity})"},
      {"leading zero", R"({"a": 01})"},
      {"trailing garbage", "{} trailing"},
      {"bad escape", R"({"a": "\x41"})"},
      {"invalid UTF-8", "{\"a\": \"\xc3\x28\"}"},
      {"lone surrogate", R"({"a": "\ud800"})"},
      {"number overflow", R"({"a": 1e999})"},
      {"NUL byte", std::string("{\0}", 3)},
  };
  for (const auto& [what, body] : bodies) {
    t.Json("malformed JSON (" + what + ") to POST /v1/check", "POST", "/v1/check", body, "", 400, "invalid_input",
           "$");
    t.Write("malformed JSON (" + what + ") to POST /v1/rules", "POST", "/v1/rules?reason=test", body, 400,
            "invalid_input", "$");
    t.Write("malformed JSON (" + what + ") to PUT /v1/rules/{id}", "PUT", "/v1/rules/" + kSeedRule + "?reason=test",
            body, 400, "invalid_input", "$");
    t.Write("malformed JSON (" + what + ") to POST /v1/import", "POST", "/v1/import?reason=test", body, 400,
            "invalid_input", "$");
  }
  const std::string rule = kNewRule.dump();
  for (size_t cut : {size_t{1}, rule.size() / 3, rule.size() / 2, rule.size() - 1}) {
    t.Write("a rule truncated to " + std::to_string(cut) + " bytes", "POST", "/v1/rules?reason=test",
            rule.substr(0, cut), 400, "invalid_input", "$");
  }
  t.Json("duplicate keys in a batch", "POST", "/v1/check",
         R"({"device": {"kind": "work"}, "device": {"kind": "work"}, "apps": []})", "", 422, "invalid_data", "device");
  t.Write("duplicate keys in a rule", "POST", "/v1/rules?reason=test",
          R"({"id": "a", "id": "b", "title": "t"})", 422, "invalid_data", "id");
}

void DeepNesting(Table& t) {
  const std::string arrays = std::string(100'000, '[') + std::string(100'000, ']');
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100'000, '}');
  for (const auto& [what, body] : {std::pair{"arrays", arrays}, std::pair{"objects", objects}}) {
    t.Json(std::string("100,000 nested ") + what + " to POST /v1/check", "POST", "/v1/check", body, "", 400,
           "invalid_input", "$");
    t.Write(std::string("100,000 nested ") + what + " to POST /v1/rules", "POST", "/v1/rules?reason=test", body, 400,
            "invalid_input", "$");
    t.Write(std::string("100,000 nested ") + what + " to POST /v1/import", "POST", "/v1/import?reason=test", body,
            400, "invalid_input", "$");
  }
  t.Json("65 nested arrays, one past the limit", "POST", "/v1/check", std::string(65, '[') + std::string(65, ']'), "",
         400, "invalid_input", "$");
  t.Json("60 nested arrays where an app id belongs", "POST", "/v1/check",
         R"({"device": {"kind": "work"}, "apps": [)" + std::string(60, '[') + std::string(60, ']') + "]}", "", 422,
         "invalid_data", "apps[0]");
}

void WrongTypesAndUnknownFields(Table& t) {
  const std::vector<std::tuple<std::string, json, std::string>> rule_fields = {
      {"/id", 1, "id"},
      {"/title", json::array(), "title"},
      {"/scope", "public", "scope"},
      {"/scope", {1}, "scope[0]"},
      {"/timeline", json::object(), "timeline"},
      {"/timeline/0/date", 20250101, "timeline[0].date"},
      {"/sources", nullptr, "sources"},
      {"/apps", "deepseek", "apps"},
      {"/effect", true, "effect"},
      {"/summary", json::object(), "summary"},
      {"/colour", "red", "colour"},
      {"/sources/0/extra", 1, "sources[0].extra"},
      {"/identifiers", json::object(), "identifiers"},
  };
  for (const auto& [pointer, value, path] : rule_fields) {
    t.Write("rule " + pointer + " = " + value.dump(), "POST", "/v1/rules?reason=test", With(kNewRule, pointer, value),
            422, "invalid_data", path);
  }
  for (const char* body : {"[]", "\"a rule\"", "42", "null"}) {
    t.Write(std::string("a rule that is ") + body, "POST", "/v1/rules?reason=test", body, 422, "invalid_data", "$");
  }
  const std::vector<std::tuple<std::string, std::string, std::string>> batches = {
      {"device is an array", R"({"device": [], "apps": []})", "device"},
      {"apps is an object", R"({"device": {"kind": "work"}, "apps": {}})", "apps"},
      {"queries is a string", R"({"queries": "deepseek"})", "queries"},
      {"as_of is a number", R"({"device": {"kind": "work"}, "apps": [], "as_of": 2025})", "as_of"},
      {"tags is a string", R"({"device": {"kind": "work", "tags": "a,b"}, "apps": []})", "device.tags"},
      {"an app is null", R"({"device": {"kind": "work"}, "apps": [null]})", "apps[0]"},
      {"a query is a number", R"({"queries": [1]})", "queries[0]"},
      {"the body is an array", "[]", "$"},
      {"unknown field", R"({"device": {"kind": "work"}, "apps": [], "x": 1})", "x"},
      {"unknown device field", R"({"device": {"kind": "work", "colour": "red"}, "apps": []})", "device.colour"},
      {"huge integer app", R"({"device": {"kind": "work"}, "apps": [123456789012345678901234567890]})", "apps[0]"},
      {"as_of 1e308", R"({"device": {"kind": "work"}, "apps": [], "as_of": 1e308})", "as_of"},
      {"as_of not a date", R"({"device": {"kind": "work"}, "apps": [], "as_of": "2025-02-30"})", "as_of"},
  };
  for (const auto& [what, body, path] : batches) {
    t.Json("batch: " + what, "POST", "/v1/check", body, "", 422, "invalid_data", path);
  }
  t.Write("entity with an unknown field", "PUT", "/v1/entities/us?reason=test",
          R"({"id": "us", "name": "United States", "kind": "country", "flag": "stars"})", 422, "invalid_data", "flag");
  const std::vector<std::pair<std::string, std::string>> unknown_params = {
      {"/v1/check?app=deepseek&device=personal&colour=red", "colour"},
      {"/v1/apps?sort=name", "sort"},
      {"/v1/rules?foo", "foo"},
      {"/healthz?verbose=1", "verbose"},
      {"/v1/export?format=bundle&x=1", "x"},
      {"/v1/check?app=deepseek&app=tiktok&device=personal", "app"},
  };
  for (const auto& [target, path] : unknown_params) t.Get("parameter " + path + " in " + target, target, 400, "invalid_input", path);
  t.Write("a write with an unknown parameter", "POST", "/v1/rules?reason=test&dry_run=1", kNewRule.dump(), 400,
          "invalid_input", "dry_run");
}

void NumbersAndDates(Table& t) {
  for (const char* limit : {"99999999999999999999", "-1", "0", "1e3", "1001", "ten"}) {
    t.Get(std::string("limit=") + limit, std::string("/v1/apps?limit=") + limit, 400, "invalid_input", "limit");
  }
  for (const char* since : {"18446744073709551616", "-5", "0x10"}) {
    t.Get(std::string("since=") + since, std::string("/v1/changes?since=") + since, 400, "invalid_input", "since");
  }
  const std::vector<std::string> dates = {"2025-02-30", "2025-13-01", "2025-00-10", "2023-02-29",
                                          "0000-01-01", "2025-1-01",  "20250201",   "2025-02-01T00:00:00Z",
                                          "",           "yesterday",  "99999-01-01"};
  for (const std::string& date : dates) {
    const std::string encoded = PercentEncoded(date);
    t.Get("check as_of=" + date, "/v1/check?app=deepseek&device=personal&as_of=" + encoded, 400, "invalid_input",
          "as_of");
    t.Get("timeline from=" + date, "/v1/timeline?from=" + encoded, 400, "invalid_input", "from");
    t.Get("rule as_of=" + date, "/v1/rules/" + kSeedRule + "?as_of=" + encoded, 400, "invalid_input", "as_of");
  }
  t.Write("rule timeline date 2025-02-30", "POST", "/v1/rules?reason=test",
          With(kNewRule, "/timeline/0/date", "2025-02-30"), 422, "invalid_data", "timeline[0].date");
  t.Write("source published 2025-13-01", "POST", "/v1/rules?reason=test",
          With(kNewRule, "/sources/0/published", "2025-13-01"), 422, "invalid_data", "sources[0].published");
  t.Write("rule timeline dates descending", "POST", "/v1/rules?reason=test",
          With(kNewRule, "/timeline", json::parse(R"([{"date": "2025-02-01", "status": "announced"},
                                                       {"date": "2025-01-01", "status": "in-force"}])")),
          422, "invalid_data", "timeline[1].date");
}

void IdsAndOverlongs(Table& t) {
  for (const char* id : {"TikTok", "tik_tok", "-tiktok", "a%20b", "%C3%A9", "a.b", "a%00b"}) {
    t.Get(std::string("app id ") + id, std::string("/v1/apps/") + id, 400, "invalid_input", "id");
  }
  t.Get("a 65-character id", "/v1/entities/" + std::string(65, 'a'), 400, "invalid_input", "id");
  t.Write("PUT to an id that is not a slug", "PUT", "/v1/rules/Bad_Id?reason=test", kNewRule.dump(), 400,
          "invalid_input", "id");
  t.Add("DELETE of an id that is not a slug",
        Bytes({"DELETE", "/v1/apps/UPPER?reason=test", "", {"Authorization: Bearer " + t.editor()}}), 400,
        "invalid_input", "id");
  for (const char* field : {"owner", "location", "network"}) {
    t.Get(std::string(field) + " not a slug", std::string("/v1/check?app=deepseek&device=government&") + field + "=US",
          400, "invalid_input", field);
  }
  t.Get("a tag not a slug", "/v1/check?app=deepseek&device=personal&tags=ok,Not_Ok", 400, "invalid_input", "tags");
  t.Get("device kind not known", "/v1/check?app=deepseek&device=Government", 400, "invalid_input", "device");
  t.Get("app missing", "/v1/check?device=personal", 400, "invalid_input", "app");
  t.Write("a rule whose id is not a slug", "POST", "/v1/rules?reason=test", With(kNewRule, "/id", "Bad Id"), 422,
          "invalid_data", "id");
  t.Write("an entity whose parent does not exist", "POST", "/v1/entities?reason=test",
          R"({"id": "bad-input-entity", "name": "X", "kind": "agency", "part_of": ["US"]})", 422, "invalid_data",
          "part_of[0]");

  const std::string megabyte(1 << 20, 'a');
  t.Write("a 1 MB rule id", "POST", "/v1/rules?reason=test", With(kNewRule, "/id", megabyte), 422, "invalid_data",
          "id");
  t.Write("a 1 MB title on an existing id", "POST", "/v1/rules?reason=test",
          With(Set(kNewRule, "/id", kSeedRule), "/title", megabyte), 409, "conflict");
  t.Get("a 1 MB id in the URL", "/v1/apps/" + megabyte, 414, "uri_too_long");
  std::string dotted = "web:";
  for (int i = 0; i < 500'000; ++i) dotted += "a.";
  t.Json("a 1 MB web: identifier in a batch (each suffix once looked up: quadratic)", "POST", "/v1/check",
         json({{"device", {{"kind", "personal"}}}, {"apps", {dotted + "com"}}}).dump(), "", 200, "");
  // Near the 8 KB request-line limit: route patterns are std::regex, which recurses per character matched.
  const std::string long_segment(8100, 'a');
  t.Get("an 8 KB path under /static/", "/static/" + long_segment, 404, "not_found");
  t.Get("an 8 KB id", "/v1/apps/" + long_segment, 400, "invalid_input", "id");
  t.Add("an 8 KB path with a method it does not allow", Bytes({"PATCH", "/v1/apps/" + long_segment}), 405,
        "method_not_allowed");
  t.Get("a 100 KB query string", "/v1/check?device=personal&app=" + std::string(100'000, 'x'), 414, "uri_too_long");
  t.Get("q of 201 characters", "/v1/apps?q=" + std::string(201, 'q'), 400, "invalid_input", "q");
  t.Write("a reason of 2001 characters", "POST", "/v1/rules?reason=" + std::string(2001, 'r'), kNewRule.dump(), 400,
          "invalid_input", "reason");
  t.Write("a blank reason", "POST", "/v1/rules?reason=%20%09", kNewRule.dump(), 400, "invalid_input", "reason");
  t.Add("a header over httplib's 8 KB line limit",
        Bytes({"GET", "/healthz", "", {"X-Filler: " + std::string(9000, 'x')}}), 400, "bad_request");
  t.Add("an Authorization header over the limit",
        Bytes({"POST", "/v1/rules?reason=test", kNewRule.dump(),
               {"Content-Type: application/json", "Authorization: Bearer " + std::string(9000, 'x')}}),
        400, "bad_request");
}

// SQL metacharacters in every text field a request can carry: each is plain text to bantrack, stored (never here:
// every write below fails for another reason) or compared as it is, and never reaches SQL except as a bound value.
void SqlMetacharacters(Table& t) {
  const std::vector<std::string> payloads = {
      "' OR '1'='1", "'; DROP TABLE rules; --", "\" OR \"\"=\"", "1); DELETE FROM edit_log; --",
      "%' UNION SELECT secret_sha256 FROM tokens --"};
  for (size_t i = 0; i < payloads.size(); ++i) {
    const std::string& sql = payloads[i];
    const std::string n = " #" + std::to_string(i + 1);
    const json existing = Set(kNewRule, "/id", kSeedRule);
    for (const char* pointer : {"/title", "/summary", "/timeline/0/note", "/sources/0/title", "/sources/0/outlet"}) {
      t.Write(std::string("SQL in ") + pointer + n, "POST", "/v1/rules?reason=test", With(existing, pointer, sql), 409,
              "conflict");
    }
    t.Write("SQL in the reason" + n, "POST", "/v1/rules?reason=" + PercentEncoded(sql), existing.dump(), 409,
            "conflict");
    t.Write("SQL in an update of a missing rule" + n, "PUT", "/v1/rules/no-such-rule?reason=test",
            With(Set(kNewRule, "/id", "no-such-rule"), "/title", sql), 404, "not_found");
    t.Get("SQL as a rule id" + n, "/v1/rules/" + PercentEncoded(sql), 400, "invalid_input", "id");
    t.Get("SQL as q" + n, "/v1/rules?q=" + PercentEncoded(sql), 200, "");
    t.Get("SQL as an owner" + n, "/v1/check?app=deepseek&device=government&owner=" + PercentEncoded(sql), 400,
          "invalid_input", "owner");
    t.Get("SQL as an app" + n, "/v1/check?device=personal&app=" + PercentEncoded(sql), 404, "not_found", "app");
    t.Json("SQL as a token" + n, "POST", "/v1/rules?reason=test", kNewRule.dump(), sql, 401, "unauthenticated");
  }
}

void PathTraversal(Table& t) {
  for (const char* target :
       {"/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fetc%2fpasswd",
        "/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/static/....//....//etc/passwd", "/static/..%5c..%5cetc%5cpasswd",
        "/static/%252e%252e/etc/passwd", "/static//etc/passwd", "/static/index.html%00.png", "/static/.git/config",
        "/static/../../../../proc/self/environ", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/v1/apps/..%2f..%2fetc%2fpasswd"}) {
    t.Get(std::string("traversal ") + target, target, 404, "not_found");
  }
  t.Get("an id of ..", "/v1/apps/%2e%2e", 400, "invalid_input", "id");
  t.Get("a route's dot taken for any character", "/feedXatom", 404, "not_found");
  t.Get("a format of ../../etc/passwd", "/v1/export?format=../../etc/passwd", 400, "invalid_input", "format");
}

void LimitsAndContentTypes(Table& t) {
  const std::string big(3'000'000, ' ');
  t.Json("a 3 MB body to POST /v1/check", "POST", "/v1/check", big, "", 413, "too_large");
  t.Json("a 3 MB body to POST /v1/import without a token", "POST", "/v1/import?reason=test", big, "", 413,
         "too_large");
  t.Add("a Content-Length of 10 GB", Bytes({"POST", "/v1/check", "{}",
                                            {"Content-Type: application/json", "Content-Length: 10000000000"}, false}),
        413, "too_large");
  std::string chunked;
  for (int i = 0; i < 30; ++i) chunked += "186a0\r\n" + std::string(100'000, ' ') + "\r\n";
  // httplib would read a chunked body whole, past the limit: bodies must come with a Content-Length.
  t.Add("a 3 MB chunked body", Bytes({"POST", "/v1/check", chunked + "0\r\n\r\n",
                                      {"Content-Type: application/json", "Transfer-Encoding: chunked"}, false}),
        411, "length_required");
  t.Add("a small chunked body", Bytes({"POST", "/v1/check", "2\r\n{}\r\n0\r\n\r\n",
                                       {"Content-Type: application/json", "Transfer-Encoding: chunked"}, false}),
        411, "length_required");
  t.Add("a bad chunk size", Bytes({"POST", "/v1/check", "zz\r\n{}\r\n0\r\n\r\n",
                                   {"Content-Type: application/json", "Transfer-Encoding: chunked"}, false}),
        411, "length_required");
  // ... and would read a body without one to the end of the connection, also past the limit.
  t.Add("a POST without Content-Length", Bytes({"POST", "/v1/check", "", {"Content-Type: application/json"}, false}),
        411, "length_required");
  t.Add("a PUT without Content-Length",
        Bytes({"PUT", "/v1/rules/" + kSeedRule + "?reason=test", kNewRule.dump(),
               {"Content-Type: application/json", "Authorization: Bearer " + t.editor()}, false}),
        411, "length_required");
  t.Add("two Content-Lengths", Bytes({"POST", "/v1/check", "{}",
                                      {"Content-Type: application/json", "Content-Length: 2", "Content-Length: 3"},
                                      false}),
        400, "bad_request");
  t.Add("a negative Content-Length",
        Bytes({"POST", "/v1/check", "{}", {"Content-Type: application/json", "Content-Length: -2"}, false}), 400,
        "bad_request");
  t.Add("a GET with a body (left unread, it would be parsed as the next request)",
        Bytes({"GET", "/healthz", "GET /v1/export HTTP/1.1\r\n\r\n"}), 400, "bad_request");
  t.Add("a gzip body (inflated past the limit otherwise)",
        Bytes({"POST", "/v1/check", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10),
               {"Content-Type: application/json", "Content-Encoding: gzip"}}),
        415, "unsupported_media_type");
  t.Add("a brotli body", Bytes({"POST", "/v1/check", "{}", {"Content-Type: application/json", "Content-Encoding: br"}}),
        415, "unsupported_media_type");

  const std::vector<std::string> types = {"",
                                          "text/plain",
                                          "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x",
                                          "application/xml",
                                          "text/json",
                                          "application/jsonp",
                                          "application/json-seq"};
  for (const std::string& type : types) {
    Request r{"POST", "/v1/check", R"({"device": {"kind": "work"}, "apps": []})"};
    if (!type.empty()) r.headers.push_back("Content-Type: " + type);
    t.Add("POST /v1/check as \"" + type + "\"", Bytes(r), 415, "unsupported_media_type");
  }
  auto typed = [&](const std::string& method, const std::string& target, const std::string& type) {
    return Bytes({method, target, kNewRule.dump(),
                  {"Content-Type: " + type, "Authorization: Bearer " + t.editor()}});
  };
  t.Add("POST /v1/rules as text/plain", typed("POST", "/v1/rules?reason=test", "text/plain"), 415,
        "unsupported_media_type");
  t.Add("PUT /v1/entities/us as text/xml", typed("PUT", "/v1/entities/us?reason=test", "text/xml"), 415,
        "unsupported_media_type");
  t.Add("POST /v1/import as text/csv", typed("POST", "/v1/import?reason=test", "text/csv"), 415,
        "unsupported_media_type");
}

void MethodsAndHttp(Table& t) {
  const std::vector<std::pair<std::string, std::string>> not_allowed = {
      {"PATCH", "/v1/rules/" + kSeedRule}, {"DELETE", "/v1/check"},       {"PUT", "/v1/check"},
      {"POST", "/v1/apps/tiktok"},         {"DELETE", "/healthz"},        {"OPTIONS", "/v1/check"},
      {"POST", "/healthz"},                {"PUT", "/v1/export"},         {"PATCH", "/v1/apps"},
  };
  for (const auto& [method, target] : not_allowed) {
    t.Add(method + " " + target, Bytes({method, target}), 405, "method_not_allowed");
  }
  t.Add("PATCH of no route", Bytes({"PATCH", "/v1/nothing"}), 404, "not_found");
  t.Add("TRACE (httplib knows the method, and routes it nowhere)", Bytes({"TRACE", "/"}), 400, "bad_request");
  t.Add("an unknown method", Bytes({"FOO", "/v1/check"}), 400, "bad_request");
  t.Add("a lower-case method", Bytes({"get", "/healthz"}), 400, "bad_request");
  t.Add("a TLS handshake", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), 0, "bad_request");
  t.Add("a request line without a target", "GET\r\n\r\n", 0, "bad_request");
  t.Add("HTTP/9.9", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 0, "bad_request");
  // httplib skips a header line without a colon; the request is otherwise whole and is answered.
  t.Add("a header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n",
        200, "");
  t.Add("a Content-Length that is not a number",
        Bytes({"POST", "/v1/check", "{}", {"Content-Type: application/json", "Content-Length: abc"}, false}), 400,
        "bad_request");
}

void Authorization(Table& t) {
  const std::string create = "/v1/rules?reason=test";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"no Authorization", ""},
      {"Bearer with no token", "Authorization: Bearer"},
      {"Basic credentials", "Authorization: Basic dXNlcjpwYXNz"},
      {"an unknown token", "Authorization: Bearer bt_" + std::string(64, '0')},
      {"a 5000-character token", "Authorization: Bearer " + std::string(5000, 'x')},
      {"the editor token with a byte more", "Authorization: Bearer " + t.editor() + "0"},
      {"the editor token with a byte less", "Authorization: Bearer " + t.editor().substr(0, t.editor().size() - 1)},
      {"the editor token, scheme in lower case", "Authorization: bearer " + t.editor()},
      {"the editor token under another scheme", "Authorization: Token " + t.editor()},
      {"two tokens", "Authorization: Bearer " + t.editor() + ", Bearer " + t.editor()},
      {"binary garbage", std::string("Authorization: Bearer \x01\x02\xff\xfe", 26)},
  };
  for (const auto& [what, header] : refused) {
    Request r{"POST", create, kNewRule.dump(), {"Content-Type: application/json"}};
    if (!header.empty()) r.headers.push_back(header);
    t.Add("Authorization: " + what, Bytes(r), 401, "unauthenticated");
  }
  t.Add("DELETE without a token", Bytes({"DELETE", "/v1/rules/" + kSeedRule + "?reason=test"}), 401,
        "unauthenticated");
  t.Json("PUT without a token", "PUT", "/v1/rules/" + kSeedRule + "?reason=test", kNewRule.dump(), "", 401,
         "unauthenticated");
  t.Json("import without a token", "POST", "/v1/import?reason=test", R"({"format": "bantrack/v1"})", "", 401,
         "unauthenticated");
  t.Json("a reader's token", "POST", create, kNewRule.dump(), t.reader(), 403, "permission_denied");
  t.Write("an editor replacing everything", "POST", "/v1/import?reason=test&mode=replace",
          R"({"format": "bantrack/v1"})", 403, "permission_denied");
}

void DataConflicts(Table& t) {
  t.Add("deleting an entity still referred to",
        Bytes({"DELETE", "/v1/entities/us-tx?reason=test", "", {"Authorization: Bearer " + t.editor()}}), 409,
        "conflict");
  t.Add("deleting a missing rule",
        Bytes({"DELETE", "/v1/rules/no-such-rule?reason=test", "", {"Authorization: Bearer " + t.editor()}}), 404,
        "not_found");
  t.Write("a rule with a dangling issuer", "POST", "/v1/rules?reason=test", With(kNewRule, "/issuer", "us-nowhere"),
          422, "invalid_data", "issuer");
  t.Write("an entity that would close a cycle", "PUT", "/v1/entities/us?reason=test",
          R"({"id": "us", "name": "United States", "kind": "country", "within": ["us-tx"]})", 422, "invalid_data");
  t.Write("an import with an invalid record", "POST", "/v1/import?reason=test",
          R"({"format": "bantrack/v1", "entities": [{"id": "x'; DROP TABLE entities; --", "name": "n", "kind": "k"}]})",
          422, "invalid_data", "entities[0].kind");
}

// Checks the server's answer to `c`: never a 5xx; the status, the problem document and its error path.
void Check(const Case& c, RawResponse response) {
  CAPTURE(c.name);
  CAPTURE(response.status);
  CAPTURE(response.body.substr(0, 300));
  CHECK(response.status < 500);
  if (c.status == 0 && response.status == 0) {
    CHECK(response.closed);
    return;
  }
  CHECK(response.status == (c.status == 0 ? 400 : c.status));
  if (response.status < 400) return;
  CHECK(response.headers["content-type"] == "application/problem+json");
  const json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  REQUIRE(doc.is_object());
  CHECK(doc["type"] == "urn:bantrack:problem:" + c.code);
  CHECK(doc["status"] == response.status);
  CHECK(doc["title"].is_string());
  CHECK(doc["detail"].is_string());
  if (!c.path.empty()) {
    bool named = false;
    for (const json& e : doc.value("errors", json::array())) named = named || e["path"] == c.path;
    CHECK_MESSAGE(named, "errors[] does not name " << c.path << ": " << doc.value("errors", json::array()).dump());
  }
}

std::string Export(ServerProcess& server, const std::string& target) {
  auto res = server.Client()->Get(target);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return res->body;
}

TEST_CASE("malformed and hostile requests: the right 4xx problem document each, no 5xx, no change to the data") {
  TempDir dir;
  const std::string db = dir.File("bad-input.db");
  auto token = [&](const std::string& role) {
    CommandResult created = Run({"--db", db, "token", "create", "--role", role, "--name", role});
    REQUIRE_MESSAGE(created.exit_code == 0, created.err);
    return created.out.substr(0, created.out.find('\n'));
  };
  Table table(token("editor"), token("reader"));
  // More web identifiers than libstdc++ scans linearly (20): lookups by identifier are hash lookups, as in a real
  // catalog, so that a long identifier costs what it would there.
  json apps = json::array();
  for (int i = 0; i < 24; ++i) {
    apps.push_back({{"id", "bad-input-app-" + std::to_string(i)}, {"name", "App " + std::to_string(i)},
                    {"publisher", "bytedance"}, {"identifiers", {{"web", {"app" + std::to_string(i) + ".example"}}}}});
  }
  WriteFile(dir.File("apps.json"), json({{"format", "bantrack/v1"}, {"apps", apps}}).dump());
  REQUIRE(Run({"--db", db, "import", dir.File("apps.json"), "--reason", "bad input test"}).exit_code == 0);
  ServerProcess server(db, {"--max-body", std::to_string(kMaxBody), "--timeout", std::to_string(kTimeoutSeconds)});
  const std::string bundle_before = Export(server, "/v1/export");
  const std::string log_before = Export(server, "/v1/changes?since=0&limit=1000");

  MalformedJson(table);
  DeepNesting(table);
  WrongTypesAndUnknownFields(table);
  NumbersAndDates(table);
  IdsAndOverlongs(table);
  SqlMetacharacters(table);
  PathTraversal(table);
  LimitsAndContentTypes(table);
  MethodsAndHttp(table);
  Authorization(table);
  DataConflicts(table);
  REQUIRE(table.cases.size() >= 150);
  MESSAGE(table.cases.size() << " malformed or hostile requests");

  for (const Case& c : table.cases) Check(c, RawExchange(server.port(), c.bytes));

  CHECK(Export(server, "/v1/export") == bundle_before);
  CHECK(Export(server, "/v1/changes?since=0&limit=1000") == log_before);
  CHECK(server.Client()->Get("/healthz")->status == 200);
  CHECK(server.Log().find("\"status\":5") == std::string::npos);
  CHECK(server.Stop() == 0);
}

// How long until the server closes `fd` (reading and discarding what it sends), at most `limit`.
std::chrono::milliseconds TimeToClose(int fd, std::chrono::milliseconds limit, std::string* received = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  timeval tick{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  while (std::chrono::steady_clock::now() - start < limit) {
    char buffer[4096];
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    if (got > 0 && received != nullptr) received->append(buffer, static_cast<size_t>(got));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST_CASE("slow and half-closed connections are closed in time and hold up no one else") {
  TempDir dir;
  ServerProcess server(dir.File("slow.db"), {"--timeout", std::to_string(kTimeoutSeconds)});
  // A stalled request is answered 400 once the read timeout passes; then, as after any answer, the connection may
  // idle for the keep-alive timeout (5 s) before it is closed.
  const auto limit = std::chrono::seconds(kTimeoutSeconds + kKeepAliveSeconds + 3);
  auto healthy = [&] {
    auto res = server.Client()->Get("/healthz");
    return res && res->status == 200;
  };

  // Opens a connection, sends `bytes` (then, with `half_close`, shuts down writing), checks that /healthz is answered
  // meanwhile, and reads until the server closes the connection: what it answered, and how long it took.
  struct Closed {
    RawResponse answer;
    std::chrono::milliseconds after;
  };
  auto send_then_wait = [&](const std::string& bytes, bool half_close = false) {
    const int fd = ConnectLoopback(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    if (half_close) shutdown(fd, SHUT_WR);
    CHECK(healthy());
    std::string received;
    const std::chrono::milliseconds after = TimeToClose(fd, limit, &received);
    close(fd);
    return Closed{ParseRawResponse(received), after};
  };

  SUBCASE("half a request line, then nothing") {
    const Closed closed = send_then_wait("GET /v1/check?app=deep");
    CHECK(closed.after < limit);
    CHECK(closed.answer.status < 500);
  }
  SUBCASE("headers never finished") {
    Closed closed = send_then_wait("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    CHECK(closed.after < limit);
    CHECK(closed.answer.status == 400);
    CHECK(closed.answer.headers["connection"] == "close");
  }
  SUBCASE("a body that stops half way") {
    Closed closed = send_then_wait(
        "POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        "{\"device\": ");
    CHECK(closed.after < limit);
    CHECK(closed.answer.status == 400);
    CHECK(closed.answer.headers["connection"] == "close");
  }
  SUBCASE("half a request, then the client shuts down writing") {
    const Closed closed =
        send_then_wait("POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"dev", true);
    // Nothing more can come: the server sees the end at once and does not wait for its timeout.
    CHECK(closed.after < std::chrono::seconds(kTimeoutSeconds));
    CHECK(closed.answer.status < 500);
    CHECK(healthy());
  }
  SUBCASE("a keep-alive connection left idle") {
    const Closed closed = send_then_wait("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(closed.after < limit);
    CHECK(closed.answer.status == 200);
  }
  SUBCASE("many slow clients at once") {
    std::vector<int> slow;
    for (int i = 0; i < 32; ++i) {
      const int fd = ConnectLoopback(server.port());
      REQUIRE(fd >= 0);
      const std::string half = "GET /v1/apps?q=";
      send(fd, half.data(), half.size(), MSG_NOSIGNAL);
      slow.push_back(fd);
    }
    for (int i = 0; i < 5; ++i) CHECK(healthy());
    for (int fd : slow) {
      CHECK(TimeToClose(fd, limit) < limit);
      close(fd);
    }
  }
  CHECK(healthy());
  CHECK(server.Log().find("\"status\":5") == std::string::npos);
  CHECK(server.Stop() == 0);
}

}  // namespace
}  // namespace bantrack::testing
