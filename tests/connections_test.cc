// The connection loops (api/connections.h): where a request ends, and how connections are read, answered, kept
// alive and closed. The server's own routes over them are tested end to end in e2e/ (bad_input_tests: hostile and
// slow requests); here a small httplib server runs in process, with short timeouts.
#include "api/connections.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/e2e/fixture.h"

namespace bantrack::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ConnectLoopback;

constexpr size_t kMaxBody = 1000;
constexpr size_t kMaxHeader = 200;

std::optional<size_t> EndOf(std::string_view bytes) { return FrameRequest(bytes, kMaxBody, kMaxHeader).end; }

TEST_CASE("FrameRequest: a request ends after its headers and the body its Content-Length announces") {
  const std::string get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(EndOf(get) == get.size());
  CHECK(EndOf(get + "GET /b HTTP/1.1\r\n") == get.size());  // a pipelined request after it
  CHECK(EndOf("GET /a HTTP/1.1\r\n\r\n") == 19u);             // no headers
  CHECK_FALSE(EndOf("GET /a HTTP/1.1\r\nHost: x\r\n"));
  CHECK_FALSE(EndOf("GET /a HTTP/1.1"));

  const std::string post = "POST /e HTTP/1.1\r\ncontent-length:  5 \r\n\r\n";
  CHECK_FALSE(EndOf(post + "hel"));
  CHECK(EndOf(post + "hello") == post.size() + 5);
  CHECK(EndOf(post + "helloGET") == post.size() + 5);

  // httplib skips a header line ending in a bare LF, and a header without a value.
  CHECK(EndOf("GET /a HTTP/1.1\r\nContent-Length: 9\n\r\n") == 37u);
  CHECK(EndOf("GET /a HTTP/1.1\r\nContent-Length:\r\n\r\n") == 36u);
}

TEST_CASE("FrameRequest: a body httplib will not read is not waited for") {
  auto headers_only = [](const std::string& header_lines) {
    const std::string head = "POST /e HTTP/1.1\r\n" + header_lines + "\r\n";
    CAPTURE(header_lines);
    CHECK(EndOf(head + "abc") == head.size());
  };
  headers_only("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n");
  headers_only("Content-Length: 5\r\nContent-Length: 5\r\n");
  headers_only("Content-Length: 1001\r\n");  // past the body limit: refused unread
  headers_only("Content-Length: 5x\r\n");
  headers_only("Content-Length: -5\r\n");
  headers_only("");  // a POST without Content-Length: refused (411)
}

TEST_CASE("FrameRequest: Expect: 100-continue, and headers that never end") {
  const std::string head = "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  const Framing waiting = FrameRequest(head, kMaxBody, kMaxHeader);
  CHECK_FALSE(waiting.end);
  CHECK(waiting.awaits_continue);
  const Framing whole = FrameRequest(head + "hello", kMaxBody, kMaxHeader);
  CHECK(whole.end == head.size() + 5);
  CHECK_FALSE(whole.awaits_continue);
  CHECK_FALSE(FrameRequest("POST /e HTTP/1.1\r\nContent-Length: 5\r\n\r\n", kMaxBody, kMaxHeader).awaits_continue);

  const std::string endless = "GET /a HTTP/1.1\r\nX: " + std::string(kMaxHeader, 'x');
  CHECK(EndOf(endless) == endless.size());  // answered as it stands: httplib finds it cut short
  CHECK(EndOf(std::string(kMaxHeader + 1, 'G')) == kMaxHeader + 1);
}

