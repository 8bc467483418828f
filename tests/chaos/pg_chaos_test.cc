// The crash loop on PostgreSQL: three lockstepd nodes share one database; clients read and
// conditionally write hot tasks through them with If-Match and an Idempotency-Key while node 0
// is killed with SIGKILL and started again, again and again, and PostgreSQL itself is restarted
// (an immediate shutdown, as a crash: sessions cut, crash recovery on start) in between. A
// client whose node is gone fails over to the next one up and comes back to its own node once it
// is up again; a request that meets the lost database is answered 503 and retried with the same
// key. Afterwards every acknowledged write is in the change log exactly once, no task has a
// version gap, every node answers the same last version, and the history is linearizable.
//
// Short form in the test suite: 3 kills, 1 PostgreSQL restart. Long form:
// LOCKSTEP_PG_CHAOS_KILLS=20 LOCKSTEP_PG_CHAOS_PG_RESTARTS=4 (see docs/reliability.md).
// Skipped, loudly, only when no PostgreSQL server can be started here.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "chaos_harness.h"
#include "pg_server.h"
#include "server_process.h"

namespace lockstep::testing {
namespace {

// The nodes' ports as clients see them: 0 while a node is down.
class Cluster {
 public:
  explicit Cluster(int nodes) : ports_(static_cast<std::size_t>(nodes), 0) {}

  void up(int node, unsigned short port) { set(node, port); }
  void down(int node) { set(node, 0); }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }
  unsigned short port(int node) const {
    std::lock_guard lock(mu_);
    return ports_[index(node)];
  }
  // The first node up from `from` on, in a ring, with its port; waits (at most 60 s) while none
  // is; {-1, 0} once finished.
  std::pair<int, unsigned short> first_up(int from) const {
    std::unique_lock lock(mu_);
    std::pair<int, unsigned short> found{-1, 0};
    cv_.wait_for(lock, std::chrono::seconds(60), [&] {
      if (finished_) return true;
      for (int i = 0; i < size(); ++i) {
        const std::size_t n = index(from + i);
        if (ports_[n] != 0) {
          found = {static_cast<int>(n), ports_[n]};
          return true;
        }
      }
      return false;
    });
    return finished_ ? std::pair<int, unsigned short>{-1, 0} : found;
  }

 private:
  int size() const { return static_cast<int>(ports_.size()); }
  std::size_t index(int node) const { return static_cast<std::size_t>(node % size()); }
  void set(int node, unsigned short port) {
    std::lock_guard lock(mu_);
    ports_[index(node)] = port;
    cv_.notify_all();
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<unsigned short> ports_;  // guarded by mu_
  bool finished_ = false;              // guarded by mu_
};

// A client with a home node: on a failed connection it goes to the next node up; before each
// operation it goes back home once home is up (again), so that every kill meets clients.
class FailoverRoute final : public chaos::Route {
 public:
  FailoverRoute(const Cluster& cluster, int home, std::string token)
      : cluster_(cluster), home_(home), node_(home), token_(std::move(token)) {}

  ApiClient* next() override {
    const unsigned short home_port = cluster_.port(home_);
    if (home_port != 0 && (node_ != home_ || port_ != home_port)) connect(home_, home_port);
    return client_ ? client_.get() : failed();
  }
  ApiClient* failed() override {
    auto [node, port] = cluster_.first_up(node_ + 1);
    if (node < 0) {
      client_.reset();
      return nullptr;
    }
    connect(node, port);
    return client_.get();
  }
  int node() const override { return node_; }

 private:
  void connect(int node, unsigned short port) {
    node_ = node;
    port_ = port;
    client_ = std::make_unique<ApiClient>(port, token_);
  }

  const Cluster& cluster_;
  const int home_;
  int node_;
  unsigned short port_ = 0;
  std::string token_;
  std::unique_ptr<ApiClient> client_;
};

class PgChaos : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3, kClients = 6, kHot = 3, kVictim = 0;
  static constexpr std::size_t kAcksBetween = 40;  // acknowledged writes between two blows
  static constexpr auto kProgressTimeout = std::chrono::seconds(60);

