// What the crash loops share (chaos_test.cc on SQLite, pg_chaos_test.cc on PostgreSQL): clients
// that read hot tasks and write them back with If-Match and an Idempotency-Key, retrying a write
// whose answer was lost with the same key until it has one; a recorder of what they saw; and the
// check afterwards (every acknowledged write in the change log exactly once, no version gap, the
// history linearizable). Where a client sends its requests, and where it goes when its server is
// gone, is the test's own business (a Route).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "linearizability.h"

namespace lockstep::testing::chaos {

std::int64_t now_ns();

// The integer in environment variable `name` (at least `least`), or `fallback` when it is unset.
int env_count(const char* name, int fallback, int least = 1);

struct Acked {
  std::string task;
  std::int64_t version;
  std::int64_t value;
};

// Everything the clients saw, from all their threads.
class Recorder {
 public:
  // `node`: the server that answered (progress is counted per node).
  void record(const Operation& op, const std::optional<Acked>& ack = std::nullopt, int node = 0);
  // Waits until `more` writes have been acknowledged since the call, by `node` (any when -1);
  // false after `timeout`.
  bool wait_for_acks(std::size_t more, std::chrono::seconds timeout, int node = -1);

  std::vector<Operation> history() const;
  std::vector<Acked> acked() const;

  // Counted by the clients.
  std::atomic<std::size_t> unavailable{0};        // 503 answers (reads and writes), retried
  std::atomic<std::size_t> failovers{0};          // connections that failed, followed by another server
  std::atomic<std::size_t> replays_after_503{0};  // writes answered 503 "not committed", then replayed as done
  std::atomic<std::size_t> unsettled{0};          // writes that had no final answer within their deadline

 private:
  mutable std::mutex mu_;
  std::condition_variable progress_;
  std::vector<Operation> history_;       // guarded by mu_
  std::vector<Acked> acked_;             // guarded by mu_
  std::map<int, std::size_t> acked_by_;  // node -> acknowledged writes, guarded by mu_
};

// Where one client sends its requests. Used by that client's thread only.
class Route {
 public:
  virtual ~Route() = default;
  // The connection for the next operation (it may move between operations); nullptr once over.
  virtual ApiClient* next() = 0;
  // The connection failed (refused, reset): the one to retry on; nullptr once the run is over.
  virtual ApiClient* failed() = 0;
  // The node the current connection goes to.
  virtual int node() const = 0;
};

// One client (`id` 1 to 6), until `stop` or until its route says the run is over: read a random task of
// `hot`, write it back with If-Match and an Idempotency-Key; a 503, a 409
// IDEMPOTENCY_IN_PROGRESS or a lost connection is retried with the same key (on whatever server
// the route gives) until a final answer, for at most `write_deadline` per write.
void run_client(int id, const std::vector<std::string>& hot, Route& route, Recorder& recorder,
                const std::atomic<bool>& stop, std::chrono::seconds write_deadline = std::chrono::seconds(60));

// The client threads of a run (run_client, ids 1 to `count`, each on the route `route_for(id)`
// makes), stopped and joined by stop() or, after a failed assertion, by the destructor. `finish`
// wakes clients waiting for a server (their routes return nullptr after it).
class ClientThreads {
 public:
  ClientThreads(int count, const std::vector<std::string>& hot, Recorder& recorder,
                const std::function<std::unique_ptr<Route>(int id)>& route_for, std::function<void()> finish)
      : finish_(std::move(finish)) {
    for (int id = 1; id <= count; ++id) {
      threads_.emplace_back(
          [this, id, &hot, &recorder, route = route_for(id)] { run_client(id, hot, *route, recorder, stop_); });
    }
  }
  ~ClientThreads() { stop(); }
  ClientThreads(const ClientThreads&) = delete;
  ClientThreads& operator=(const ClientThreads&) = delete;

  void stop() {
    stop_ = true;
    if (finish_) finish_();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::function<void()> finish_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

struct Verdict {
  std::size_t acknowledged = 0;
  std::size_t lost = 0;
  std::size_t duplicated = 0;
  std::size_t history = 0;
  bool linearizable = false;
  std::map<std::string, std::int64_t> last_version;  // task -> its last version in the change log
};

// Reads the whole change log through `reader` and checks what `recorder` saw against it (with
// gtest EXPECTs): every acknowledged write present exactly once, versions 1, 2, 3... per task,
// the history linearizable. Tasks start at version 1 with value 0.
Verdict verify(ApiClient& reader, const Recorder& recorder);

// The run's figures on one line of stderr, after `what` ("3 kills"), and as properties of the
// test in its XML report.
void report(const std::string& what, const Verdict& v, const Recorder& recorder);

}  // namespace lockstep::testing::chaos
