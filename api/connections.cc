// Event loops over epoll, one thread each, and an acceptor (the thread that calls Run) handing them connections.
//
// Invariants:
//  - a Connection is created by the acceptor and from then on touched only by the loop it was handed to (through
//    the loop's inbox, under its mutex); that loop alone reads, writes and closes its socket;
//  - `in` holds bytes received and not yet consumed by httplib; a request is processed only once FrameRequest finds
//    it whole, or once it is cut short (end of stream, the read timeout, headers past the limit);
//  - while `out` holds bytes not yet sent, no more requests are processed and the socket is not read;
//  - a connection that is `closing` processes no more requests; once its answer is sent it is shut down for
//    writing and drained (input read and dropped) until the client closes or the keep-alive timeout passes.
#include "api/connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace bantrack::api {
namespace {

using Clock = std::chrono::steady_clock;

// Headers that have not ended within this many bytes are not waited for: httplib limits a header line to 8 KB.
constexpr size_t kMaxHeaderBytes = 64 * 1024;
// Answers buffered for a connection before its pipelined requests wait for them to be sent.
constexpr size_t kMaxPendingAnswer = 64 * 1024;
// Bytes read from one connection per wake-up, so that one fast sender does not starve the others of its loop.
constexpr size_t kMaxReadPerEvent = 256 * 1024;
// Buffers larger than this are freed once empty rather than kept for the connection's next request: one export of a
// large data set would otherwise hold its size for as long as the connection lives.
constexpr size_t kMaxIdleBuffer = 1024 * 1024;
// How often a loop looks for connections past their timeouts.
constexpr auto kSweepInterval = std::chrono::milliseconds(250);

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view TrimSpaceAndTab(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") + 1 - first);
}

void AddressOf(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

struct Connection {
  int fd = -1;
  std::string remote_ip;
  std::string local_ip;
  int remote_port = 0;
  int local_port = 0;
  std::string in;
  std::string out;
  size_t out_sent = 0;
  Clock::time_point last_progress = Clock::now();  // the last byte received or sent
  uint32_t interest = 0;                            // the epoll events registered
  bool continue_sent = false;                       // "100 Continue" written for the request at the front of `in`
  bool input_ended = false;                         // the client closed its side
  bool closing = false;
  bool write_shut = false;

  bool AnswerPending() const { return out_sent < out.size(); }
};

// The request at the front of a connection's input, as httplib reads it; its answer goes to the output.
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(Connection& connection, size_t readable) : connection_(connection), readable_(readable) {}

  bool is_readable() const override { return consumed_ < readable_; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, readable_ - consumed_);
    std::memcpy(ptr, connection_.in.data() + consumed_, n);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    connection_.out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = connection_.remote_ip;
    port = connection_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = connection_.local_ip;
    port = connection_.local_port;
  }
  socket_t socket() const override { return connection_.fd; }

  size_t consumed() const { return consumed_; }

 private:
  Connection& connection_;
  size_t readable_;
  size_t consumed_ = 0;
};

void ClearBuffer(std::string& buffer) {
  if (buffer.capacity() > kMaxIdleBuffer) {
    std::string().swap(buffer);
  } else {
    buffer.clear();
  }
}

// Whether the answer starting at `start` of `out` carries "Connection: close" (httplib writes "Name: value\r\n").
bool AnswerCloses(std::string_view out, size_t start) {
  const std::string_view answer = out.substr(start);
  const size_t head_end = answer.find("\r\n\r\n");
  const std::string_view head = head_end == std::string_view::npos ? answer : answer.substr(0, head_end + 2);
  return head.find("\r\nConnection: close\r\n") != std::string_view::npos;
}

// Tags of the two non-connection descriptors in a loop's epoll set.
char stop_tag;
char wake_tag;

}  // namespace

Result<Listener> Listen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (const int failed = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); failed != 0) {
    return Error(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + gai_strerror(failed));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                            address->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
      Listener listener{fd, 0};
      std::string ip;
      AddressOf(bound, ip, listener.port);
      return listener;
    }
    ::close(fd);
  }
  return Error(ErrorCode::kUnavailable, "cannot listen on " + where + " (in use, or not an address of this machine)");
}