  void SetUp() override {
    // Its own server, not PgServer::shared(): this test restarts it.
    pg_ = std::make_unique<PgServer>();
    if (!pg_->running()) {
      announce_postgres_skip(pg_->error());
      GTEST_SKIP() << "PostgreSQL could not be started: " << pg_->error();
    }
    db_ = pg_->create_database();
    token_ = add_user(db_, "alice");
    for (int i = 0; i < kNodes; ++i) nodes_.push_back(start_node());
  }

  std::unique_ptr<ServerProcess> start_node() const {
    return std::make_unique<ServerProcess>(db_, std::vector<std::string>{"--rate-limit", "0"});
  }

  std::unique_ptr<PgServer> pg_;  // first: it goes last, after the nodes
  std::string db_, token_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST_F(PgChaos, kill_9_loops_on_one_of_three_nodes_and_a_postgresql_restart_lose_no_acknowledged_write) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> hot;
  {
    ApiClient c(nodes_[1]->port(), token_);
    for (int i = 0; i < kHot; ++i) hot.push_back(c.create_task().str("taskId"));
  }
  Cluster cluster(kNodes);
  for (int i = 0; i < kNodes; ++i) cluster.up(i, nodes_[static_cast<std::size_t>(i)]->port());
  chaos::Recorder recorder;
  chaos::ClientThreads clients(
      kClients, hot, recorder, [&](int id) { return std::make_unique<FailoverRoute>(cluster, id % kNodes, token_); },
      [&] { cluster.finish(); });

  const int kills = chaos::env_count("LOCKSTEP_PG_CHAOS_KILLS", 3);
  const int pg_restarts = chaos::env_count("LOCKSTEP_PG_CHAOS_PG_RESTARTS", 1, 0);
  int restarted = 0;
  // PostgreSQL restarts spread evenly between the kills: the j-th after kill (j+1)*kills/(restarts+1).
  auto restart_postgres_when_due = [&](int kills_done) {
    while (restarted < pg_restarts && kills_done >= (restarted + 1) * kills / (pg_restarts + 1)) {
      ASSERT_TRUE(recorder.wait_for_acks(kAcksBetween, kProgressTimeout)) << "no progress before PostgreSQL restart";
      ASSERT_TRUE(pg_->restart()) << pg_->error();
      ++restarted;
      ASSERT_TRUE(recorder.wait_for_acks(kAcksBetween, kProgressTimeout))
          << "no write acknowledged after PostgreSQL restart " << restarted;
    }
  };
  for (int k = 0; k < kills; ++k) {
    restart_postgres_when_due(k);
    if (::testing::Test::HasFatalFailure()) return;
    // Kill once node 0 has acknowledged writes since it (re)started: its clients are back.
    ASSERT_TRUE(recorder.wait_for_acks(kAcksBetween / 2, kProgressTimeout, kVictim)) << "node 0 serves no writes";
    cluster.down(kVictim);
    nodes_[kVictim]->kill9();
    // Its clients fail over: the other nodes acknowledge writes while it is down.
    ASSERT_TRUE(recorder.wait_for_acks(kAcksBetween / 2, kProgressTimeout)) << "no write acknowledged with node 0 down";
    nodes_[kVictim] = start_node();
    cluster.up(kVictim, nodes_[kVictim]->port());
  }
  restart_postgres_when_due(kills);
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(recorder.wait_for_acks(kAcksBetween, kProgressTimeout));
  clients.stop();

