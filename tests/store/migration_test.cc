// Schema migration on start (API.md §11), on both stores: a database of schema version 1, built by
// running the released version-1 step and filled with tasks, changes, users and a product
// (schema_v1_data.sql), is migrated by the real lockstepd on start, keeping every row, and ends at
// the current version; a database newer than lockstepd is refused with the reason in one line.
// Version 3 takes out the tokens that answers stored for an Idempotency-Key kept before (API.md §2).
// Also: the task-list filters are served from their indexes (EXPLAIN QUERY PLAN on SQLite).
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "api_client.h"
#include "core/crypto.h"
#include "core/time.h"
#include "store/postgres/schema.h"
#include "store/sqlite/schema.h"
#include "store/task_list_sql.h"
#include "store_fixture.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

constexpr std::int64_t kCurrentVersion = 3;
constexpr const char* kAliceToken = "v1-alice-token";  // an admin (schema_v1_data.sql)
constexpr const char* kBobToken = "v1-bob-token";

std::string v1_rows() {
  std::ifstream in(LOCKSTEP_TEST_DATA_DIR "/schema_v1_data.sql");
  std::stringstream all;
  all << in.rdbuf();
  EXPECT_FALSE(all.str().empty()) << "schema_v1_data.sql is missing";
  return all.str();
}

// Runs SQL scripts on a SQLite file with the sqlite3 library itself (no lockstepd code).
void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// The rows of a one-column query on a SQLite file.
std::vector<std::string> sqlite_column(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, sqlite3_column_count(stmt) - 1);
      out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// The first column of the first row of a query on a PostgreSQL database ("" when none).
std::string pg_value(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  std::string v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(conn);
  return v;
}

// Runs `lockstepd serve` on `db` until it exits, at most 30 s (then it is killed: status -1), with
// its stderr: for a start that must fail.
CommandResult serve_until_exit(const std::string& db) {
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(err[1], 2);
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    execl(LOCKSTEPD_PATH, LOCKSTEPD_PATH, "serve", "--listen", "127.0.0.1:0", "--db", db.c_str(), nullptr);
    _exit(127);
  }
  close(err[1]);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 1500 && !exited; ++i) {
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  CommandResult r;
  char buf[4096];
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) r.err.append(buf, static_cast<std::size_t>(n));
  close(err[0]);
  r.status = exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Migration : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      LOCKSTEP_REQUIRE_POSTGRES();
      url_ = PgServer::shared().create_database();
      database_ = url_.substr(url_.rfind('/') + 1);
    } else {
      url_ = dir_.file("lockstep.db");
    }
  }

  bool sqlite() const { return GetParam() == Backend::kSqlite; }

  // Runs SQL on the test's database, outside lockstepd.
  void exec(const std::string& sql) {
    if (sqlite()) {
      sqlite_exec(url_, sql);
    } else {
      PgServer::shared().exec(database_, sql);
    }
  }

  // A database as lockstepd of schema version 1 left it, with rows.
  void make_version_1() {
    make_version(1);
    exec(v1_rows());
  }

  // An empty database of schema `version`, made by the released steps up to it.
  void make_version(std::size_t version) {
    std::string sql = sqlite() ? "" : std::string(pg::kMetaTable) + ";";
    for (std::size_t i = 0; i < version; ++i) sql += sqlite() ? sqlite::schema_steps().at(i) : pg::schema_steps().at(i);
    exec(sql + (sqlite() ? "PRAGMA user_version = " + std::to_string(version) + ";"
                         : "INSERT INTO meta(key, value) VALUES ('schema_version', " + std::to_string(version) + ");"));
  }

  // The value of a one-value query on the test's database.
  std::string value(const std::string& sql) {
    if (sqlite()) {
      auto rows = sqlite_column(url_, sql);
      return rows.empty() ? "" : rows.front();
    }
    return pg_value(url_, sql);
  }

  std::string schema_version() {
    if (sqlite()) return sqlite_column(url_, "PRAGMA user_version").at(0);
    return pg_value(url_, "SELECT value FROM meta WHERE key = 'schema_version'");
  }

  // The indexes of the tasks table, comma-separated.
  std::string task_indexes() {
    if (sqlite())
      return joined(sqlite_column(url_, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'"));
    return pg_value(url_,
                    "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'tasks'");
  }
  static std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
  }

  TempDir dir_;
  std::string url_;
  std::string database_;
};

std::set<std::string> task_ids(const ApiResponse& page) {
  std::set<std::string> ids;
  for (const auto& t : page.json.at("tasks").as_array()) ids.insert(std::string(t.at("taskId").as_string()));
  return ids;
}

