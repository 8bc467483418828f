// Several real lockstepd processes on one PostgreSQL database, clients spread over them: every
// promise of one node holds across nodes (API.md §11).
#include <atomic>
#include <barrier>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api_client.h"
#include "pg_server.h"
#include "server_process.h"
#include "sse_reader.h"

namespace lockstep::testing {
namespace {

class MultiNode : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    LOCKSTEP_REQUIRE_POSTGRES();
    db_ = PgServer::shared().create_database();
    alice_ = add_user(db_, "alice");
    bob_ = add_user(db_, "bob");
    for (int i = 0; i < kNodes; ++i) nodes_.push_back(std::make_unique<ServerProcess>(db_, rate_limit_off()));
  }

  static std::vector<std::string> rate_limit_off() { return {"--rate-limit", "0"}; }
  unsigned short port(int node) const { return nodes_[static_cast<std::size_t>(node % kNodes)]->port(); }
  ApiClient alice(int node) const { return ApiClient(port(node), alice_); }
  // A gauge or counter of a node's /metrics (-1 when absent).
  static long gauge(ApiClient& c, const std::string& name) {
    auto body = c.get("/metrics").raw.body;
    auto pos = body.find("\n" + name + " ");
    return pos == std::string::npos ? -1L : std::stol(body.substr(pos + name.size() + 2));
  }
  ApiClient bob(int node) const { return ApiClient(port(node), bob_); }

