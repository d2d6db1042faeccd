// End-to-end test fixtures: a real `bantrack` process against a database in a fresh temporary directory.
//
// ServerProcess starts `bantrack serve --listen 127.0.0.1:0` (a free loopback port, read back from its first line
// of output), waits until it answers /healthz, and stops it with SIGTERM when destroyed (SIGKILL if it hangs).
// Run() runs any bantrack command and captures its exit code, stdout and stderr.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

namespace bantrack::testing {

// The bantrack executable and the repository root, compiled in by tests/CMakeLists.txt.
std::string BantrackPath();
std::string SourceDir();

// A fresh directory under the system temp dir, removed (recursively) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `bantrack <args>` with stdin from `input`; environment BANTRACK_DB unset.
CommandResult Run(const std::vector<std::string>& args, const std::string& input = "");

// Writes `text` to `path`.
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// What came back on a raw connection (RawExchange).
struct RawResponse {
  int status = 0;                              // 0: the server closed the connection without answering
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool closed = false;  // the server closed the connection (FIN or reset) before answering in full
};

// A TCP connection to 127.0.0.1:port (blocking, SIGPIPE-free sends), or -1.
int ConnectLoopback(int port);
// Sends `bytes` as they are on a new loopback connection and reads until a whole answer has come (head and
// Content-Length body), the server closes the connection, or `timeout_ms` passes. For requests no HTTP client
// library would send.
RawResponse RawExchange(int port, const std::string& bytes, int timeout_ms = 10000);
// Parses an HTTP/1.1 response (status line, headers, a Content-Length body); status 0 when `raw` is none.
RawResponse ParseRawResponse(const std::string& raw);

class ServerProcess {
 public:
  // `db` is created and seeded from seed-data/ on first use unless it exists. `extra` are more serve flags.
  explicit ServerProcess(const std::string& db, std::vector<std::string> extra = {});
  // Stops the server if it still runs, and checks (doctest) that it exited 0.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // A new client for this server (keep-alive off, 10 s timeouts).
  std::unique_ptr<httplib::Client> Client() const;
  // Stops with SIGTERM and waits; returns the exit status (as from waitpid's WEXITSTATUS, or -signal).
  int Stop();
  // Kills with SIGKILL and waits.
  void Kill();
  // What the server wrote to stderr (the access log) so far.
  std::string Log() const;
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace bantrack::testing