// A server of three routes on a free loopback port, served by `loops` loops with one-second timeouts.
class TestServer {
 public:
  explicit TestServer(int loops) {
    http_.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
    http_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      slow_started_ = true;  // its loop is busy from here on (ConnectionLoops marks it before processing)
      std::this_thread::sleep_for(1500ms);
      res.set_content("slow", "text/plain");
    });
    http_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    Result<Listener> listener = Listen("127.0.0.1", 0);
    REQUIRE(listener.ok());
    port_ = listener->port;
    ConnectionOptions options;
    options.loops = loops;
    options.read_timeout_seconds = 1;
    options.write_timeout_seconds = 1;
    options.keep_alive_seconds = 1;
    options.max_body_bytes = kMaxBody;
    loops_ = std::make_unique<ConnectionLoops>(
        listener->fd, options, [this](httplib::Stream& stream, bool& close) { return http_.Process(stream, close); });
    thread_ = std::thread([this] { CHECK(loops_->Run().ok()); });
  }
  ~TestServer() {
    loops_->Stop();
    thread_.join();
  }
  int port() const { return port_; }
  // Waits, up to 3 s, until a loop is answering GET /slow: a loop has read a request it was sent only once it has
  // been scheduled, which on a loaded machine (a sanitizer build beside other tests) can come after later requests.
  void AwaitSlowRequest() const {
    const auto deadline = Clock::now() + 3s;
    while (!slow_started_ && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    REQUIRE(slow_started_);
  }

 private:
  std::atomic<bool> slow_started_{false};
  HttplibProcessing http_;
  int port_ = 0;
  std::unique_ptr<ConnectionLoops> loops_;
  std::thread thread_;
};

// A client connection: sends bytes, reads what comes until a text appears, the server closes, or 3 s pass.
class Client {
 public:
  explicit Client(int port) : fd_(ConnectLoopback(port)) { REQUIRE(fd_ >= 0); }
  ~Client() { ::close(fd_); }
  void Send(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  void ShutdownWriting() { ::shutdown(fd_, SHUT_WR); }
  // Reads until `received` holds `wanted` `times` times (or, with an empty `wanted`, until the server closes).
  void ReadUntil(const std::string& wanted, int times = 1) {
    const auto deadline = Clock::now() + 3s;
    timeval tick{0, 50'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    while (!closed && Clock::now() < deadline && (wanted.empty() || Count(wanted) < times)) {
      char buffer[4096];
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got > 0) received.append(buffer, static_cast<size_t>(got));
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
    }
  }
  int Count(const std::string& text) const {
    int count = 0;
    for (size_t at = received.find(text); at != std::string::npos; at = received.find(text, at + 1)) ++count;
    return count;
  }

  std::string received;
  bool closed = false;

 private:
  int fd_;
};

TEST_CASE("connection loops: pipelined requests, 100-continue, keep-alive and closing") {
  TestServer server(2);

  SUBCASE("two requests in one packet are answered in order, on a connection kept alive") {
    Client client(server.port());
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\npong");
    client.ReadUntil("HTTP/1.1 200 OK", 2);
    CHECK(client.Count("HTTP/1.1 200 OK") == 2);
    CHECK(client.received.find("hi") < client.received.find("pong"));
    CHECK_FALSE(client.closed);
    CHECK(client.received.find("Keep-Alive: timeout=") != std::string::npos);
  }
  SUBCASE("a body is asked for once with 100 Continue, and answered once it has come") {
    Client client(server.port());
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    client.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n");
    CHECK(client.received == "HTTP/1.1 100 Continue\r\n\r\n");
    client.Send("hello");
    client.ReadUntil("hello");
    CHECK(client.Count("100 Continue") == 1);
    CHECK(client.received.find("HTTP/1.1 200 OK") != std::string::npos);
  }
  SUBCASE("a body already sent with Expect: 100-continue gets no 100") {
    Client client(server.port());
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
    client.ReadUntil("HTTP/1.1 200 OK");
    CHECK(client.received.starts_with("HTTP/1.1 200 OK"));
    CHECK(client.Count("100 Continue") == 0);
  }
  SUBCASE("a client that asks to close gets its answer, then the end of the connection") {
    Client client(server.port());
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    client.ReadUntil("");
    CHECK(client.received.starts_with("HTTP/1.1 200 OK"));
    CHECK(client.closed);
  }
  SUBCASE("a request cut short by the end of the stream is answered 400 at once, and the connection closed") {
    Client client(server.port());
    const auto start = Clock::now();
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    client.ShutdownWriting();
    client.ReadUntil("");
    CHECK(client.received.starts_with("HTTP/1.1 400"));
    CHECK(client.closed);
    CHECK(Clock::now() - start < 900ms);  // before the read timeout
  }
  SUBCASE("a request that stalls is answered 400 after the read timeout, and the connection closed") {
    Client client(server.port());
    const auto start = Clock::now();
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    client.ReadUntil("");
    CHECK(client.received.starts_with("HTTP/1.1 400"));
    CHECK(client.closed);
    CHECK(Clock::now() - start >= 900ms);
  }
  SUBCASE("an idle connection is closed after the keep-alive timeout") {
    Client client(server.port());
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client.ReadUntil("hi");
    const auto answered = Clock::now();
    client.ReadUntil("");
    CHECK(client.closed);
    CHECK(Clock::now() - answered >= 700ms);
  }
}

