// The server: routing on top of cpp-httplib's request processing, fed by the connection loops of connections.h, and
// everything every route shares — parameter checks, bearer tokens, problem documents, ETags, CORS, metrics and the
// access log.
//
// Invariants:
//  - every response with status >= 400 carries a problem document (ours, or one made in the error handler for
//    httplib's own errors: unknown route, 405, 413, 414, 431 ...);
//  - a request reads exactly one snapshot, loaded before its handler runs;
//  - handlers never throw for bad input; an exception that escapes one is a bug, answered with 500 and logged.
#include "api/server.h"

#include <zlib.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "api/connections.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "rules/batch_json.h"

namespace bantrack::api {

// The OpenAPI document, embedded at build time from api/openapi.json.
extern const char* const kOpenApiJson;

namespace {

using Clock = std::chrono::steady_clock;

// An idle keep-alive connection is closed after this long.
constexpr int kKeepAliveSeconds = 5;

// `text` as a gzip stream (RFC 1952) at a fast level; nullopt if zlib fails.
std::optional<std::string> Gzip(const std::string& text) {
  z_stream stream{};
  constexpr int kGzipWindow = 15 + 16;  // 2^15 window, with a gzip header and trailer
  if (deflateInit2(&stream, 1, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  return out;
}

// "/v1/apps/{id}/restrictions" -> "/v1/apps/([^/]+)/restrictions"; {path} alone may span segments; a dot is a dot
// ("/feed.atom" does not match "/feedxatom").
std::string PathRegex(const std::string& path) {
  const std::string dots = std::regex_replace(path, std::regex(R"(\.)"), R"(\.)");
  const std::string spans = std::regex_replace(dots, std::regex(R"(\{path\})"), "(.+)");
  return std::regex_replace(spans, std::regex(R"(\{[a-z_]+\})"), "([^/]+)");
}

// Whether `path` matches the route template `route` as PathRegex's pattern would, without std::regex: libstdc++'s
// matcher recurses once per character, and an 8 KB path overflowed a worker thread's stack.
bool PathMatches(std::string_view route, std::string_view path) {
  while (!route.empty()) {
    if (route.starts_with("{path}")) return !path.empty();  // always last: the rest, at least one character
    if (route.front() == '{') {
      const size_t segment = std::min(path.find('/'), path.size());
      if (segment == 0) return false;
      route.remove_prefix(route.find('}') + 1);
      path.remove_prefix(segment);
    } else {
      if (path.empty() || path.front() != route.front()) return false;
      route.remove_prefix(1);
      path.remove_prefix(1);
    }
  }
  return path.empty();
}

std::string JsonEscaped(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* ContentTypeOf(const std::string& path) {
  auto ends = [&](const char* suffix) { return path.ends_with(suffix); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".woff2")) return "font/woff2";
  return nullptr;  // anything else is not served
}

}  // namespace

struct Server::Impl {
  DataSource source;
  ServerOptions options;
  HttplibProcessing http;
  std::vector<Route> routes;
  std::optional<Metrics> metrics;    // labelled by the routes, so made once they are all known
  int port = 0;
  std::mutex connections_mutex;      // guards the two below: Stop() may come from another thread, before Bind()
  std::unique_ptr<ConnectionLoops> connections;
  bool stop_requested = false;
  std::mutex log_mutex;
  // When the answering snapshot was first seen, for bantrack_snapshot_age_seconds.
  std::mutex snapshot_clock_mutex;
  const Snapshot* seen_snapshot = nullptr;
  Clock::time_point seen_at = Clock::now();

  Impl(DataSource s, ServerOptions o) : source(std::move(s)), options(std::move(o)), routes(AllRoutes()) {
    AddOwnRoutes();
    std::vector<std::string> labels;
    for (const Route& route : routes) {
      labels.push_back(route.method + " " + route.path);
    }
    metrics.emplace(std::move(labels));
  }

  Date Today() const { return options.today ? options.today() : rules::UtcToday(); }

  double SnapshotAge(const Snapshot* current) {
    std::lock_guard lock(snapshot_clock_mutex);
    if (current != seen_snapshot) {
      seen_snapshot = current;
      seen_at = Clock::now();
    }
    return std::chrono::duration<double>(Clock::now() - seen_at).count();
  }

  void Log(const httplib::Request& req, int status, double seconds, size_t bytes, const std::string& snapshot) {
    if (!options.access_log) return;
    // Never the Authorization header or the body: tokens and data stay out of logs.
    char line[64];
    std::snprintf(line, sizeof line, "%.3f", seconds * 1000);
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::ostringstream out;
    out << "{\"ts_ms\":" << ms << ",\"remote\":" << JsonEscaped(req.remote_addr) << ",\"method\":"
        << JsonEscaped(req.method) << ",\"path\":" << JsonEscaped(req.path.substr(0, 512)) << ",\"status\":" << status
        << ",\"ms\":" << line << ",\"bytes\":" << bytes;
    if (!snapshot.empty()) out << ",\"snapshot\":" << JsonEscaped(snapshot);
    out << "}\n";
    std::lock_guard lock(log_mutex);
    std::cerr << out.str() << std::flush;
  }

  static void SendProblem(httplib::Response& res, const Problem& problem) {
    res.status = problem.status;
    res.set_content(ProblemJson(problem), "application/problem+json");
    if (problem.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"bantrack\"");
  }

  // Problems with the request itself, found before its handler runs.
  std::optional<Problem> CheckRequest(const Route& route, const httplib::Request& req) {
    // The content type first: httplib reads a form-encoded body into parameters.
    if (route.json_body) {
      const std::string type = req.get_header_value("Content-Type");
      const std::string media = type.substr(0, type.find(';'));
      if (media != "application/json" && !(media.starts_with("application/") && media.ends_with("+json"))) {
        return HttpProblem(415, "send the body as application/json, not \"" + media.substr(0, 60) + "\"");
      }
    }
    std::vector<FieldError> unknown;
    std::string previous;
    for (const auto& [name, value] : req.params) {
      if (std::find(route.params.begin(), route.params.end(), name) == route.params.end()) {
        unknown.push_back({name, "unknown parameter"});
      } else if (name == previous) {
        unknown.push_back({name, "given more than once"});
      }
      previous = name;
    }
    if (!unknown.empty()) {
      std::string accepted;
      for (const std::string& p : route.params) accepted += (accepted.empty() ? "" : ", ") + p;
      return ProblemFor(Error(ErrorCode::kInvalidInput,
                              "bad query parameters; " + route.method + " " + route.path + " accepts: " +
                                  (accepted.empty() ? "none" : accepted),
                              std::move(unknown)));
    }
    return std::nullopt;
  }

  // The token of a request to a protected route, or the problem that refuses it.
  Result<db::TokenInfo> Authorize(const Route& route, const httplib::Request& req) {
    if (source.catalog == nullptr) {
      return Error(ErrorCode::kReadOnly, "this server is a read-only replica; send writes to the primary at " +
                                             source.primary_url);
    }
    const std::string header = req.get_header_value("Authorization");
    if (header.empty()) return Error(ErrorCode::kUnauthenticated, "this route needs Authorization: Bearer <token>");
    if (!header.starts_with("Bearer ") || header.size() <= 7) {
      return Error(ErrorCode::kUnauthenticated, "the Authorization header must be \"Bearer <token>\"");
    }
    Result<db::TokenInfo> token = [&] {
      std::lock_guard lock(source.catalog->store_mutex());
      return source.catalog->store().Authenticate(std::string_view(header).substr(7));
    }();
    if (!token.ok()) return token;
    const db::Role needed = route.access == Access::kAdmin ? db::Role::kAdmin : db::Role::kEditor;
    if (token->role < needed) {
      return Error(ErrorCode::kPermissionDenied, "this route needs a token with role " + std::string(db::Name(needed)) +
                                                     "; this one has role " + std::string(db::Name(token->role)));
    }
    return token;
  }

  void Handle(size_t index, const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point start = Clock::now();
    const Route& route = routes[index];
    std::shared_ptr<const Snapshot> snapshot = source.snapshot();
    const std::string version = snapshot ? snapshot->version() : "";
    // The tag of an answer that is a function of (snapshot, today, URL): a client holding it needs nothing new.
    const bool cacheable = route.method == "GET" && !route.live && snapshot;
    const std::string etag = cacheable ? "\"" + version + "." + Today().ToString() + "\"" : "";
    Result<Reply> reply = Error(ErrorCode::kInternal, "no answer");
    if (!snapshot && !route.live) {
      reply = Error(ErrorCode::kUnavailable, source.primary_url.empty()
                                                 ? "no data loaded yet"
                                                 : "no data yet: the primary " + source.primary_url + " has not answered");
    } else if (std::optional<Problem> problem = CheckRequest(route, req)) {
      SendProblem(res, *problem);
      return Finish(index, req, res, start, version);
    } else if (cacheable && req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      res.set_header("ETag", etag);
      return Finish(index, req, res, start, version);
    } else {
      Request request{req, source, snapshot, Today(), std::nullopt, &*metrics};
      if (route.access != Access::kPublic) {
        Result<db::TokenInfo> token = Authorize(route, req);
        if (!token.ok()) {
          SendProblem(res, ProblemFor(token.error()));
          PointAtPrimary(token.error(), req, res);
          return Finish(index, req, res, start, version);
        }
        request.token = std::move(token).value();
      }
      try {
        reply = route.handler(request);
      } catch (const std::exception& e) {
        std::cerr << "bantrack: internal error in " << route.method << " " << route.path << ": " << e.what() << "\n";
        reply = Error(ErrorCode::kInternal, "internal error; it has been logged");
      }
    }
    if (!reply.ok()) {
      Problem problem = ProblemFor(reply.error());
      if (problem.status == 500) {
        // Storage and internal errors name files and SQL: log them, tell the client only that it happened.
        std::cerr << "bantrack: " << route.method << " " << route.path << ": " << reply.error().ToString() << "\n";
        problem.detail = "the server could not complete the request; the cause has been logged";
        problem.errors.clear();
      }
      SendProblem(res, problem);
      PointAtPrimary(reply.error(), req, res);
    } else {
      Reply& r = reply.value();
      for (auto& [name, value] : r.headers) res.set_header(name, value);
      if (cacheable && r.status == 200) {
        res.set_header("ETag", etag);
        res.set_header("Cache-Control", "no-cache");
      }
      res.status = r.status;
      if (r.status != 204) res.set_content(std::move(r.body), r.content_type);
    }
    Finish(index, req, res, start, version);
  }

  // On a replica, what only the primary can do (writes, the edit log) is answered with its address.
  void PointAtPrimary(const Error& error, const httplib::Request& req, httplib::Response& res) const {
    const bool primary_only = error.code() == ErrorCode::kReadOnly || error.code() == ErrorCode::kUnavailable;
    if (primary_only && !source.primary_url.empty() && source.catalog == nullptr) {
      res.set_header("Location", source.primary_url + req.target);
    }
  }

  void Finish(size_t index, const httplib::Request& req, httplib::Response& res, Clock::time_point start,
              const std::string& version) {
    // A write's handler names the snapshot it created; every other answer names the one it read.
    if (!version.empty() && !res.has_header("X-Bantrack-Snapshot")) res.set_header("X-Bantrack-Snapshot", version);
    AllowOrigin(res);
    Compress(req, res);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics->RecordRequest(index, res.status, seconds);
    Log(req, res.status, seconds, res.body.size(), version);
  }

  // cpp-httplib would brotli-compress every text and JSON answer at its slowest setting (quality 11, no knob)
  // whenever a client offers br, which every browser does: a 100 KB list then takes hundreds of milliseconds.
  // Compress here instead, with gzip at a fast level, and hide the client's offer from httplib so that it does not
  // compress again. The request is httplib's own mutable object, handed to handlers as const.
  static void Compress(const httplib::Request& req, httplib::Response& res) {
    constexpr size_t kWorthCompressing = 1024;
    const std::string accepted = req.get_header_value("Accept-Encoding");
    if (accepted.empty()) return;
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    if (res.body.size() < kWorthCompressing || accepted.find("gzip") == std::string::npos ||
        res.has_header("Content-Encoding")) {
      return;
    }
    if (std::optional<std::string> gzipped = Gzip(res.body)) {
      res.body = std::move(*gzipped);
      res.set_header("Content-Encoding", "gzip");
      res.set_header("Vary", "Accept-Encoding");
    }
  }

  // With CORS open, every answer (errors too, so that a page can read why it was refused) names the origin.
  void AllowOrigin(httplib::Response& res) const {
    if (!options.cors_origin.empty()) res.set_header("Access-Control-Allow-Origin", options.cors_origin);
  }

  // httplib calls this for every status >= 400: ours already carry a problem document; its own (no route,
  // payload too large, a malformed request line, ...) get one here.
  httplib::Server::HandlerResponse OnError(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    int status = res.status;
    std::string detail = "no route for " + req.method + " " + req.path.substr(0, 200) + " (see /openapi.json)";
    if (status == 404) {
      std::string allowed;
      for (size_t i = 0; i < routes.size(); ++i) {
        if (PathMatches(routes[i].path, req.path)) allowed += (allowed.empty() ? "" : ", ") + routes[i].method;
      }
      if (!allowed.empty()) {
        status = 405;
        detail = req.method + " is not allowed on " + req.path.substr(0, 200) + "; allowed: " + allowed;
        res.set_header("Allow", allowed);
      }
    } else if (status == 413) {
      detail = "the body is larger than " + std::to_string(options.max_body_bytes) + " bytes";
    } else {
      detail = "the request could not be read (status " + std::to_string(status) + ")";
    }
    // Apart from a request for no route (404, 405), httplib could not read the request whole (a malformed or
    // stalled line, header or body; a body too large).
    Refuse(req, res, HttpProblem(status, std::move(detail)), /*unread=*/status != 404 && status != 405);
    return httplib::Server::HandlerResponse::Handled;
  }

  // Answers a request that reached no route with `problem`. When part of it was left unread, where the next
  // request on the connection would start is unknown (an unread remainder parsed as a new request is how request
  // smuggling starts): the answer tells the client and any proxy to close the connection, and the connection loops
  // close it once the answer is sent.
  void Refuse(const httplib::Request& req, httplib::Response& res, const Problem& problem, bool unread) {
    SendProblem(res, problem);
    AllowOrigin(res);
    if (unread) res.set_header("Connection", "close");
    metrics->RecordRequest(metrics->unmatched_route(), res.status, 0);
    Log(req, res.status, 0, res.body.size(), "");
  }

  // How the request's body is framed, checked before httplib reads it. httplib 0.11.4 reads a chunked body, and a
  // POST, PUT or PATCH body without Content-Length (to the end of the connection), whole and past the body limit;
  // inflates gzip and brotli bodies after checking the limit against their compressed size; parses multipart
  // bodies itself; reads and discards a body over the limit (up to the timeout); and leaves the body of a GET
  // unread, to be parsed as the next request. Each of these is refused unread here.
  std::optional<Problem> CheckFraming(const httplib::Request& req) const {
    if (req.has_header("Transfer-Encoding")) {
      return HttpProblem(411, "send the body with a Content-Length (Transfer-Encoding is not accepted)");
    }
    const bool takes_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    const size_t lengths = req.get_header_value_count("Content-Length");
    if (lengths == 0) {
      if (!takes_body) return std::nullopt;
      return HttpProblem(411, "a " + req.method + " needs a Content-Length (0 when there is no body)");
    }
    const std::string text = req.get_header_value("Content-Length");
    uint64_t length = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (lengths > 1 || text.empty() || error != std::errc() || end != text.data() + text.size()) {
      return HttpProblem(400, "the Content-Length must be given once, as a whole number of bytes");
    }
    if (length > options.max_body_bytes) {
      return HttpProblem(413, "the body is larger than " + std::to_string(options.max_body_bytes) + " bytes");
    }
    if (length > 0 && !takes_body && req.method != "DELETE") return HttpProblem(400, "a " + req.method + " has no body");
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity") {
      return HttpProblem(415, "send the body uncompressed (Content-Encoding \"" + encoding.substr(0, 40) + "\")");
    }
    if (req.get_header_value("Content-Type").starts_with("multipart/")) {
      return HttpProblem(415, "send the body as application/json, not multipart");
    }
    return std::nullopt;
  }

  Result<Reply> ServeStatic(const std::string& relative) {
    const char* type = ContentTypeOf(relative);
    const bool safe = !relative.empty() && relative.find("..") == std::string::npos && relative.front() != '/' &&
                      std::all_of(relative.begin(), relative.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
                               c == '/';
                      });
    if (options.web_dir.empty() || type == nullptr || !safe) {
      return Error(ErrorCode::kNotFound, "no such file: " + relative.substr(0, 200));
    }
    std::ifstream in(options.web_dir + "/" + relative, std::ios::binary);
    if (!in) return Error(ErrorCode::kNotFound, "no such file: " + relative);
    std::ostringstream body;
    body << in.rdbuf();
    Reply reply;
    reply.content_type = type;
    reply.body = body.str();
    reply.headers.push_back({"Cache-Control", "no-cache"});
    return reply;
  }