  std::string db_;
  std::string alice_, bob_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST_F(MultiNode, of_24_writers_holding_one_etag_across_three_nodes_exactly_one_wins) {
  auto created = alice(0).create_task();
  const std::string path = "/v1/tasks/" + created.str("taskId");
  const std::string etag = created.header("ETag");
  constexpr int kWriters = 24;
  std::barrier start(kWriters);
  std::atomic<int> ok{0}, stale{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      ApiClient c = i % 2 ? alice(i) : bob(i);
      c.get("/healthz");  // connected before the race starts
      start.arrive_and_wait();
      auto r = c.patch(path, {{"warningOffset", i + 1}}, {{"If-Match", etag}});
      (r.status == 200 ? ok : r.status == 412 ? stale : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(stale.load(), kWriters - 1);
  EXPECT_EQ(other.load(), 0);
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(alice(n).get(path).num("version"), 2);
}

// Each thread increments warningOffset with read-modify-write and If-Match on its own node,
// re-reading from the 412 answer's `current`: the end value counts every acknowledged increment.
TEST_F(MultiNode, read_modify_write_loops_over_three_nodes_lose_no_increment) {
  auto created = alice(0).create_task();
  const std::string path = "/v1/tasks/" + created.str("taskId");
  constexpr int kThreads = 6, kEach = 15;
  std::barrier start(kThreads);
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ApiClient c = alice(i);
      auto current = c.get(path);
      start.arrive_and_wait();
      for (int done = 0; done < kEach;) {
        std::int64_t value = current.json.at("warningOffset").as_int64();
        auto r = c.patch(path, {{"warningOffset", value + 1}}, {{"If-Match", current.header("ETag")}});
        if (r.status == 200) {
          ++done;
          current = r;
        } else if (r.status == 412) {
          current.json = r.json.at("current");
          current.raw.headers = {{"ETag", r.header("ETag")}};
        } else {
          ++unexpected;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  auto final_state = alice(2).get(path);
  EXPECT_EQ(final_state.num("warningOffset"), kThreads * kEach);
  EXPECT_EQ(final_state.num("version"), 1 + kThreads * kEach);
}

TEST_F(MultiNode, a_write_acknowledged_by_one_node_is_read_at_once_on_the_others) {
  for (int i = 0; i < 10; ++i) {
    auto created = alice(i).create_task("alice", "Read your writes");
    ASSERT_EQ(created.status, 201);
    const std::string path = "/v1/tasks/" + created.str("taskId");
    auto seen = bob(i + 1).get(path);
    ASSERT_EQ(seen.status, 200);
    EXPECT_EQ(seen.header("ETag"), created.header("ETag"));
    auto patched = bob(i + 1).patch(path, {{"taskStatus", "BLOCKED"}}, {{"If-Match", seen.header("ETag")}});
    ASSERT_EQ(patched.status, 200);
    auto again = alice(i + 2).get(path);
    EXPECT_EQ(again.str("taskStatus"), "BLOCKED");
    EXPECT_EQ(again.header("ETag"), patched.header("ETag"));
  }
}

TEST_F(MultiNode, a_node_killed_with_sigkill_loses_nothing_acknowledged_while_the_others_keep_serving) {
  constexpr int kThreadsPerNode = 2, kEach = 30, kBeforeKill = 10;
  std::mutex mu;
  std::vector<std::string> acknowledged;  // guarded by mu
  std::atomic<int> victim_acks{0}, survivor_failures{0};
  std::latch victim_busy(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes * kThreadsPerNode; ++i) {
    threads.emplace_back([&, i] {
      const int node = i % kNodes;
      ApiClient c = alice(node);
      for (int n = 0; n < kEach; ++n) {
        ApiResponse r;
        try {
          r = c.create_task("alice", "Durable " + std::to_string(i) + "-" + std::to_string(n));
        } catch (const ConnectionError&) {
          if (node != 1) ++survivor_failures;
          return;  // the killed node: what it acknowledged before is checked below
        }
        if (r.status != 201) {
          if (node != 1) ++survivor_failures;
          continue;
        }
        {
          std::lock_guard lock(mu);
          acknowledged.push_back(r.str("taskId"));
        }
        if (node == 1 && ++victim_acks == kBeforeKill) victim_busy.count_down();
      }
    });
  }
  victim_busy.wait();
  nodes_[1]->kill9();
  for (auto& t : threads) t.join();
  EXPECT_EQ(survivor_failures.load(), 0);
  EXPECT_GE(victim_acks.load(), kBeforeKill);
  ApiClient reader = bob(2);
  for (const auto& id : acknowledged) EXPECT_EQ(reader.get("/v1/tasks/" + id).status, 200) << id;
  // A node started again on the same database serves the same data.
  nodes_[1] = std::make_unique<ServerProcess>(db_, rate_limit_off());
  EXPECT_EQ(bob(1).get("/v1/tasks/" + acknowledged.front()).status, 200);
}

// What a follower of the change feed received: the revisions in order of arrival, and the state
// they add up to (taskId -> task; a delete removes it).
struct Followed {
  std::vector<std::int64_t> revisions;
  std::map<std::string, boost::json::value> state;

  void apply(const boost::json::value& change) {
    revisions.push_back(change.at("revision").to_number<std::int64_t>());
    const std::string id(change.at("taskId").as_string());
    if (change.at("task").is_null()) {
      state.erase(id);
    } else {
      state[id] = change.at("task");
    }
  }
};

// 8 writers spread over the three nodes; a long-poll follower on node 0, another on node 1, an
// event-stream follower on node 2: each receives every committed revision exactly once, in
// order, with no gap (none left by a change that committed late on another node), and what the
// feed adds up to is what a full list shows.
TEST_F(MultiNode, followers_on_every_node_receive_every_revision_once_in_order_and_end_at_the_list) {
  constexpr int kWriters = 8, kEach = 12, kShared = 4;
  std::vector<std::string> shared;
  for (int i = 0; i < kShared; ++i) shared.push_back(alice(i).create_task().str("taskId"));
  const std::int64_t last = kShared + kWriters * kEach;
  std::vector<Followed> followed(kNodes);
  auto long_poll = [&](int node) {
    ApiClient c = bob(node);
    for (std::int64_t since = 0; since < last;) {
      auto r = c.get("/v1/changes?since=" + std::to_string(since) + "&wait=10&limit=9");
      ASSERT_EQ(r.status, 200) << r.raw.body;
      const auto& changes = r.json.at("changes").as_array();
      ASSERT_FALSE(changes.empty()) << "node " << node << ": nothing new for 10 s after " << since;
      for (const auto& change : changes) followed[static_cast<std::size_t>(node)].apply(change);
      since = r.num("lastRevision");
    }
  };
  SseReader stream(port(2), "/v1/changes/stream?since=0", bob_);
  std::vector<std::thread> followers;
  followers.emplace_back(long_poll, 0);
  followers.emplace_back(long_poll, 1);
  followers.emplace_back([&] {
    while (followed[2].revisions.size() < static_cast<std::size_t>(last)) {
      auto e = stream.next(std::chrono::seconds(10));
      ASSERT_TRUE(e) << "the event stream ended or stalled after " << followed[2].revisions.size();
      EXPECT_EQ(e->event, "change");
      auto change = boost::json::parse(e->data);
      EXPECT_EQ(e->id, std::to_string(change.at("revision").as_int64()));
      followed[2].apply(change);
    }
  });
  std::barrier start(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ApiClient c = alice(w);
      start.arrive_and_wait();
      // A create, patches of the shared tasks, and (every other writer) a delete: kEach changes.
      const std::string own = "/v1/tasks/" + c.create_task("alice", "own " + std::to_string(w)).str("taskId");
      for (int i = 1; i < kEach; ++i) {
        const bool remove = i == kEach - 1 && w % 2 == 1;
        auto r = remove ? c.del(own)
                        : c.patch("/v1/tasks/" + shared[static_cast<std::size_t>((w + i) % kShared)],
                                  {{"taskTitle", "w" + std::to_string(w) + "-" + std::to_string(i)}});
        ASSERT_EQ(r.status, remove ? 204 : 200) << r.raw.body;
      }
    });
  }
  for (auto& t : writers) t.join();
  for (auto& t : followers) t.join();
  std::vector<std::int64_t> expected;
  for (std::int64_t r = 1; r <= last; ++r) expected.push_back(r);
  auto list = bob(1).get("/v1/tasks?limit=500");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.num("revision"), last);
  std::map<std::string, boost::json::value> listed;
  for (const auto& t : list.json.at("tasks").as_array()) listed[std::string(t.at("taskId").as_string())] = t;
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(kShared + kWriters / 2));
  for (int node = 0; node < kNodes; ++node) {
    EXPECT_EQ(followed[static_cast<std::size_t>(node)].revisions, expected) << "follower on node " << node;
    EXPECT_EQ(followed[static_cast<std::size_t>(node)].state, listed) << "follower on node " << node;
  }
}

// A commit on one node wakes a long poll and a lock waiter parked on another (LISTEN/NOTIFY),
// long before their own deadlines.
TEST_F(MultiNode, a_long_poll_and_a_lock_waiter_on_one_node_wake_for_a_commit_on_another) {
  auto task = alice(0).create_task();
  const std::string lock_path = "/v1/tasks/" + task.str("taskId") + "/lock";
  ASSERT_EQ(alice(0).post(lock_path, {{"ttlSeconds", 300}}).status, 200);
  ApiResponse polled, waited;
  std::chrono::steady_clock::time_point polled_at, waited_at;
  std::latch parked(2);
  std::thread poller([&] {
    ApiClient c = bob(1);
    parked.count_down();
    polled = c.get("/v1/changes?since=1&wait=30");
    polled_at = std::chrono::steady_clock::now();
  });
  std::thread waiter([&] {
    ApiClient c = bob(2);
    parked.count_down();
    waited = c.post(lock_path, {{"ttlSeconds", 30}, {"waitSeconds", 25}});
    waited_at = std::chrono::steady_clock::now();
  });
  parked.wait();
  ApiClient a = alice(0);
  // Until both requests are parked on their nodes (their gauges say so), then commit on node 0.
  ApiClient m1 = alice(1), m2 = alice(2);
  for (int i = 0; i < 5000 && (gauge(m1, "lockstep_parked_requests") < 1 || gauge(m2, "lockstep_lock_waiters") < 1);
       ++i) {
  }
  // Else the commit below could come first and nothing would be woken (EXPECT: the threads run on).
  EXPECT_GE(gauge(m1, "lockstep_parked_requests"), 1) << "the long poll never parked";
  EXPECT_GE(gauge(m2, "lockstep_lock_waiters"), 1) << "the lock waiter never parked";
  // While parked, the lock still holds on the waiter's node for everyone else.
  EXPECT_EQ(alice(1).get(lock_path).str("owner"), "alice");
  const auto written = std::chrono::steady_clock::now();
  ASSERT_EQ(a.patch("/v1/tasks/" + task.str("taskId"), {{"warningOffset", 9}}).status, 200);
  const auto released = std::chrono::steady_clock::now();
  ASSERT_EQ(a.del(lock_path).status, 204);
  poller.join();
  waiter.join();
  ASSERT_EQ(polled.status, 200);
  EXPECT_EQ(polled.json.at("changes").as_array().size(), 1u);
  ASSERT_EQ(waited.status, 200) << waited.raw.body;
  EXPECT_EQ(waited.str("owner"), "bob");
  // Far below the 25-30 s the requests would wait; the figures are recorded, not bounded tightly.
  auto ms = [](auto d) { return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); };
  EXPECT_LT(polled_at - written, std::chrono::seconds(5));
  EXPECT_LT(waited_at - released, std::chrono::seconds(5));
  RecordProperty("long_poll_wake_ms", ms(polled_at - written));
  RecordProperty("lock_waiter_wake_ms", ms(waited_at - released));
}