Framing FrameRequest(std::string_view bytes, size_t max_body_bytes, size_t max_header_bytes) {
  Framing framing;
  auto cut_short = [&] {
    if (bytes.size() > max_header_bytes) framing.end = bytes.size();
    return framing;
  };
  size_t line_start = bytes.find('\n');  // past the request line, whatever it holds
  if (line_start == std::string_view::npos) return cut_short();
  ++line_start;
  int lengths = 0;
  std::string_view length;
  bool transfer_encoding = false;
  bool expects_continue = false;
  for (;;) {
    const size_t newline = bytes.find('\n', line_start);
    if (newline == std::string_view::npos) return cut_short();
    std::string_view line = bytes.substr(line_start, newline + 1 - line_start);
    line_start = newline + 1;
    if (line == "\r\n") break;
    if (!line.ends_with("\r\n")) continue;  // httplib skips a line ending in a bare LF
    line.remove_suffix(2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = TrimSpaceAndTab(line.substr(colon + 1));
    if (value.empty()) continue;  // httplib drops a header without a value
    if (EqualsIgnoringCase(name, "Content-Length")) {
      ++lengths;
      length = value;
    } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
      transfer_encoding = true;
    } else if (EqualsIgnoringCase(name, "Expect")) {
      expects_continue = value == "100-continue";
    }
  }
  uint64_t body = 0;
  if (lengths == 1 && !transfer_encoding) {
    uint64_t announced = 0;
    const auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), announced);
    if (error == std::errc() && end == length.data() + length.size() && announced <= max_body_bytes) body = announced;
  }
  if (bytes.size() - line_start >= body) {
    framing.end = line_start + body;
  } else {
    framing.awaits_continue = expects_continue;
  }
  return framing;
}

bool HttplibProcessing::Process(httplib::Stream& stream, bool& close) {
  // The request is whole in memory: httplib must not answer "Expect: 100-continue" again.
  static const std::function<void(httplib::Request&)> kForgetExpect = [](httplib::Request& req) {
    req.headers.erase("Expect");
  };
  return process_request(stream, /*close_connection=*/false, close, kForgetExpect);
}

struct ConnectionLoops::Impl {
  struct Loop {
    int epoll_fd = -1;
    int wake_fd = -1;
    std::mutex inbox_mutex;
    std::vector<std::unique_ptr<Connection>> inbox;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
    std::atomic<int> connection_count{0};  // for the acceptor's choice; includes the inbox
    std::atomic<bool> busy{false};         // processing a request
    std::thread thread;
  };

  int listen_fd;
  ConnectionOptions options;
  RequestProcessor process;
  int stop_fd = -1;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Loop>> loops;
  std::string setup_failure;  // why the descriptors the loops need could not be made (Run reports it)