TEST_CASE("connection loops: a long request holds up its own loop, and new connections go to the others") {
  TestServer server(2);
  Client slow(server.port());  // the first loop's
  // A first request answered alone, so that what httplib builds on its first request exists before two loops are in
  // it at once: ThreadSanitizer cannot see the synchronization inside the uninstrumented library, and without this
  // request it reported a race there (memory one loop's thread allocated in httplib, read by the other's).
  slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  slow.ReadUntil("hi");
  slow.received.clear();  // so that the check at the end is of the slow request's answer
  slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  Client idle(server.port());  // the second loop's: it had fewer connections
  idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  idle.ReadUntil("hi");
  REQUIRE(idle.received.starts_with("HTTP/1.1 200 OK"));  // answered by the second loop, whatever the first does
  // Both loops now hold one connection; once the first is busy, a new connection goes to the second.
  server.AwaitSlowRequest();
  const auto start = Clock::now();
  Client quick(server.port());
  quick.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  quick.ReadUntil("hi");
  CHECK(quick.received.starts_with("HTTP/1.1 200 OK"));
  CHECK(Clock::now() - start < 1s);
  slow.ReadUntil("slow");
  CHECK(slow.received.starts_with("HTTP/1.1 200 OK"));
}

TEST_CASE("connection loops: Stop before Run, and Stop while serving") {
  Result<Listener> listener = Listen("127.0.0.1", 0);
  REQUIRE(listener.ok());
  HttplibProcessing http;
  ConnectionLoops loops(listener->fd, {},
                        [&](httplib::Stream& stream, bool& close) { return http.Process(stream, close); });
  loops.Stop();
  CHECK(loops.Run().ok());  // returns at once
  {
    TestServer server(3);
    Client client(server.port());
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client.ReadUntil("hi");
    CHECK(client.received.starts_with("HTTP/1.1 200 OK"));
  }  // ~TestServer stops the loops and joins the thread running them
  const Result<Listener> taken = Listen("127.0.0.1", listener->port);  // the port is still listened on
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().message().find("in use") != std::string::npos);
}

TEST_CASE("connection loops: Run reports loops that could not be set up") {
  Result<Listener> listener = Listen("127.0.0.1", 0);
  REQUIRE(listener.ok());
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit tight = saved;
  tight.rlim_cur = 64;  // 100 loops need 200 descriptors
  REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
  HttplibProcessing http;
  ConnectionOptions options;
  options.loops = 100;
  auto loops = std::make_unique<ConnectionLoops>(
      listener->fd, options, [&](httplib::Stream& stream, bool& close) { return http.Process(stream, close); });
  REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  const Status run = loops->Run();
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message().find("cannot set up the connection loops") != std::string::npos);
}

}  // namespace
}  // namespace bantrack::api