// Another node's commits wake only the lock waiters of the tasks they changed (the notification
// names them): 100 changes of one task on node 0 cost a waiter of another task on node 2 a run
// per fallback second at most, not one per commit, and the release of its own task still wakes it.
TEST_F(MultiNode, a_lock_waiter_wakes_for_commits_to_its_task_on_another_node_not_for_every_commit) {
  auto held = alice(0).create_task();
  auto busy = alice(0).create_task();
  const std::string lock_path = "/v1/tasks/" + held.str("taskId") + "/lock";
  ASSERT_EQ(alice(0).post(lock_path, {{"ttlSeconds", 300}}).status, 200);
  ApiClient m2 = alice(2);
  ApiResponse waited;
  std::thread waiter([&] { waited = bob(2).post(lock_path, {{"ttlSeconds", 30}, {"waitSeconds", 25}}); });
  for (int i = 0; i < 5000 && gauge(m2, "lockstep_lock_waiters") < 1; ++i) {
  }
  ASSERT_EQ(gauge(m2, "lockstep_lock_waiters"), 1);
  const long runs_before = gauge(m2, "lockstep_lock_wait_runs_total");
  const auto started = std::chrono::steady_clock::now();
  ApiClient a = alice(0);
  constexpr int kCommits = 100;
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_EQ(a.patch("/v1/tasks/" + busy.str("taskId"), {{"warningOffset", i}}).status, 200);
  }
  const long runs = gauge(m2, "lockstep_lock_wait_runs_total") - runs_before;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  ASSERT_EQ(a.del(lock_path).status, 204);
  waiter.join();
  ASSERT_EQ(waited.status, 200) << waited.raw.body;
  EXPECT_EQ(waited.str("owner"), "bob");
  // The once-a-second fallback wakes everyone (a notification may have been missed).
  EXPECT_LE(runs, seconds.count() + 2) << runs << " runs for " << kCommits << " commits of another task";
  RecordProperty("lock_wait_runs", static_cast<int>(runs));
}

