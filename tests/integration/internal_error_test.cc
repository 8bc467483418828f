// A bug is not an outage (docs/api.md, "500 INTERNAL"): a request whose handling throws on the
// store's writer, or on a reader, is answered 500 INTERNAL, not retryable, named in its request
// log line, never stored under its Idempotency-Key; the server serves on. Only the store's own
// failures (nothing was committed) stay 503. On both stores.
//
// What throws is real code on real input: a stored version the server cannot read (a history row
// that is not JSON, as a damaged or hand-edited database holds), which a merge parses for its base
// and the version history parses to answer.
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "store_param.h"

namespace lockstep::testing {
namespace {

class InternalErrors : public StoreServerTest {
 protected:
  // Replaces the stored JSON of version `version` of task `id` with text that is not JSON.
  void damage_version(const std::string& id, int version) {
    const std::string sql =
        "UPDATE changes SET task = 'not json' WHERE task_id = '" + id + "' AND version = " + std::to_string(version);
    if (GetParam() == "postgres") return PgServer::shared().exec(db_.substr(db_.rfind('/') + 1), sql);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);  // beside the running server's writer
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const int changed = sqlite3_changes(db);
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
    ASSERT_EQ(changed, 1);
  }

  // Waits for the request log line of `r`: its request id, status 500, route and the exception.
  bool logged_as_internal(const ApiResponse& r, const std::string& route) {
    const std::string id = "\"requestId\":\"" + r.header("X-Request-Id") + "\"";
    return server_->wait_for_line(
        [&](const std::string& l) {
          return l.find(id) != std::string::npos && l.find("\"status\":500") != std::string::npos &&
                 l.find("\"route\":\"" + route + "\"") != std::string::npos &&
                 l.find("internal error: ") != std::string::npos;
        },
        std::chrono::seconds(5));
  }
};
LOCKSTEP_ON_BOTH_STORES(InternalErrors);

void expect_internal(const ApiResponse& r) {
  EXPECT_EQ(r.status, 500) << r.raw.body;
  ASSERT_TRUE(r.json.is_object()) << r.raw.body;
  EXPECT_EQ(r.str("code"), "INTERNAL");
  EXPECT_FALSE(r.json.at("retryable").as_bool());
  EXPECT_EQ(r.header("Retry-After"), "");
  EXPECT_EQ(r.header("Idempotent-Replayed"), "");
}

TEST_P(InternalErrors, a_throw_is_500_not_retryable_never_stored_and_the_server_serves_on) {
  auto a = alice();
  auto b = bob();
  auto created = a.create_task();
  ASSERT_EQ(created.status, 201);
  const std::string id = created.str("taskId"), path = "/v1/tasks/" + id, base = created.header("ETag");
  auto second = a.patch(path, {{"taskTitle", "second"}}, {{"If-Match", base}});
  ASSERT_EQ(second.status, 200);
  damage_version(id, 1);

  // A stale write asking for a merge reads its base, version 1, on the writer: the parse throws.
  const HttpHeaders stale = {{"Prefer", "conflict=merge"}, {"If-Match", base}, {"Idempotency-Key", "merge-1"}};
  auto failed = b.patch(path, {{"warningOffset", 45}}, stale);
  expect_internal(failed);
  EXPECT_TRUE(logged_as_internal(failed, "/v1/tasks/{id}"));

  // The retry runs again (no stored 500 is replayed) and fails the same way.
  auto retried = b.patch(path, {{"warningOffset", 45}}, stale);
  expect_internal(retried);
  // Nothing of it was applied.
  auto current = a.get(path);
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(current.num("version"), 2);
  EXPECT_EQ(current.num("warningOffset"), 0);
  // Nothing was stored under the key: another request may use it (a stored answer would make it 422).
  auto other =
      b.patch(path, {{"warningOffset", 45}}, {{"If-Match", current.header("ETag")}, {"Idempotency-Key", "merge-1"}});
  EXPECT_EQ(other.status, 200) << other.raw.body;
  EXPECT_EQ(other.num("version"), 3);

  // A read that throws on a reader is the same bug, not an unreachable store.
  auto versions = a.get(path + "/versions");
  expect_internal(versions);
  EXPECT_TRUE(logged_as_internal(versions, "/v1/tasks/{id}/versions"));

  // The server serves on: reads, writes, readiness.
  EXPECT_EQ(a.get(path).num("version"), 3);
  EXPECT_EQ(a.create_task().status, 201);
  EXPECT_EQ(anonymous().get("/readyz").status, 200);
}

}  // namespace
}  // namespace lockstep::testing
