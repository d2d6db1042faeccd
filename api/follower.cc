#include "api/follower.h"

#include <iostream>

#include <httplib.h>

#include "rules/bundle.h"

namespace bantrack::api {

Follower::Follower(std::string primary_url, std::chrono::milliseconds interval)
    : primary_url_(std::move(primary_url)), interval_(interval) {}

Follower::~Follower() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

Status Follower::SyncOnce() {
  httplib::Client client(primary_url_);
  if (!client.is_valid()) return Error(ErrorCode::kInvalidInput, "--follow: not an http URL: " + primary_url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(60);
  httplib::Headers headers;
  std::string etag;
  {
    std::lock_guard lock(mutex_);
    etag = etag_;
  }
  if (!etag.empty()) headers.emplace("If-None-Match", etag);
  httplib::Result res = client.Get("/v1/export?format=bundle", headers);
  if (!res) {
    return Error(ErrorCode::kUnavailable, "cannot reach the primary " + primary_url_ + ": " + httplib::to_string(res.error()));
  }
  const auto now = std::chrono::steady_clock::now();
  if (res->status == 304) {
    std::lock_guard lock(mutex_);
    last_sync_ = now;
    synced_ = true;
    return {};
  }
  if (res->status != 200) {
    return Error(ErrorCode::kUnavailable, "the primary answered " + std::to_string(res->status) + " to its export");
  }
  Result<Model> model = rules::ReadBundle(res->body);
  if (!model.ok()) {
    return Error(ErrorCode::kUnavailable, "the primary's bundle is invalid: " + model.error().message(),
                 model.error().details());
  }
  const std::string version = res->get_header_value("X-Bantrack-Snapshot");
  auto built = Snapshot::Build(std::move(model).value(), version.empty() ? "unknown" : version);
  if (!built.ok()) return std::move(built).take_error();
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(built).value();
  etag_ = res->get_header_value("ETag");
  last_sync_ = now;
  synced_ = true;
  return {};
}

void Follower::Start() {
  poller_ = std::thread([this] { Poll(); });
}

void Follower::Poll() {
  bool was_failing = false;
  while (true) {
    {
      std::unique_lock lock(wake_mutex_);
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    Status synced = SyncOnce();
    // Say so once when the primary goes away and once when it is back, not on every poll.
    if (!synced.ok() && !was_failing) std::cerr << "bantrack: replica: " << synced.error().message() << "\n";
    if (synced.ok() && was_failing) std::cerr << "bantrack: replica: the primary answers again\n";
    was_failing = !synced.ok();
  }
}

std::shared_ptr<const Snapshot> Follower::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

double Follower::SecondsSinceSync() const {
  std::lock_guard lock(mutex_);
  if (!synced_) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_sync_).count();
}

}  // namespace bantrack::api