// A token revoked, by the command line or by an admin over HTTP on one node, is refused at once on
// every node: the very next request of each node's already-served connection is 401.
TEST_F(MultiNode, a_revoked_token_stops_working_at_once_on_every_node) {
  const std::string root = add_user(db_, "root", true);
  for (const std::string name : {"carol", "dora"}) {
    const std::string token = add_user(db_, name);
    std::vector<std::unique_ptr<ApiClient>> sessions;
    for (int n = 0; n < kNodes; ++n) {
      sessions.push_back(std::make_unique<ApiClient>(port(n), token));
      ASSERT_EQ(sessions.back()->get("/v1/tasks").status, 200) << "node " << n;
    }
    if (name == "carol") {
      auto revoked = run_lockstepd({"user", "revoke", name, "--db", db_});
      ASSERT_EQ(revoked.status, 0) << revoked.err;
    } else {
      ASSERT_EQ(ApiClient(port(0), root).del("/v1/users/" + name).status, 204);
    }
    for (int n = 0; n < kNodes; ++n) {
      auto& c = *sessions[static_cast<std::size_t>(n)];
      EXPECT_EQ(c.get("/v1/tasks").status, 401) << name << " on node " << n;
      EXPECT_EQ(c.create_task(name).status, 401) << name << " on node " << n;
    }
  }
  EXPECT_EQ(alice(2).get("/v1/tasks").json.at("tasks").as_array().size(), 0u);  // no write got through
}

