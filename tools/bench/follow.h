// The follow workload's change-stream followers (API.md §8): N connections on
// GET /v1/changes/stream?since=R, on a thread and io_context of their own, each recording every
// change event it receives (revision, "taskId/version", arrival time). The writers are ordinary
// workers (workloads.cc); follow_check (checks.h) matches the two after the run.
//
// Lifecycle: construct, start() (connects every follower and waits for its 200 headers), run the
// writers, then finish(keys, give_up): each follower stops once it has received the change of
// every write acknowledged to the writers (their "taskId/version" keys), or at give_up. (Not "the
// latest revision": that may be a product write, which the task feed never shows.) Only the
// atomics in this class, and `expected_` once expected_ready_ is set, are shared with the calling
// thread; the logs are read after finish() has joined the thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "connection.h"

namespace lockstep::bench {

struct Received {
  std::int64_t revision = 0;
  std::string key;  // change_key(taskId, version)
  Clock::time_point at;
};

struct FollowerLog {
  std::vector<Received> received;
  std::uint64_t heartbeats = 0;  // comment lines
  std::uint64_t malformed = 0;   // events whose data is not a change, or whose id differs
  bool reached = false;          // received every acknowledged change before give_up
  std::string error;             // why the stream failed or ended early; empty when it did not
};

class Followers {
 public:
  Followers(const ConnectionConfig& config, int count, std::int64_t since);
  Followers(const Followers&) = delete;
  Followers& operator=(const Followers&) = delete;
  ~Followers();

  // Connects every follower; false (with `error`) when one did not get its stream by `limit`.
  bool start(std::chrono::nanoseconds limit, std::string& error);
  // Lets each follower run until it has received the changes `keys` or `give_up` comes; joins the
  // thread.
  void finish(const std::vector<std::string>& keys, Clock::time_point give_up);

  const std::vector<FollowerLog>& logs() const { return logs_; }
  std::int64_t since() const { return since_; }

 private:
  asio::awaitable<void> follow(std::size_t i);
  asio::awaitable<void> watch();
  void end(std::size_t i, std::string error);
  void take_events(std::size_t i, std::string& pending);
  bool has_all(std::size_t i);

  const ConnectionConfig& config_;
  const std::int64_t since_;
  const std::string target_;
  asio::io_context io_{1};
  std::vector<std::unique_ptr<beast::tcp_stream>> streams_;
  std::vector<FollowerLog> logs_;
  std::vector<std::int64_t> last_revision_;               // follower thread only
  std::vector<bool> ended_;                               // follower thread only
  std::vector<std::size_t> scanned_;                      // follower thread only: received entries matched
  std::vector<std::unordered_set<std::string>> matched_;  // follower thread only
  std::unordered_set<std::string> expected_;              // written before expected_ready_ is set
  std::atomic<bool> expected_ready_{false};
  std::atomic<int> connected_{0};
  std::atomic<int> failed_{0};
  std::atomic<Clock::rep> give_up_{Clock::time_point::max().time_since_epoch().count()};
  std::jthread thread_;
};

// The store's latest revision (the `revision` of GET /v1/tasks?limit=1), or nullopt with `error`:
// where the followers start.
std::optional<std::int64_t> latest_revision(const ConnectionConfig& config, std::string& error);

}  // namespace lockstep::bench