TEST_P(Migration, a_version_1_database_is_migrated_on_start_and_keeps_every_task_change_and_user) {
  make_version_1();
  ASSERT_EQ(schema_version(), "1");
  ASSERT_EQ(task_indexes().find("tasks_by_user_status"), std::string::npos) << task_indexes();
  {
    ServerProcess server(url_);  // migrates on start
    ApiClient alice(server.port(), kAliceToken);
    auto all = alice.get("/v1/tasks");
    ASSERT_EQ(all.status, 200) << all.raw.body;
    EXPECT_EQ(task_ids(all), (std::set<std::string>{"v1-task-a", "v1-task-b", "v1-task-c"}));
    EXPECT_EQ(all.num("revision"), 4);
    auto blocked = alice.get("/v1/tasks?userId=alice&taskStatus=BLOCKED");  // the index of version 2
    EXPECT_EQ(task_ids(blocked), (std::set<std::string>{"v1-task-a"}));
    auto a = alice.get("/v1/tasks/v1-task-a");
    EXPECT_EQ(a.num("version"), 2);
    EXPECT_EQ(a.str("taskTitle"), "Ship v1");
    EXPECT_EQ(a.num("warningOffset"), 30);
    auto feed = alice.get("/v1/changes?since=0");
    ASSERT_EQ(feed.status, 200);
    ASSERT_EQ(feed.json.at("changes").as_array().size(), 4u);
    EXPECT_EQ(feed.json.at("changes").as_array()[1].at("task").at("taskStatus").as_string(), "BLOCKED");
    EXPECT_EQ(alice.get("/v1/tasks/v1-task-a/versions").json.at("versions").as_array().size(), 2u);
    auto users = alice.get("/v1/users");
    ASSERT_EQ(users.status, 200);
    EXPECT_EQ(users.json.at("users").as_array().size(), 3u);
    EXPECT_EQ(ApiClient(server.port(), kBobToken).get("/v1/tasks/v1-task-c").status, 200);
    EXPECT_EQ(alice.get("/v1/products/v1-product").num("stock"), 7);
    // Writes go on from the migrated state.
    auto made = alice.create_task();
    ASSERT_EQ(made.status, 201);
    EXPECT_EQ(alice.get("/v1/changes?since=4").json.at("changes").as_array().at(0).at("revision").to_number<int>(), 5);
  }
  EXPECT_EQ(schema_version(), std::to_string(kCurrentVersion));
  EXPECT_NE(task_indexes().find("tasks_by_user_status"), std::string::npos) << task_indexes();
  ServerProcess again(url_);  // a current database starts as it is
  EXPECT_EQ(ApiClient(again.port(), kAliceToken).get("/v1/tasks").json.at("tasks").as_array().size(), 4u);
}

