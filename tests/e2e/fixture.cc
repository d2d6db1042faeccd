#include "tests/e2e/fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

namespace bantrack::testing {
namespace fs = std::filesystem;

std::string BantrackPath() { return BANTRACK_EXECUTABLE; }
std::string SourceDir() { return BANTRACK_SOURCE_DIR; }

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "bantrack-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

// Starts bantrack with `args`, stdin from `stdin_path`, stdout and stderr into files; returns the pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& stdin_path, const std::string& out_path,
            const std::string& err_path) {
  std::vector<std::string> argv_storage = {BantrackPath()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The child dies with the test process: a test killed by a signal (its destructors never run) must not leave a
    // server listening. Every process is started from a test's main thread, whose exit is the process's.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    auto redirect = [](const std::string& path, int flags, int target) {
      const int fd = open(path.c_str(), flags, 0644);
      if (fd < 0) _exit(127);
      dup2(fd, target);
      close(fd);
    };
    redirect(stdin_path, O_RDONLY, 0);
    redirect(out_path, O_WRONLY | O_CREAT | O_TRUNC, 1);
    redirect(err_path, O_WRONLY | O_CREAT | O_TRUNC, 2);
    unsetenv("BANTRACK_DB");
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

CommandResult Run(const std::vector<std::string>& args, const std::string& input) {
  TempDir io;
  WriteFile(io.File("in"), input);
  const pid_t pid = Spawn(args, io.File("in"), io.File("out"), io.File("err"));
  CommandResult result;
  result.exit_code = WaitExit(pid);
  result.out = ReadFile(io.File("out"));
  result.err = ReadFile(io.File("err"));
  return result;
}

ServerProcess::ServerProcess(const std::string& db, std::vector<std::string> extra) {
  const std::string dir = fs::path(db).parent_path().string();
  const std::string out_path = db + ".serve.out";
  log_path_ = db + ".serve.log";
  std::vector<std::string> args = {"--db", db, "serve", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  // The output of an earlier server on the same database names its port: gone before the new one can be read.
  std::error_code ignored;
  fs::remove(out_path, ignored);
  pid_ = Spawn(args, "/dev/null", out_path, log_path_);
  // The first line of stdout names the port: "bantrack: serving http://127.0.0.1:PORT/ ...".
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (port_ == 0) {
    const std::string out = ReadFile(out_path);
    const size_t at = out.find("127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = std::atoi(out.c_str() + at + 10);
      break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("bantrack serve exited early: " + ReadFile(log_path_));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Kill();  // no destructor runs for a constructor that throws: the process would outlive the test
      throw std::runtime_error("bantrack serve did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  while (true) {
    httplib::Client client("127.0.0.1", port_);
    if (auto res = client.Get("/healthz"); res && res->status == 200) break;
    if (std::chrono::steady_clock::now() > deadline) {
      Kill();
      throw std::runtime_error("bantrack serve does not answer");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A server still running when its test ends is stopped here, and must exit 0 like one stopped explicitly: under the
// sanitizers a leak or a crash at shutdown shows only in that status. A server shared by several test cases (a
// function-local static) is stopped after doctest has finished, when no assertion can be reported: then a bad status
// ends the test program with exit status 1.
ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  const int status = Stop();
  if (doctest::is_running_in_test) {
    CHECK_MESSAGE(status == 0, "bantrack serve exited with " << status << "; its log: " << log_path_);
  } else if (status != 0) {
    std::fprintf(stderr, "bantrack serve exited with %d; its log: %s\n", status, log_path_.c_str());
    std::_Exit(1);
  }
}

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_connection_timeout(10);
  client->set_read_timeout(30);
  client->set_write_timeout(30);
  return client;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  // Give in-flight requests time to finish; a server that hangs is killed (and the test sees -9).
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  const int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

std::string ServerProcess::Log() const { return ReadFile(log_path_); }

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

namespace {

// Whether `raw` holds a whole response: its head, and as many body bytes as its Content-Length says.
bool IsComplete(const std::string& raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  RawResponse head = ParseRawResponse(raw.substr(0, head_end + 4));
  auto length = head.headers.find("content-length");
  return length != head.headers.end() && raw.size() - head_end - 4 >= std::stoul(length->second);
}

}  // namespace

RawResponse ParseRawResponse(const std::string& raw) {
  RawResponse response;
  const size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string::npos) return response;
  response.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const size_t end = raw.find("\r\n", line);
    const std::string header = raw.substr(line, end - line);
    const size_t colon = header.find(':');
    if (colon != std::string::npos) {
      std::string name = header.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      const size_t value = header.find_first_not_of(' ', colon + 1);
      response.headers[name] = value == std::string::npos ? "" : header.substr(value);
    }
    line = end + 2;
  }
  response.body = raw.substr(head_end + 4);
  if (auto length = response.headers.find("content-length"); length != response.headers.end()) {
    response.body.resize(std::min<size_t>(response.body.size(), std::stoul(length->second)));
  }
  return response;
}

RawResponse RawExchange(int port, const std::string& bytes, int timeout_ms) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) throw std::runtime_error("cannot connect to port " + std::to_string(port));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  // Sending and reading interleave: a server may answer (413, 414) before it has read everything. The connection
  // is not half-closed after sending: httplib writes no answer to a client that has shut down its side.
  std::string raw;
  size_t sent = 0;
  bool closed = false;
  while (!closed && !IsComplete(raw) && remaining_ms() > 0) {
    pollfd poller{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
    if (poll(&poller, 1, std::min(remaining_ms(), 100)) <= 0) continue;
    if (poller.revents & POLLIN) {
      char buffer[65536];
      const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        closed = true;  // FIN, or a reset (the server closed with our bytes unread)
      } else {
        raw.append(buffer, static_cast<size_t>(got));
      }
    } else if (poller.revents & POLLOUT) {
      const ssize_t put = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      // A failed send: the server stopped reading; what it answered is still to be read.
      sent = put < 0 ? bytes.size() : sent + static_cast<size_t>(put);
    } else if (poller.revents & (POLLERR | POLLHUP)) {
      closed = true;
    }
  }
  close(fd);
  RawResponse response = ParseRawResponse(raw);
  response.closed = closed;
  return response;
}

}  // namespace bantrack::testing