  ApiClient reader(nodes_[1]->port(), token_);
  const auto v = chaos::verify(reader, recorder);
  // Every node, node 0 restarted and all of them reconnected to a restarted PostgreSQL, answers
  // each task at its last version in the change log.
  for (int n = 0; n < kNodes; ++n) {
    ApiClient c(nodes_[static_cast<std::size_t>(n)]->port(), token_);
    for (const auto& task : hot) {
      auto r = c.get("/v1/tasks/" + task);
      ASSERT_EQ(r.status, 200) << "node " << n << ": " << r.raw.body;
      EXPECT_EQ(r.num("version"), v.last_version.at(task)) << "node " << n << ", task " << task;
    }
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  chaos::report("pg chaos: " + std::to_string(kills) + " node kills, " + std::to_string(restarted) +
                    " PostgreSQL restarts, " + std::to_string(static_cast<int>(seconds)) + " s",
                v, recorder);
}

// What the crash loop found now and then (a write answered 503 on every attempt that a retry with
// its key replayed as committed), made certain: PostgreSQL goes away after it wrote a write's
// commit record but before the answer came back (commits made to wait for a synchronous standby
// that never comes hold it there). The node must not answer "not committed" for a write that
// committed: it waits until the database can say, and answers what really happened.
TEST(PgCommitOutcome, a_write_whose_commit_was_cut_off_is_answered_as_what_happened) {
  PgServer pg;
  if (!pg.running()) {
    announce_postgres_skip(pg.error());
    GTEST_SKIP() << "PostgreSQL could not be started: " << pg.error();
  }
  const std::string db = pg.create_database();
  const std::string token = add_user(db, "alice");
  ServerProcess node(db, {"--rate-limit", "0"});
  const std::string task = ApiClient(node.port(), token).create_task().str("taskId");
  pg.exec("postgres", "ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
  pg.exec("postgres", "SELECT pg_reload_conf()");
  pg.exec("postgres", "ALTER SYSTEM RESET synchronous_standby_names");  // read on the next start only

  // Writes until one hangs in its commit (the setting reaches the server's processes soon after
  // the reload; writes before that commit at once).
  std::mutex mu;
  std::condition_variable answered_cv;
  std::optional<ApiResponse> answer;  // of the write in flight when PostgreSQL stopped, guarded by mu
  std::int64_t hung_value = 0;
  std::atomic<bool> stopped{false};
  std::thread writer([&] {
    constexpr int kMaxWrites = 5000;  // far more than commit before the setting takes effect
    ApiClient c(node.port(), token);
    std::string etag = c.get("/v1/tasks/" + task).header("ETag");
    for (int i = 1; i <= kMaxWrites; ++i) {
      auto r = c.patch("/v1/tasks/" + task, {{"warningOffset", i}},
                       {{"If-Match", etag}, {"Idempotency-Key", "cut-off-" + std::to_string(i)}});
      // The write that hung in its commit is answered only after the stop (then, by whatever
      // really happened to it); one that started after the stop was refused before committing.
      if (r.status == 200 && r.header("Idempotent-Replayed").empty() && i < kMaxWrites && !stopped) {
        etag = r.header("ETag");
        continue;
      }
      std::lock_guard lock(mu);
      answer = std::move(r);
      hung_value = i;
      answered_cv.notify_all();
      return;
    }
  });
  // A readiness poll: until a backend waits for the standby.
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    try {
      pg.exec("postgres",
              "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event = 'SyncRep') THEN "
              "RAISE EXCEPTION 'not yet'; END IF; END $$");
      waiting = true;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  stopped = true;
  pg.stop_immediately();
  {
    std::unique_lock lock(mu);
    answered_cv.wait_for(lock, std::chrono::seconds(10), [&] { return answer.has_value(); });
  }
  const bool back = pg.start_again();
  writer.join();  // before any ASSERT can return: the writer uses this frame
  ASSERT_TRUE(back) << pg.error();
  ASSERT_TRUE(waiting) << "no commit ever waited for the standby";
  ASSERT_TRUE(answer.has_value());
  auto now = ApiClient(node.port(), token).get("/v1/tasks/" + task);
  ASSERT_EQ(now.status, 200) << now.raw.body;
  const bool applied = now.num("warningOffset") == hung_value;
  std::cerr << "cut-off commit: answered " << answer->status << " " << answer->raw.body << "; applied: " << applied
            << "\n";
  if (answer->status == 503 && answer->json.is_object() && answer->str("code") == "STORE_UNAVAILABLE") {
    EXPECT_FALSE(applied) << "answered 503 \"" << answer->str("detail") << "\" yet committed: version "
                          << now.num("version") << ", warningOffset " << hung_value;
  } else {
    // The commit record was on disk before PostgreSQL went away: the write's own answer.
    EXPECT_EQ(answer->status, 200) << answer->raw.body;
    EXPECT_TRUE(applied);
  }
}

}  // namespace
}  // namespace lockstep::testing
