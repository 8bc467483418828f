// Crash loops: many clients write with preconditions and idempotency keys while lockstepd is
// killed with SIGKILL and restarted, again and again. Afterwards every acknowledged write is in
// the store exactly once, no task has a version gap, and the recorded history of reads and
// conditional writes is linearizable.
//
// Short form in the test suite (5 kills); the long form: LOCKSTEP_CHAOS_KILLS=20 (see
// docs/reliability.md).
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fixture.h"
#include "linearizability.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int kills_wanted() {
  const char* env = std::getenv("LOCKSTEP_CHAOS_KILLS");
  return env ? std::max(1, std::atoi(env)) : 5;
}

// Where the server is now; clients wait here while it is down.
class Target {
 public:
  void up(unsigned short port) {
    std::lock_guard lock(mu_);
    port_ = port;
    ++generation_;
    cv_.notify_all();
  }
  // The port of a server newer than `seen` (or the current one when `seen` is 0); 0 once finished.
  std::pair<unsigned short, int> wait_newer(int seen) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ || generation_ > seen; });
    return {finished_ ? 0 : port_, generation_};
  }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned short port_ = 0;
  int generation_ = 0;
  bool finished_ = false;
};

struct Acked {
  std::string task;
  std::int64_t version;
  std::int64_t value;
};

class Chaos : public ServerTest {
 protected:
  static constexpr int kClients = 6, kHot = 3;
  std::vector<std::string> hot_;
  Target target_;
  std::mutex mu_;
  std::vector<Operation> history_;  // guarded by mu_
  std::vector<Acked> acked_;        // guarded by mu_
  std::condition_variable progress_;
  std::atomic<bool> stop_{false};

  void record(Operation op, std::optional<Acked> ack = std::nullopt) {
    std::lock_guard lock(mu_);
    history_.push_back(std::move(op));
    if (ack) acked_.push_back(*ack);
    progress_.notify_all();
  }

  // One client: read a hot task, write it back with If-Match and an Idempotency-Key; a write
  // whose answer is lost is retried with the same key on the next server until it has one.
  void client(int id) {
    std::mt19937 rng(static_cast<unsigned>(id));
    int counter = 0, generation = 0;
    unsigned short port = 0;
    std::unique_ptr<ApiClient> c;
    auto reconnect = [&] {
      std::tie(port, generation) = target_.wait_newer(generation);
      c = port ? std::make_unique<ApiClient>(port, alice_token_) : nullptr;
    };
    reconnect();
    while (c && !stop_) {
      const std::string task = hot_[rng() % kHot];
      Operation read{task, Operation::Kind::kRead, now_ns()};
      ApiResponse r;
      try {
        r = c->get("/v1/tasks/" + task);
      } catch (const ConnectionError&) {
        reconnect();
        continue;
      }
      if (r.status != 200) continue;
      read.returned = now_ns();
      read.version = r.num("version");
      read.value = r.num("warningOffset");
      record(read);

      const std::int64_t value = id * 10000 + (++counter % 10000);
      Operation w{task, Operation::Kind::kWrite, now_ns(), 0, read.version, 0, value, Operation::Outcome::kUnknown};
      const std::string key = "chaos-" + std::to_string(id) + "-" + std::to_string(counter);
      const std::string body = "{\"warningOffset\":" + std::to_string(value) + "}";
      for (;;) {
        try {
          auto a = c->request("PATCH", "/v1/tasks/" + task, body, {{"If-Match", r.header("ETag")}, {"Idempotency-Key", key}});
          if (a.status == 409 && a.str("code") == "IDEMPOTENCY_IN_PROGRESS") continue;
          if (a.status == 503) continue;
          w.returned = now_ns();
          if (a.status == 200) {
            w.outcome = Operation::Outcome::kOk;
            w.version = a.num("version");
            record(w, Acked{task, w.version, value});
          } else {
            ASSERT_EQ(a.status, 412) << a.raw.body;
            w.outcome = Operation::Outcome::kFailed;
            w.version = a.num("currentVersion");
            record(w);
          }
          break;
        } catch (const ConnectionError&) {
          reconnect();  // the answer is lost: retry the very same request on the next server
          if (!c) {
            record(w);  // still unknown at the end
            return;
          }
        }
      }
    }
  }
};

TEST_F(Chaos, kill_9_loops_lose_no_acknowledged_write_and_the_history_is_linearizable) {
  start({"--rate-limit", "0"});
  {
    auto c = alice();
    for (int i = 0; i < kHot; ++i) hot_.push_back(c.create_task().str("taskId"));
  }
  target_.up(server_->port());
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back([this, i] { client(i + 1); });

  const int kills = kills_wanted();
  for (int k = 0; k < kills; ++k) {
    {
      // Kill once some writes were acknowledged since the last start (progress, not a delay).
      std::unique_lock lock(mu_);
      const std::size_t before = acked_.size();
      ASSERT_TRUE(progress_.wait_for(lock, std::chrono::seconds(60), [&] { return acked_.size() >= before + 40; }));
    }
    server_->kill9();
    start({"--rate-limit", "0"});
    target_.up(server_->port());
  }
  {
    std::unique_lock lock(mu_);
    const std::size_t before = acked_.size();
    progress_.wait_for(lock, std::chrono::seconds(60), [&] { return acked_.size() >= before + 40; });
  }
  stop_ = true;
  target_.finish();
  for (auto& t : clients) t.join();

  // Every acknowledged write is in the change log exactly once; versions have no gap.
  auto c = alice();
  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> log;  // task -> (version, value)
  for (std::int64_t since = 0;;) {
    auto page = c.get("/v1/changes?since=" + std::to_string(since) + "&limit=1000");
    ASSERT_EQ(page.status, 200);
    for (const auto& ch : page.json.at("changes").as_array()) {
      log[std::string(ch.at("taskId").as_string())].emplace_back(ch.at("version").as_int64(),
                                                                   ch.at("task").at("warningOffset").as_int64());
    }
    if (page.json.at("changes").as_array().empty()) break;
    since = page.num("lastRevision");
  }
  std::size_t lost = 0, duplicated = 0;
  for (const auto& [task, entries] : log) {
    for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].first, static_cast<std::int64_t>(i + 1)) << task;
    std::multiset<std::int64_t> values;
    for (const auto& e : entries) values.insert(e.second);
    for (const auto& e : entries) duplicated += e.second != 0 && values.count(e.second) > 1;
  }
  for (const auto& a : acked_) {
    auto& entries = log[a.task];
    bool found = a.version <= static_cast<std::int64_t>(entries.size()) &&
                 entries[static_cast<std::size_t>(a.version - 1)].second == a.value;
    lost += !found;
  }
  EXPECT_EQ(lost, 0u) << "of " << acked_.size() << " acknowledged writes";
  EXPECT_EQ(duplicated, 0u);

  auto result = check_linearizable(history_, 1, 0);
  std::string window;
  for (const auto& op : result.window) window += describe(op) + "\n";
  EXPECT_TRUE(result.linearizable) << "key " << result.key << ":\n" << window;
  std::cerr << "chaos: " << kills << " kills, " << acked_.size() << " acknowledged writes checked, 0 lost; history of "
            << result.operations << " operations " << (result.linearizable ? "linearizable" : "NOT linearizable") << "\n";
  RecordProperty("acknowledged", static_cast<int>(acked_.size()));
  RecordProperty("history", static_cast<int>(result.operations));
}

}  // namespace
}  // namespace lockstep::testing