  // The routes that need the server's own state. All are live: served whatever the snapshot, never tagged.
  void AddOwnRoutes() {
    auto own = [this](std::string path, Handler handler) {
      routes.push_back({"GET", std::move(path), {}, Access::kPublic, std::move(handler), /*json_body=*/false,
                        /*live=*/true});
    };
    own("/healthz", [](Request&) -> Result<Reply> { return JsonReply({{"status", "ok"}}); });
    own("/readyz", [this](Request& request) -> Result<Reply> {
      // Ready once there is data to answer from; a replica stays ready on its last snapshot when its primary is away.
      if (!request.snapshot) {
        return Error(ErrorCode::kUnavailable, source.primary_url.empty()
                                                  ? "no data loaded yet"
                                                  : "no data yet: the primary " + source.primary_url + " has not answered");
      }
      nlohmann::ordered_json doc;
      doc["status"] = "ready";
      doc["snapshot"] = request.snapshot->version();
      if (source.seconds_since_sync) {
        doc["replica_of"] = source.primary_url;
        doc["seconds_since_sync"] = source.seconds_since_sync();
      }
      return JsonReply(doc);
    });
    own("/metrics", [this](Request& request) -> Result<Reply> {
      Metrics::Gauges gauges;
      if (request.snapshot) {
        gauges.snapshot_version = request.snapshot->version();
        gauges.snapshot_age_seconds = SnapshotAge(request.snapshot.get());
      }
      if (source.seconds_since_sync) gauges.replica_staleness_seconds = source.seconds_since_sync();
      Reply reply;
      reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
      reply.body = metrics->Render(gauges);
      return reply;
    });
    own("/openapi.json", [](Request&) -> Result<Reply> {
      Reply reply;
      reply.body = kOpenApiJson;
      return reply;
    });
    own("/", [this](Request&) { return ServeStatic("index.html"); });
    own("/static/{path}", [this](Request& request) { return ServeStatic(request.PathId()); });
  }
};

Server::Server(DataSource source, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(source), std::move(options))) {
  Impl& impl = *impl_;
  httplib::Server& http = impl.http;
  for (size_t i = 0; i < impl.routes.size(); ++i) {
    const Route& route = impl.routes[i];
    const std::string pattern = PathRegex(route.path);
    auto handler = [&impl, i](const httplib::Request& req, httplib::Response& res) { impl.Handle(i, req, res); };
    if (route.method == "GET") http.Get(pattern, handler);
    if (route.method == "POST") http.Post(pattern, handler);
    if (route.method == "PUT") http.Put(pattern, handler);
    if (route.method == "DELETE") http.Delete(pattern, handler);
  }
  http.set_pre_routing_handler([&impl](const httplib::Request& req, httplib::Response& res) {
    std::optional<Problem> problem = impl.CheckFraming(req);
    if (!problem) return httplib::Server::HandlerResponse::Unhandled;
    impl.Refuse(req, res, *problem, /*unread=*/true);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&impl](const httplib::Request& req, httplib::Response& res) { return impl.OnError(req, res); }));
  http.set_exception_handler([&impl](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    Impl::SendProblem(res, HttpProblem(500, "internal error"));
    impl.Log(req, 500, 0, res.body.size(), "");
  });
  if (!impl.options.cors_origin.empty()) {
    http.Options(R"(.*)", [&impl](const httplib::Request&, httplib::Response& res) {
      impl.AllowOrigin(res);
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match");
      res.set_header("Access-Control-Max-Age", "600");
      res.status = 204;
    });
  }

  // Connections, timeouts and keep-alive are the connection loops' (Bind); these set what httplib says in its
  // "Keep-Alive: timeout=5, max=100000" header (the loops set no limit on requests a connection), and reads.
  http.set_keep_alive_timeout(kKeepAliveSeconds);
  http.set_keep_alive_max_count(100000);
  http.set_payload_max_length(impl.options.max_body_bytes);
}

