// The server's connections: a listening socket, and a few event loops that read requests and write answers for
// many keep-alive connections each, without a thread per connection.
//
// cpp-httplib's own server gives every connection a thread, blocked in poll() between requests for as long as
// the client keeps it alive: with 64 clients on two cores, every request cost two context switches, a fifth of the
// server's time under load (docs/PERFORMANCE.md). Here the loops own the sockets, and a request, once its bytes are
// all buffered, is handed to httplib's own request processing (parsing, routing, error handling, the answer),
// which reads it from memory and writes its answer to memory. Everything a request goes through is still httplib's.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "engine/status.h"

namespace bantrack::api {

// A TCP socket listening on host:port (port 0: any free port), with SO_REUSEADDR and the system's largest
// backlog. On success, `port` is the port bound.
struct Listener {
  int fd = -1;
  int port = 0;
};
Result<Listener> Listen(const std::string& host, int port);

// Where the first request in `bytes` ends, as cpp-httplib will read it: the request line, the header lines up to
// the first empty line ("\r\n"), and then the body its Content-Length announces. A body is waited for only when
// httplib will read it: a single Content-Length that is a whole number no larger than `max_body_bytes`, and no
// Transfer-Encoding. Other framings are refused by the server before the body is read (server.cc, CheckFraming),
// so their request ends with its headers.
struct Framing {
  // The request's length when it is all in `bytes`; nullopt while more is needed.
  std::optional<size_t> end;
  // Headers complete, the body not, and the client waits to be told to send it ("Expect: 100-continue").
  bool awaits_continue = false;
};
// `max_header_bytes`: a request whose headers have not ended within this many bytes is complete as it stands
// (httplib answers it 400 or 414).
Framing FrameRequest(std::string_view bytes, size_t max_body_bytes, size_t max_header_bytes);

// Answers the request at the start of `stream` and writes the answer to it (httplib's Server::process_request).
// The request is whole in memory when this is called, so a processor must not write "100 Continue" (the loops send
// it themselves while they wait for a body). Returns false when the connection cannot go on; sets `close` when it
// must close after this answer (the client asked, or spoke HTTP/1.0).
using RequestProcessor = std::function<bool(httplib::Stream& stream, bool& close)>;

// An httplib::Server whose routes answer the requests ConnectionLoops hands over: route with its Get, Post, ...,
// and pass `[&](httplib::Stream& s, bool& close) { return server.Process(s, close); }` as the RequestProcessor.
class HttplibProcessing : public httplib::Server {
 public:
  bool Process(httplib::Stream& stream, bool& close);
};

struct ConnectionOptions {
  int loops = 4;                   // event loops (threads); each serves its connections one request at a time
  int read_timeout_seconds = 10;   // a request whose bytes stop coming this long is answered as it stands
  int write_timeout_seconds = 10;  // a client that stops reading its answer this long is disconnected
  int keep_alive_seconds = 5;      // an idle connection is closed after this long
  size_t max_body_bytes = 64u << 20;
};

// Accepts connections on a listening socket and serves them until Stop(). A new connection goes to the loop with
// the fewest connections, preferring loops that are not in the middle of a request. A loop runs one request at a
// time: a long request (an import) holds up the other connections of its loop, never those of other loops.
//
// Invariants (connections.cc): a connection belongs to one loop, which alone reads, writes and closes it; a
// request is processed only once it is whole, or once its client has stopped sending (end of stream, the read
// timeout, headers past the limit), when httplib finds the request cut short and answers 400; no more input is
// read from a connection while its answer is still being sent; a connection whose answer says "Connection: close"
// is shut down for writing once the answer is sent and closed when the client closes, or after the keep-alive
// timeout (closing with unread input would reset the connection and could destroy the answer in flight).
class ConnectionLoops {
 public:
  // Takes ownership of `listen_fd`.
  ConnectionLoops(int listen_fd, ConnectionOptions options, RequestProcessor process);
  ~ConnectionLoops();
  ConnectionLoops(const ConnectionLoops&) = delete;
  ConnectionLoops& operator=(const ConnectionLoops&) = delete;

  // Accepts and serves until Stop(); returns once every loop has finished the request it was answering. Returns
  // at once if Stop() was called before; an error if the loops' descriptors could not be made (out of
  // descriptors), or if connections can no longer be waited for (the loops are stopped).
  Status Run();
  // Thread-safe and idempotent; may be called before Run().
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bantrack::api