  Impl(int fd, ConnectionOptions o, RequestProcessor p)
      : listen_fd(fd), options(std::move(o)), process(std::move(p)) {
    stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (int i = 0; i < std::max(1, options.loops); ++i) {
      auto loop = std::make_unique<Loop>();
      loop->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
      loop->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      epoll_event stop{EPOLLIN, {.ptr = &stop_tag}};
      epoll_event wake{EPOLLIN, {.ptr = &wake_tag}};
      if (stop_fd < 0 || loop->epoll_fd < 0 || loop->wake_fd < 0 ||
          ::epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, stop_fd, &stop) != 0 ||
          ::epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &wake) != 0) {
        setup_failure = std::strerror(errno);
      }
      loops.push_back(std::move(loop));
    }
  }

  ~Impl() {
    for (auto& loop : loops) {
      for (auto& [raw, connection] : loop->connections) ::close(connection->fd);
      for (auto& connection : loop->inbox) ::close(connection->fd);
      ::close(loop->epoll_fd);
      ::close(loop->wake_fd);
    }
    ::close(stop_fd);
    ::close(listen_fd);
  }

  void Stop() {
    stopping = true;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(stop_fd, &one, sizeof one);
  }

  // The acceptor: hands each new connection to the least loaded loop. Stops the loops if it cannot go on.
  Status Accept() {
    pollfd watched[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    while (!stopping) {
      if (::poll(watched, 2, -1) < 0 && errno != EINTR) {
        const std::string reason = std::strerror(errno);
        Stop();
        return Error(ErrorCode::kUnavailable, "cannot wait for connections: " + reason);
      }
      while (!stopping) {
        sockaddr_storage remote{};
        socklen_t length = sizeof remote;
        const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&remote), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          // Out of descriptors: the pending connection stays readable; wait for some to close rather than spin.
          if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          break;
        }
        int yes = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        auto connection = std::make_unique<Connection>();
        connection->fd = fd;
        AddressOf(remote, connection->remote_ip, connection->remote_port);
        sockaddr_storage local{};
        length = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
          AddressOf(local, connection->local_ip, connection->local_port);
        }
        Loop& loop = LeastLoaded();
        ++loop.connection_count;
        {
          std::lock_guard lock(loop.inbox_mutex);
          loop.inbox.push_back(std::move(connection));
        }
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(loop.wake_fd, &one, sizeof one);
      }
    }
    return {};
  }

  Loop& LeastLoaded() {
    auto load = [](const std::unique_ptr<Loop>& loop) {
      return std::pair(loop->busy.load(), loop->connection_count.load());
    };
    return **std::min_element(loops.begin(), loops.end(),
                              [&](const auto& a, const auto& b) { return load(a) < load(b); });
  }

  void Serve(Loop& loop) {
    epoll_event events[64];
    Clock::time_point last_sweep = Clock::now();
    while (!stopping) {
      const int ready = ::epoll_wait(loop.epoll_fd, events, 64, static_cast<int>(kSweepInterval.count()));
      if (ready < 0 && errno != EINTR) break;
      for (int i = 0; i < ready && !stopping; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &stop_tag) break;
        if (tag == &wake_tag) {
          Adopt(loop);
        } else {
          OnEvent(loop, *static_cast<Connection*>(tag), events[i].events);
        }
      }
      const Clock::time_point now = Clock::now();
      if (now - last_sweep >= kSweepInterval) {
        Sweep(loop, now);
        last_sweep = now;
      }
    }
    // Stopping: answers already made get one last chance to leave.
    for (auto& [raw, connection] : loop.connections) Flush(*connection);
  }

  void Adopt(Loop& loop) {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t got = ::read(loop.wake_fd, &count, sizeof count);
    std::vector<std::unique_ptr<Connection>> arrived;
    {
      std::lock_guard lock(loop.inbox_mutex);
      arrived.swap(loop.inbox);
    }
    for (auto& connection : arrived) {
      Connection* raw = connection.get();
      loop.connections.emplace(raw, std::move(connection));
      raw->interest = EPOLLIN;
      epoll_event event{EPOLLIN, {.ptr = raw}};
      if (::epoll_ctl(loop.epoll_fd, EPOLL_CTL_ADD, raw->fd, &event) != 0) Close(loop, *raw);
    }
  }

  void OnEvent(Loop& loop, Connection& connection, uint32_t events) {
    if ((events & EPOLLOUT) && !Flush(connection)) return Close(loop, connection);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !Receive(connection)) return Close(loop, connection);
    Advance(loop, connection, /*cut_short=*/false);
  }

  // Reads what has arrived; false when the connection failed (reset).
  bool Receive(Connection& connection) {
    char buffer[64 * 1024];
    size_t total = 0;
    while (total < kMaxReadPerEvent) {
      const ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        total += static_cast<size_t>(got);
        // A closing connection is drained: what its client still sends is read and dropped.
        if (!connection.closing) connection.in.append(buffer, static_cast<size_t>(got));
        connection.last_progress = Clock::now();
      } else if (got == 0) {
        connection.input_ended = true;
        return true;
      } else if (errno == EINTR) {
        continue;
      } else {
        return errno == EAGAIN || errno == EWOULDBLOCK;
      }
    }
    return true;
  }

  // Sends what it can of the connection's answers; false when the client is gone.
  bool Flush(Connection& connection) {
    while (connection.AnswerPending()) {
      const ssize_t sent = ::send(connection.fd, connection.out.data() + connection.out_sent,
                                  connection.out.size() - connection.out_sent, MSG_NOSIGNAL);
      if (sent > 0) {
        connection.out_sent += static_cast<size_t>(sent);
        connection.last_progress = Clock::now();
      } else if (sent < 0 && errno == EINTR) {
        continue;
      } else {
        return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      }
    }
    ClearBuffer(connection.out);
    connection.out_sent = 0;
    return true;
  }

  // Answers the requests that are whole (with `cut_short`, also the one cut short at the front), sends the answers,
  // and sets what the loop waits for next; closes the connection when it is done.
  void Advance(Loop& loop, Connection& connection, bool cut_short) {
    cut_short = cut_short || connection.input_ended;
    while (!connection.closing && !connection.in.empty() &&
           connection.out.size() - connection.out_sent < kMaxPendingAnswer) {
      const Framing framing = FrameRequest(connection.in, options.max_body_bytes, kMaxHeaderBytes);
      if (!framing.end && !cut_short) {
        if (framing.awaits_continue && !connection.continue_sent) {
          connection.out += "HTTP/1.1 100 Continue\r\n\r\n";
          connection.continue_sent = true;
        }
        break;
      }
      Answer(loop, connection, framing.end.value_or(connection.in.size()), /*whole=*/framing.end.has_value());
    }
    if (!Flush(connection)) return Close(loop, connection);
    if (connection.AnswerPending()) return Want(loop, connection, EPOLLOUT);
    if (connection.input_ended) return Close(loop, connection);
    if (connection.closing && !connection.write_shut) {
      ::shutdown(connection.fd, SHUT_WR);
      connection.write_shut = true;
    }
    Want(loop, connection, EPOLLIN);
  }

  // Hands the first `length` bytes of input to httplib; a request that is not whole, or that httplib did not read
  // to its end, or whose answer closes, closes the connection (where a next request would start is unknown).
  void Answer(Loop& loop, Connection& connection, size_t length, bool whole) {
    MemoryStream stream(connection, length);
    const size_t answer_start = connection.out.size();
    bool close = false;
    loop.busy = true;
    const bool ok = process(stream, close);
    loop.busy = false;
    connection.in.erase(0, stream.consumed());
    if (connection.in.empty()) ClearBuffer(connection.in);
    connection.continue_sent = false;
    if (!ok || close || !whole || stream.consumed() != length || AnswerCloses(connection.out, answer_start)) {
      connection.closing = true;
    }
  }

  void Want(Loop& loop, Connection& connection, uint32_t interest) {
    if (connection.interest == interest) return;
    connection.interest = interest;
    epoll_event event{interest, {.ptr = &connection}};
    ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_MOD, connection.fd, &event);
  }

  void Close(Loop& loop, Connection& connection) {
    ::close(connection.fd);  // also removes it from the epoll set
    --loop.connection_count;
    loop.connections.erase(&connection);
  }

  // Connections past their timeouts: a stalled request is answered as it stands, a stalled answer abandoned, an
  // idle or draining connection closed.
  void Sweep(Loop& loop, Clock::time_point now) {
    const auto read_timeout = std::chrono::seconds(options.read_timeout_seconds);
    const auto write_timeout = std::chrono::seconds(options.write_timeout_seconds);
    const auto keep_alive = std::chrono::seconds(options.keep_alive_seconds);
    std::vector<Connection*> stalled;
    std::vector<Connection*> finished;
    for (auto& [raw, connection] : loop.connections) {
      const auto quiet = now - connection->last_progress;
      if (connection->AnswerPending()) {
        if (quiet > write_timeout) finished.push_back(raw);
      } else if (!connection->in.empty() && !connection->closing) {
        if (quiet > read_timeout) stalled.push_back(raw);
      } else if (quiet > keep_alive) {
        finished.push_back(raw);
      }
    }
    for (Connection* connection : finished) Close(loop, *connection);
    for (Connection* connection : stalled) Advance(loop, *connection, /*cut_short=*/true);
  }
};

ConnectionLoops::ConnectionLoops(int listen_fd, ConnectionOptions options, RequestProcessor process)
    : impl_(std::make_unique<Impl>(listen_fd, std::move(options), std::move(process))) {}

ConnectionLoops::~ConnectionLoops() { Stop(); }

Status ConnectionLoops::Run() {
  Impl& impl = *impl_;
  if (!impl.setup_failure.empty()) {
    return Error(ErrorCode::kUnavailable, "cannot set up the connection loops: " + impl.setup_failure);
  }
  if (impl.stopping) return {};
  for (auto& loop : impl.loops) loop->thread = std::thread([&impl, &loop] { impl.Serve(*loop); });
  Status accepted = impl.Accept();
  for (auto& loop : impl.loops) loop->thread.join();
  return accepted;
}

void ConnectionLoops::Stop() { impl_->Stop(); }

}  // namespace bantrack::api