Server::~Server() { Stop(); }

Status Server::Bind() {
  Impl& impl = *impl_;
  Result<Listener> listener = Listen(impl.options.host, impl.options.port);
  if (!listener.ok()) return listener.error();
  impl.port = listener->port;
  ConnectionOptions options;
  // Four loops a core: the fastest of 2, 4, 8 and 16 under 64 connections on two cores (docs/PERFORMANCE.md), and a
  // long request (an import) holds up only the connections of its loop.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.loops = impl.options.threads > 0 ? impl.options.threads : 4 * cores;
  options.read_timeout_seconds = impl.options.timeout_seconds;
  options.write_timeout_seconds = impl.options.timeout_seconds;
  options.keep_alive_seconds = kKeepAliveSeconds;
  options.max_body_bytes = impl.options.max_body_bytes;
  std::lock_guard lock(impl.connections_mutex);
  impl.connections =
      std::make_unique<ConnectionLoops>(listener->fd, options, [&impl](httplib::Stream& stream, bool& close) {
        return impl.http.Process(stream, close);
      });
  if (impl.stop_requested) impl.connections->Stop();
  return {};
}

int Server::port() const { return impl_->port; }

std::vector<std::pair<std::string, std::string>> Server::Routes() const {
  std::vector<std::pair<std::string, std::string>> routes;
  for (const Route& route : impl_->routes) routes.emplace_back(route.method, route.path);
  return routes;
}

Status Server::Run() {
  ConnectionLoops* connections = nullptr;
  {
    std::lock_guard lock(impl_->connections_mutex);
    connections = impl_->connections.get();
  }
  if (connections == nullptr) return Error(ErrorCode::kInternal, "Server::Run() before Bind()");
  return connections->Run();
}

void Server::Stop() {
  std::lock_guard lock(impl_->connections_mutex);
  impl_->stop_requested = true;
  if (impl_->connections) impl_->connections->Stop();
}

}  // namespace bantrack::api