TEST_F(MultiNode, one_idempotency_key_sent_to_two_nodes_at_once_creates_one_task) {
  for (int round = 0; round < 5; ++round) {
    const std::string key = "create-once-" + std::to_string(round);
    std::barrier start(2);
    std::vector<ApiResponse> answers(2);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        ApiClient c = alice(i);
        c.get("/healthz");
        start.arrive_and_wait();
        answers[i] = c.post(
            "/v1/tasks",
            {{"userId", "alice"}, {"taskTitle", "Once"}, {"dueDate", "2099-12-01T17:00:00.000Z"}, {"warningOffset", 0}},
            {{"Idempotency-Key", key}});
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(answers[0].status, 201) << answers[0].raw.body;
    ASSERT_EQ(answers[1].status, 201) << answers[1].raw.body;
    EXPECT_EQ(answers[0].str("taskId"), answers[1].str("taskId"));
  }
  EXPECT_EQ(alice(2).get("/v1/tasks?limit=50").json.at("tasks").as_array().size(), 5u);
}

TEST_F(MultiNode, a_lock_taken_on_one_node_holds_on_the_others_and_tokens_increase) {
  auto created = alice(0).create_task();
  const std::string path = "/v1/tasks/" + created.str("taskId");
  auto lock = alice(0).post(path + "/lock", {{"ttlSeconds", 60}});
  ASSERT_EQ(lock.status, 200);
  EXPECT_EQ(bob(1).patch(path, {{"taskStatus", "BLOCKED"}}).status, 423);
  EXPECT_EQ(bob(2).post(path + "/lock", {{"ttlSeconds", 60}}).status, 423);
  EXPECT_EQ(alice(2).patch(path, {{"taskStatus", "BLOCKED"}}).status, 200);  // the owner writes anywhere
  EXPECT_EQ(alice(1).del(path + "/lock").status, 204);
  auto taken = bob(2).post(path + "/lock", {{"ttlSeconds", 60}});
  ASSERT_EQ(taken.status, 200);
  EXPECT_GT(taken.num("token"), lock.num("token"));
}

TEST_F(MultiNode, purchases_spread_over_three_nodes_never_oversell) {
  auto product = alice(0).post("/v1/products", {{"name", "Widget"}, {"stock", 20}, {"price", 1.5}});
  ASSERT_EQ(product.status, 201);
  const std::string path = "/v1/products/" + product.str("productId") + "/purchase";
  constexpr int kBuyers = 9, kEach = 5;
  std::barrier start(kBuyers);
  std::atomic<int> bought{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      ApiClient c = i % 2 ? alice(i) : bob(i);
      c.get("/healthz");
      start.arrive_and_wait();
      for (int n = 0; n < kEach; ++n) {
        auto r = c.post(path, {{"quantity", 1}});
        (r.status == 200 ? bought : r.status == 409 ? refused : other)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bought.load(), 20);
  EXPECT_EQ(refused.load(), kBuyers * kEach - 20);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(alice(1).get("/v1/products/" + product.str("productId")).num("stock"), 0);
}

}  // namespace
}  // namespace lockstep::testing
