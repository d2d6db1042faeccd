// The HTTP API of DESIGN.md §5, served with cpp-httplib.
//
// Handlers are thin: parse the request, call the engine or the catalog, render JSON. Each request reads one
// snapshot, loaded once when it starts, so an answer never mixes two versions of the data. Every error becomes an
// RFC 9457 problem document in one place (problem.cc), with the status its ErrorCode maps to.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/catalog.h"
#include "engine/date.h"
#include "engine/snapshot.h"
#include "engine/status.h"

namespace bantrack::api {

// Where reads come from and where writes go. A primary has a catalog; a replica (bantrack serve --follow) has
// only snapshots pulled from its primary, and refuses writes with a problem document naming `primary_url`.
struct DataSource {
  std::function<std::shared_ptr<const Snapshot>()> snapshot;
  db::Catalog* catalog = nullptr;  // null on a replica
  std::string primary_url;         // set on a replica
  // A replica's staleness for /readyz and /metrics: seconds since its last successful pull (negative: never).
  std::function<double()> seconds_since_sync;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                         // 0: any free port (see Server::port())
  int threads = 0;                         // event loops serving connections; 0: four a core (server.cc)
  size_t max_body_bytes = 64u << 20;       // larger bodies get 413
  int timeout_seconds = 10;                // read and write timeout of a connection
  std::string web_dir;                     // static files served at / (empty: no web page)
  std::string cors_origin;                 // Access-Control-Allow-Origin for reads; empty: CORS closed
  bool access_log = true;                  // one JSON line per request on stderr
  std::function<Date()> today;             // the default as_of; UTC today when unset
};

class Server {
 public:
  Server(DataSource source, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket. After it, port() is the port actually bound.
  Status Bind();
  int port() const;
  // Serves until Stop(); returns after the requests in flight have been answered.
  Status Run();
  // Thread-safe; may be called before Run() returns or from another thread (e.g. on SIGTERM).
  void Stop();

  // Every route served, as {method, path template}, e.g. {"GET", "/v1/apps/{id}"}.
  std::vector<std::pair<std::string, std::string>> Routes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace bantrack::api
