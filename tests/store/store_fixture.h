// The store conformance fixture: every test runs once on a fresh SQLite file and once on a fresh
// PostgreSQL database (skipped, loudly, only when no PostgreSQL server could be started).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <ostream>
#include <string>

#include "pg_server.h"
#include "server_process.h"
#include "store/open.h"

namespace lockstep::testing {

enum class Backend { kSqlite, kPostgres };

inline const char* backend_name(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }
inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) { return backend_name(info.param); }
// How GoogleTest (and so ctest's test list) prints the parameter.
inline void PrintTo(Backend b, std::ostream* os) { *os << backend_name(b); }

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      LOCKSTEP_REQUIRE_POSTGRES();
      url_ = PgServer::shared().create_database();
    } else {
      url_ = dir_.file("store.db");
    }
    store_ = open(url_);
  }
  void TearDown() override {
    if (store_) store_->stop();
  }

  static std::unique_ptr<Store> open(const std::string& url) { return open_store(StoreOptions{url, 4, 512}); }

  // Runs `job` in a write transaction and waits: true if it kept its writes and they committed.
  bool write(const std::function<bool(Tx&)>& job) { return store_->write_sync(job); }

  // Runs `job` in a read transaction and waits for it. Fails the test if the store failed it.
  // The promise is shared with the job, so that the store thread still setting it never touches
  // this frame after it has returned.
  void read(const std::function<void(Tx&)>& job) {
    auto ran = std::make_shared<std::promise<bool>>();
    auto result = ran->get_future();
    store_->read(
        [&job, ran](Tx& tx) {
          job(tx);
          ran->set_value(true);
        },
        [ran] { ran->set_value(false); });
    ASSERT_TRUE(result.get()) << "the read job failed";
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

// A clock a test moves: a node's own clock, set wherever the test needs it.
class MovableClock final : public Clock {
 public:
  explicit MovableClock(Millis start) : now_(start) {}
  Millis now() const override { return now_.load(); }
  void advance(Millis by) { now_ += by; }

 private:
  std::atomic<Millis> now_;
};

// Test data: a task, a product, a user, a change with plausible fields.
inline Task make_task(std::string id, std::string user = "alice", std::int64_t revision = 1) {
  Task t;
  t.id = std::move(id);
  t.fields.user_id = std::move(user);
  t.fields.title = "Ship v1 ✓";
  t.fields.description = "with ünïcödé and \"quotes\"";
  t.fields.due = 1'800'000'000'000;
  t.fields.warning_offset = 30;
  t.fields.status = TaskStatus::kInProgress;
  t.version = 1;
  t.revision = revision;
  t.created_at = 1'700'000'000'123;
  t.updated_at = 1'700'000'000'123;
  t.updated_by = "alice";
  return t;
}

inline Product make_product(std::string id, std::int64_t stock) {
  return Product{std::move(id), "Widget", stock, 9.99, 1, 1, 1'700'000'000'000, 1'700'000'000'000};
}

inline Change make_change(std::int64_t revision, const std::string& task_id, std::int64_t version,
                          ChangeType type = ChangeType::kUpdated) {
  std::string json = type == ChangeType::kDeleted ? "" : "{\"v\":" + std::to_string(version) + "}";
  return Change{revision, type, task_id, version, std::move(json), "alice", 1'700'000'000'000 + revision};
}

// Writes one change of `task_id` at the next revision; returns the revision.
inline std::int64_t record_change(Tx& tx, const std::string& task_id, std::int64_t version,
                                  ChangeType type = ChangeType::kUpdated) {
  std::int64_t r = tx.next_revision();
  tx.append_change(make_change(r, task_id, version, type));
  return r;
}

}  // namespace lockstep::testing