TEST_P(Migration, a_database_newer_than_lockstepd_is_refused_with_the_reason_in_one_line) {
  make_version_1();
  exec(sqlite() ? "PRAGMA user_version = 99" : "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  auto listed = run_lockstepd({"user", "list", "--db", url_});
  EXPECT_EQ(listed.status, 1);
  EXPECT_EQ(std::count(listed.err.begin(), listed.err.end(), '\n'), 1) << listed.err;
  EXPECT_NE(listed.err.find("schema version 99, newer than this lockstepd (" + std::to_string(kCurrentVersion) + ")"),
            std::string::npos)
      << listed.err;
  auto served = serve_until_exit(url_);
  EXPECT_EQ(served.status, 1) << served.err;
  EXPECT_NE(served.err.find("newer than this lockstepd"), std::string::npos) << served.err;
  EXPECT_EQ(schema_version(), "99");  // untouched
}

// A stored answer as lockstepd keeps it in the idempotency table, SQL-quoted.
std::string stored_answer(int status, const json::object& body) {
  json::object o{{"status", status},
                 {"contentType", "application/json"},
                 {"headers", json::array{}},
                 {"body", json::serialize(body)}};
  return "'" + json::serialize(o) + "'";
}

TEST_P(Migration, tokens_in_answers_stored_before_version_3_are_removed_and_the_replay_says_null) {
  make_version(2);
  exec(v1_rows());
  const std::string token = "lst_KeptInPlainText0123456789abcdefghijklmnopqrstuv";
  const std::string request = R"({"name":"dora"})";
  const auto now = std::to_string(SystemClock::instance().now());
  const json::object dora{{"name", "dora"},
                          {"role", "user"},
                          {"status", "active"},
                          {"createdAt", "2025-11-24T16:00:05.000Z"},
                          {"token", token}};
  const json::object lock{{"taskId", "v1-task-a"}, {"owner", "alice"}, {"token", 7}};
  exec("INSERT INTO users VALUES ('dora', 'user', '" + sha256_hex(token) +
       "', 1764000005000);"
       "INSERT INTO idempotency VALUES ('alice', 'make-dora', 'POST', '/v1/users', '" +
       sha256_hex(request) + "', " + stored_answer(201, dora) + ", " + now +
       ");"
       "INSERT INTO idempotency VALUES ('alice', 'lock-a', 'POST', '/v1/tasks/v1-task-a/lock', 'x', " +
       stored_answer(200, lock) + ", " + now + ");");
  const std::string lock_answer = value("SELECT response FROM idempotency WHERE key = 'lock-a'");
  ASSERT_NE(value("SELECT response FROM idempotency WHERE key = 'make-dora'").find(token), std::string::npos);

  ServerProcess server(url_);  // migrates on start
  const std::string migrated = value("SELECT response FROM idempotency WHERE key = 'make-dora'");
  EXPECT_EQ(migrated.find(token), std::string::npos) << migrated;
  EXPECT_NE(migrated.find(R"(\"token\":null)"), std::string::npos) << migrated;
  EXPECT_EQ(value("SELECT response FROM idempotency WHERE key = 'lock-a'"), lock_answer);  // a fencing token stays
  EXPECT_EQ(schema_version(), std::to_string(kCurrentVersion));

  auto replayed =
      ApiClient(server.port(), kAliceToken).request("POST", "/v1/users", request, {{"Idempotency-Key", "make-dora"}});
  EXPECT_EQ(replayed.status, 201) << replayed.raw.body;
  EXPECT_EQ(replayed.header("Idempotent-Replayed"), "true");
  ASSERT_TRUE(replayed.json.is_object()) << replayed.raw.body;
  EXPECT_TRUE(replayed.json.at("token").is_null()) << replayed.raw.body;
  EXPECT_EQ(replayed.json.at("name").as_string(), "dora");
  EXPECT_EQ(ApiClient(server.port(), token).get("/v1/tasks").status, 200);  // the token itself still works
}

INSTANTIATE_TEST_SUITE_P(Stores, Migration, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_test_name);

// The plan SQLite makes for each combination of task-list filters, on a database lockstepd made.
std::string plan(const std::string& path, unsigned shape) {
  std::string all;
  for (const auto& step : sqlite_column(path, "EXPLAIN QUERY PLAN " + task_list_sql("task_id", '?', shape)))
    all += step + ";";
  return all;
}

TEST(TaskListPlan, every_filter_combination_reads_an_index_range_on_sqlite) {
  TempDir dir;
  const std::string path = dir.file("lockstep.db");
  open_store(StoreOptions{path, 1, 512})->stop();
  EXPECT_NE(plan(path, 0).find("PRIMARY KEY (task_id>?)"), std::string::npos) << plan(path, 0);
  EXPECT_NE(plan(path, kListByUser).find("tasks_by_user (user_id=? AND task_id>?)"), std::string::npos)
      << plan(path, kListByUser);
  EXPECT_NE(plan(path, kListByStatus).find("tasks_by_status (status=? AND task_id>?)"), std::string::npos)
      << plan(path, kListByStatus);
  const unsigned both = kListByUser | kListByStatus;
  EXPECT_NE(plan(path, both).find("tasks_by_user_status (user_id=? AND status=? AND task_id>?)"), std::string::npos)
      << plan(path, both);
  EXPECT_NE(plan(path, both | kListByDue).find("tasks_by_user_status"), std::string::npos)
      << plan(path, both | kListByDue);
  // warning=active|overdue (docs/api.md): alone, the tasks in id order, filtered (no index holds
  // a warning time); with userId or taskStatus, that filter's index.
  for (unsigned warning : {kListActive, kListOverdue}) {
    EXPECT_NE(plan(path, warning).find("PRIMARY KEY (task_id>?)"), std::string::npos) << plan(path, warning);
    EXPECT_NE(plan(path, warning | kListByUser).find("tasks_by_user (user_id=? AND task_id>?)"), std::string::npos)
        << plan(path, warning | kListByUser);
    EXPECT_NE(plan(path, warning | kListByStatus).find("tasks_by_status (status=? AND task_id>?)"), std::string::npos)
        << plan(path, warning | kListByStatus);
  }
  for (unsigned shape = 0; shape < kListShapes; ++shape) {
    EXPECT_EQ(plan(path, shape).find("TEMP B-TREE"), std::string::npos) << "sorts: " << plan(path, shape);
  }
}

}  // namespace
}  // namespace lockstep::testing
