// A read-only replica's source of snapshots: it pulls the primary's bundle (GET /v1/export?format=bundle) the way
// OPA pulls bundles — polling with If-None-Match, so an unchanged primary answers 304 and costs nothing — and swaps
// in a new snapshot whenever the primary's data changed. While the primary is unreachable it keeps answering from
// the last snapshot it has, and says how stale that is.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/snapshot.h"
#include "engine/status.h"

namespace bantrack::api {

class Follower {
 public:
  // `primary_url` like "http://10.0.0.5:8080"; polls every `interval`.
  Follower(std::string primary_url, std::chrono::milliseconds interval);
  ~Follower();  // stops polling
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Pulls once now; ok when a snapshot is available afterwards (new or unchanged).
  Status SyncOnce();
  // Starts polling in the background.
  void Start();

  // The newest snapshot pulled, or null before the first successful pull. Its version is the primary's.
  std::shared_ptr<const Snapshot> snapshot() const;
  // Seconds since the last successful pull (200 or 304); negative before the first.
  double SecondsSinceSync() const;
  const std::string& primary_url() const { return primary_url_; }

 private:
  void Poll();

  const std::string primary_url_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;  // guards snapshot_, etag_, last_sync_
  std::shared_ptr<const Snapshot> snapshot_;
  std::string etag_;
  std::chrono::steady_clock::time_point last_sync_{};
  bool synced_ = false;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace bantrack::api
