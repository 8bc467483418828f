// Nodes whose PostgreSQL server goes away and comes back (API.md §7, §10, §11): while it is away
// every request is a quick, retryable 503 STORE_UNAVAILABLE and /readyz says so; once it is back
// the nodes serve again by themselves, their connections (the LISTEN one included) opened afresh,
// and every write they acknowledged is there while none they refused is.
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "api_client.h"
#include "pg_server.h"
#include "server_process.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;

// Takes a PgServer of the test's own down and brings it back in place: the same data directory,
// port and settings. pg_server.h has no such control, so this asks the server for its directory and
// its command-line settings, stops it with SIGINT (a fast shutdown: sessions are ended, as when a
// database server is taken down for maintenance) and starts a postmaster of its own on them.
class PgRestarter {
 public:
  explicit PgRestarter(const PgServer& pg) : conninfo_(pg.url("postgres")) {
    data_ = query("SHOW data_directory");
    bin_ = query("SELECT setting FROM pg_config WHERE name = 'BINDIR'");
    std::string settings =
        query("SELECT string_agg(name || '=' || setting, E'\\n') FROM pg_settings WHERE source = 'command line'");
    for (std::size_t pos = 0; pos < settings.size();) {
      std::size_t nl = std::min(settings.find('\n', pos), settings.size());
      settings_.push_back(settings.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  ~PgRestarter() {
    if (child_ > 0) {
      kill(child_, SIGQUIT);
      waitpid(child_, nullptr, 0);
    }
  }

  void stop() {
    std::ifstream pidfile(data_ + "/postmaster.pid");
    pid_t pid = 0;
    ASSERT_TRUE(pidfile >> pid) << "no postmaster.pid in " << data_;
    ASSERT_EQ(kill(pid, SIGINT), 0);
    // The first postmaster is PgServer's child, reaped by it; this one's own is reaped here.
    if (pid == child_) {
      waitpid(child_, nullptr, 0);
      child_ = -1;
    }
    for (int i = 0; i < 1500 && std::filesystem::exists(data_ + "/postmaster.pid"); ++i)
      std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(std::filesystem::exists(data_ + "/postmaster.pid")) << "PostgreSQL did not stop";
    ASSERT_EQ(PQping(conninfo_.c_str()), PQPING_NO_RESPONSE);
  }

  void start() {
    std::vector<std::string> args{bin_ + "/postgres", "-D", data_};
    for (const auto& s : settings_) args.insert(args.end(), {"-c", s});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    struct stat owner {};
    ASSERT_EQ(::stat(data_.c_str(), &owner), 0);
    const int log = ::open((data_ + "/../restarted.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ASSERT_GE(log, 0);
    const bool switch_user = geteuid() == 0;  // PostgreSQL refuses root: run as the data's owner
    child_ = fork();
    if (child_ == 0) {
      dup2(log, 1);
      dup2(log, 2);
      if (switch_user && (setgroups(0, nullptr) != 0 || setgid(owner.st_gid) != 0 || setuid(owner.st_uid) != 0))
        _exit(126);
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(126);
      execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(log);
    ASSERT_GT(child_, 0);
    for (int i = 0; i < 1500 && PQping(conninfo_.c_str()) != PQPING_OK; ++i) std::this_thread::sleep_for(20ms);
    ASSERT_EQ(PQping(conninfo_.c_str()), PQPING_OK) << "PostgreSQL did not come back";
  }

 private:
  std::string query(const std::string& sql) const {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    std::string value = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
    const std::string error = PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    if (value.empty()) throw std::runtime_error("PostgreSQL: " + sql + ": " + error);
    return value;
  }

  std::string conninfo_;
  std::string data_, bin_;
  std::vector<std::string> settings_;  // name=value, as the server was started with
  pid_t child_ = -1;
};

class PostgresOutage : public ::testing::Test {
 protected:
  static constexpr int kNodes = 2;

  void SetUp() override {
    if (!pg_.running()) {
      announce_postgres_skip(pg_.error());
      GTEST_SKIP() << "PostgreSQL could not be started: " << pg_.error();
    }
    db_ = pg_.create_database();
    token_ = add_user(db_, "alice");
    restarter_ = std::make_unique<PgRestarter>(pg_);
    for (int i = 0; i < kNodes; ++i) {
      nodes_.push_back(std::make_unique<ServerProcess>(db_, std::vector<std::string>{"--rate-limit", "0"}));
    }
  }
  void TearDown() override {
    nodes_.clear();  // the nodes before the database server they use
    restarter_.reset();
  }

  ApiClient client(int node) const { return ApiClient(nodes_[static_cast<std::size_t>(node)]->port(), token_); }

  PgServer pg_;  // this test's own: the shared one is not taken down under other tests
  std::string db_, token_;
  std::unique_ptr<PgRestarter> restarter_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

void expect_store_unavailable(const ApiResponse& r, const std::string& what) {
  EXPECT_EQ(r.status, 503) << what << ": " << r.raw.body;
  if (r.status != 503) return;
  EXPECT_EQ(r.str("code"), "STORE_UNAVAILABLE") << what;
  EXPECT_TRUE(r.json.at("retryable").as_bool()) << what;
  EXPECT_FALSE(r.header("Retry-After").empty()) << what;
  EXPECT_GE(std::stoi(r.header("Retry-After")), 1) << what;
}

TEST_F(PostgresOutage, nodes_answer_503_while_the_database_is_away_and_recover_by_themselves_losing_nothing) {
  std::mutex mu;
  std::set<std::string> acknowledged;  // guarded by mu
  std::atomic<bool> recovered{false}, abandon{false};
  std::atomic<int> unexpected{0};
  std::latch writing(kNodes), refused(1), done_after(kNodes);
  std::atomic<bool> any_refused{false};
  auto note_refused = [&] {
    if (!any_refused.exchange(true)) refused.count_down();
  };
  std::vector<std::thread> writers;
  struct Joiner {  // ends the writers however the test ends
    std::atomic<bool>& abandon;
    std::vector<std::thread>& threads;
    ~Joiner() {
      abandon = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } joiner{abandon, writers};
  for (int node = 0; node < kNodes; ++node) {
    writers.emplace_back([&, node] {
      ApiClient c = client(node);
      // A write whose COMMIT was cut off by the outage is answered once the database can say what
      // became of it (up to 30 s, docs/operations.md): the client waits longer than that.
      c.connection().set_timeout(40s);
      int acks = 0, acks_after = 0;
      const auto give_up = std::chrono::steady_clock::now() + 90s;
      for (int n = 0; acks_after < 5 && !abandon && std::chrono::steady_clock::now() < give_up; ++n) {
        ApiResponse r;
        try {
          r = c.create_task("alice", "Outage " + std::to_string(node) + "-" + std::to_string(n));
        } catch (const ConnectionError& e) {
          ++unexpected;  // the node must answer, not drop the connection
          ADD_FAILURE() << "node " << node << " dropped the connection: " << e.what();
          continue;
        }
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.insert(r.str("taskId"));
          if (++acks == 3) writing.count_down();
          if (recovered) ++acks_after;
        } else if (r.status == 503 && r.str("code") == "STORE_UNAVAILABLE") {
          note_refused();
          std::this_thread::sleep_for(50ms);  // a polite client's back-off, shortened
        } else {
          ++unexpected;
          ADD_FAILURE() << "node " << node << " answered " << r.status << ": " << r.raw.body;
        }
      }
      EXPECT_EQ(acks_after, 5) << "node " << node << " did not write again";
      if (acks < 3) writing.count_down();  // so that the test ends, failed, rather than hangs
      note_refused();
      done_after.count_down();
    });
  }
  writing.wait();
  ASSERT_NO_FATAL_FAILURE(restarter_->stop());
  // A writer has met the outage. (The other's write in flight may have lost its COMMIT's answer:
  // then it is answered only once the database is back, below.) Every node answers at once all
  // the same: its writer goes on while the lost commit is resolved.
  refused.wait();
  for (int node = 0; node < kNodes; ++node) {
    ApiClient c = client(node);
    const std::string n = "node " + std::to_string(node);
    expect_store_unavailable(c.get("/readyz"), n + " /readyz");
    expect_store_unavailable(c.get("/v1/tasks"), n + " list");
    expect_store_unavailable(c.create_task(), n + " create");
    EXPECT_EQ(c.get("/healthz").status, 200) << n << ": liveness does not depend on the store";
  }
  const auto restarted_at = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(restarter_->start());
  // A bounded readiness probe: each node's /readyz turns 200 once it has connected again.
  bool all_ready = true;
  for (int node = 0; node < kNodes; ++node) {
    ApiClient probe = client(node);
    int status = 0;
    probe.connection().set_timeout(5s);
    try {
      for (int i = 0; i < 300 && (status = probe.get("/readyz").status) != 200; ++i) {
        std::this_thread::sleep_for(50ms);
      }
    } catch (const ConnectionError& e) {
      ADD_FAILURE() << "node " << node << ": " << e.what();
    }
    EXPECT_EQ(status, 200) << "node " << node << " is not ready again";
    all_ready = all_ready && status == 200;
  }
  ASSERT_TRUE(all_ready) << "a node did not serve again after PostgreSQL came back";
  const auto ready_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restarted_at);
  RecordProperty("ready_again_ms", static_cast<int>(ready_ms.count()));
  recovered = true;
  done_after.wait();
  for (auto& t : writers) t.join();
  EXPECT_EQ(unexpected.load(), 0);

  // Nothing acknowledged is lost, on either node; nothing refused was applied.
  for (int node = 0; node < kNodes; ++node) {
    ApiClient c = client(node);
    std::set<std::string> listed;
    std::string page = "/v1/tasks?limit=500";
    for (int pages = 0; pages < 100 && !page.empty(); ++pages) {
      auto r = c.get(page);
      ASSERT_EQ(r.status, 200) << r.raw.body;
      for (const auto& t : r.json.at("tasks").as_array()) listed.insert(std::string(t.at("taskId").as_string()));
      const auto& next = r.json.at("nextPageToken");
      page = next.is_string() ? "/v1/tasks?limit=500&pageToken=" + std::string(next.as_string()) : "";
    }
    EXPECT_EQ(listed, acknowledged) << "node " << node;
  }

  // The LISTEN connections are back too: a long poll on node 1 is answered for a write on node 0.
  ApiClient follower = client(1);
  const std::int64_t since = follower.get("/v1/tasks?limit=1").num("revision");
  ApiResponse polled;
  std::latch polling(1);
  std::thread poll([&] {
    ApiClient c = client(1);
    polling.count_down();
    polled = c.get("/v1/changes?since=" + std::to_string(since) + "&wait=20");
  });
  polling.wait();
  const auto wrote_at = std::chrono::steady_clock::now();
  ASSERT_EQ(client(0).create_task().status, 201);
  poll.join();
  const auto wake = std::chrono::steady_clock::now() - wrote_at;
  ASSERT_EQ(polled.status, 200);
  EXPECT_EQ(polled.json.at("changes").as_array().size(), 1u);
  EXPECT_LT(wake, 5s);
}

}  // namespace
}  // namespace lockstep::testing
