// bantrack serve: the HTTP API (and the web page) on one address, until SIGTERM or SIGINT.
#include <csignal>
#include <iostream>
#include <thread>

#include "api/follower.h"
#include "api/server.h"
#include "cli/cli.h"

namespace bantrack::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;
  std::string web_dir = BANTRACK_WEB_DIR;
  std::string cors_origin;
  size_t max_body_bytes = 64u << 20;
  int timeout_seconds = 10;
  bool quiet = false;
  std::string follow;     // replica mode: the primary's URL
  int poll_ms = 1000;
};

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      port = std::stoi(listen.substr(colon + 1), &used);
      if (used != listen.size() - colon - 1) port = -1;
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
    return Error(ErrorCode::kInvalidInput, "--listen: expected ADDRESS:PORT such as 127.0.0.1:8080, got \"" + listen + "\"");
  }
  return std::pair{listen.substr(0, colon), port};
}

int RunServe(const GlobalOptions& options, const ServeFlags& flags) {
  Result<std::pair<std::string, int>> address = ParseListen(flags.listen);
  if (!address.ok()) return Fail(address.error());
  // Signals are taken by one thread with sigwait, so the server threads (created later) inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // A primary answers from its database; a replica from snapshots pulled from its primary.
  std::unique_ptr<db::Catalog> catalog;
  std::unique_ptr<api::Follower> follower;
  api::DataSource source;
  if (flags.follow.empty()) {
    auto opened = OpenCatalog(options);
    if (!opened.ok()) return Fail(opened.error());
    catalog = std::move(opened).value();
    source.snapshot = [live = catalog.get()] { return live->snapshot(); };
    source.catalog = catalog.get();
  } else {
    if (flags.poll_ms < 50) return Fail(Error(ErrorCode::kInvalidInput, "--poll-ms: at least 50"));
    follower = std::make_unique<api::Follower>(flags.follow, std::chrono::milliseconds(flags.poll_ms));
    if (Status first = follower->SyncOnce(); !first.ok()) {
      std::cerr << "bantrack: replica: " << first.error().message() << "; answering 503 until the primary answers\n";
    }
    follower->Start();
    source.snapshot = [f = follower.get()] { return f->snapshot(); };
    source.primary_url = flags.follow;
    source.seconds_since_sync = [f = follower.get()] { return f->SecondsSinceSync(); };
  }

  api::ServerOptions server_options;
  server_options.host = address->first;
  server_options.port = address->second;
  server_options.threads = flags.threads;
  server_options.web_dir = flags.web_dir;
  server_options.cors_origin = flags.cors_origin;
  server_options.max_body_bytes = flags.max_body_bytes;
  server_options.timeout_seconds = flags.timeout_seconds;
  server_options.access_log = !flags.quiet;
  api::Server server(source, server_options);
  if (Status bound = server.Bind(); !bound.ok()) return Fail(bound.error());

  std::thread signal_watcher([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "bantrack: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
              << ": finishing requests in flight, then stopping\n";
    server.Stop();
  });
  std::cout << "bantrack: serving http://" << address->first << ":" << server.port() << "/ (";
  if (const auto snapshot = source.snapshot()) {
    std::cout << "data version " << snapshot->version() << ": " << snapshot->model().rules.size() << " rules, "
              << snapshot->model().apps.size() << " apps; ";
  }
  if (follower) {
    std::cout << "read-only replica of " << flags.follow << ")" << std::endl;
  } else {
    std::cout << "database " << options.db << ")" << std::endl;
  }
  Status ran = server.Run();
  // If the server stopped on its own, wake the watcher so it can be joined.
  pthread_kill(signal_watcher.native_handle(), SIGTERM);
  signal_watcher.join();
  if (!ran.ok()) return Fail(ran.error());
  std::cerr << "bantrack: stopped\n";
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, GlobalOptions& options, Command& command) {
  auto* serve = app.add_subcommand("serve", "Serve the HTTP API and the web page (stop with SIGTERM or Ctrl-C)");
  auto flags = std::make_shared<ServeFlags>();
  serve->add_option("--listen", flags->listen, "ADDRESS:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--threads", flags->threads,
                    "event loops, each serving many connections one request at a time (default: four a core)");
  serve->add_option("--web", flags->web_dir, "directory of the web page's files")->capture_default_str();
  serve->add_option("--cors-origin", flags->cors_origin, "allow browsers from this origin (default: CORS closed)");
  serve->add_option("--max-body", flags->max_body_bytes, "largest request body in bytes")->capture_default_str();
  serve->add_option("--timeout", flags->timeout_seconds,
                    "seconds a connection may take to send a request or read an answer before it is closed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve->add_flag("--quiet", flags->quiet, "no access log");
  serve->add_option("--follow", flags->follow,
                    "run as a read-only replica of the primary at URL (e.g. http://10.0.0.5:8080): pull its data, "
                    "answer reads, refuse writes");
  serve->add_option("--poll-ms", flags->poll_ms, "replica: how often to ask the primary for changes, in ms")
      ->capture_default_str();
  serve->callback([&options, &command, flags] {
    command = [&options, flags] { return RunServe(options, *flags); };
  });
}

}  // namespace bantrack::cli
