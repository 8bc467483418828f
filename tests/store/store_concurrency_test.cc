// What every store promises when transactions run at once: real threads submitting jobs together
// (started by a barrier), on SQLite and on PostgreSQL alike.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

#include "store_fixture.h"

namespace lockstep::testing {
namespace {

using StoreConcurrency = StoreTest;

// Runs `body(i)` on `n` threads released together.
void run_together(int n, const std::function<void(int)>& body) {
  std::barrier start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  }
  for (auto& t : threads) t.join();
}

// The check-and-write of a precondition: keeps the write only if the task is still at `expected`.
bool conditional_update(Tx& tx, const std::string& id, std::int64_t expected, std::int64_t* seen) {
  auto t = tx.get_task(id);
  if (!t) return false;
  *seen = t->version;
  if (t->version != expected) return false;
  t->version += 1;
  t->revision = tx.next_revision();
  t->fields.warning_offset += 1;
  tx.update_task(*t);
  return true;
}

TEST_P(StoreConcurrency, of_racing_writers_holding_one_version_exactly_one_wins_and_the_rest_see_it) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("t"));
    return true;
  }));
  constexpr int kRounds = 10, kWriters = 6;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> won{0}, lost_to_winner{0};
    run_together(kWriters, [&](int) {
      std::int64_t seen = 0;
      if (write([&](Tx& tx) { return conditional_update(tx, "t", 1 + round, &seen); })) {
        ++won;
      } else if (seen == 2 + round) {
        ++lost_to_winner;  // it read the winner's committed version, not the old one
      }
    });
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost_to_winner.load(), kWriters - 1) << "round " << round;
  }
  read([&](Tx& tx) {
    EXPECT_EQ(tx.get_task("t")->version, 1 + kRounds);
    EXPECT_EQ(tx.get_task("t")->fields.warning_offset, 30 + kRounds);
  });
}

TEST_P(StoreConcurrency, read_modify_write_jobs_lose_no_increment) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("counter"));
    tx.insert_product(make_product("p", 0));
    return true;
  }));
  constexpr int kThreads = 4, kEach = 25;
  run_together(kThreads, [&](int) {
    for (int i = 0; i < kEach; ++i) {
      ASSERT_TRUE(write([](Tx& tx) {
        Task t = *tx.get_task("counter");
        t.fields.warning_offset += 1;
        t.version += 1;
        tx.update_task(t);
        Product p = *tx.get_product("p");
        p.stock += 1;
        tx.update_product(p);
        return true;
      }));
    }
  });
  read([&](Tx& tx) {
    EXPECT_EQ(tx.get_task("counter")->fields.warning_offset, 30 + kThreads * kEach);
    EXPECT_EQ(tx.get_product("p")->stock, kThreads * kEach);
  });
}

TEST_P(StoreConcurrency, concurrent_purchases_never_take_stock_below_zero) {
  constexpr int kStock = 30, kBuyers = 6, kTriesEach = 10;
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_product(make_product("p", kStock));
    return true;
  }));
  std::atomic<int> bought{0};
  run_together(kBuyers, [&](int) {
    for (int i = 0; i < kTriesEach; ++i) {
      bool got = false;
      write([&](Tx& tx) {
        auto after = tx.take_stock("p", 1, tx.next_revision(), 1);
        got = after.has_value();
        return got;
      });
      if (got) ++bought;
    }
  });
  EXPECT_EQ(bought.load(), kStock);
  read([](Tx& tx) {
    EXPECT_EQ(tx.get_product("p")->stock, 0);
    EXPECT_EQ(tx.get_product("p")->version, 1 + kStock);
  });
}

// A follower reading the feed while writers commit sees every revision exactly once, in order:
// no batch it reads ever skips a revision that commits later.
TEST_P(StoreConcurrency, a_follower_of_the_changes_never_skips_a_revision_while_writers_commit) {
  constexpr int kWriters = 4, kEach = 30;
  std::atomic<bool> writing{true};
  std::vector<std::int64_t> followed;
  std::thread follower([&] {
    std::int64_t since = 0;
    for (;;) {
      const bool last_pass = !writing.load();  // every write has committed: this pass sees them all
      std::size_t got = 0;
      read([&](Tx& tx) {
        for (const auto& c : tx.list_changes(since, 7)) {
          followed.push_back(c.revision);
          since = c.revision;
          ++got;
        }
      });
      if (last_pass && got == 0) break;
    }
  });
  run_together(kWriters, [&](int w) {
    for (int i = 0; i < kEach; ++i) {
      ASSERT_TRUE(write([&](Tx& tx) {
        record_change(tx, "task-" + std::to_string(w), i + 1);
        return true;
      }));
    }
  });
  writing = false;
  follower.join();
  ASSERT_EQ(followed.size(), static_cast<std::size_t>(kWriters * kEach));
  for (std::size_t i = 0; i < followed.size(); ++i) ASSERT_EQ(followed[i], static_cast<std::int64_t>(i + 1));
}

TEST_P(StoreConcurrency, a_read_job_sees_one_snapshot_while_a_write_commits) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("t"));
    record_change(tx, "t", 1, ChangeType::kCreated);
    return true;
  }));
  std::latch read_started(1), write_done(1);
  std::thread reader([&] {
    read([&](Tx& tx) {
      const std::int64_t before = tx.latest_revision();
      const std::size_t tasks_before = tx.list_tasks({}).size();
      read_started.count_down();
      write_done.wait();
      EXPECT_EQ(tx.latest_revision(), before);
      EXPECT_EQ(tx.list_tasks({}).size(), tasks_before);
      EXPECT_EQ(tx.list_changes(0, 10).size(), 1u);
    });
  });
  read_started.wait();
  EXPECT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("u"));
    record_change(tx, "u", 1, ChangeType::kCreated);
    return true;
  }));
  write_done.count_down();
  reader.join();
  read([](Tx& tx) { EXPECT_EQ(tx.latest_revision(), 2); });  // a later read sees it
}

// Holds every reader of the store busy, one blocker per reader, until released. The state the
// blockers wait on is shared with them, and the destructor releases them and waits until each has
// left its job, so that no blocker outlives the test however it ends (an ASSERT returning early
// included): a latch on the test's stack, still waited on by a store thread after the test has
// returned, is waited on forever.
class ReaderBlockers {
 public:
  ReaderBlockers(Store& store, int readers) : state_(std::make_shared<State>(readers)) {
    // One at a time, so that no two blockers share a reader.
    for (int i = 0; i < readers; ++i) {
      auto started = std::make_shared<std::latch>(1);
      store.read(
          [state = state_, started](Tx& tx) {
            tx.latest_revision();
            started->count_down();
            state->release.wait();
            state->finished.count_down();
          },
          [state = state_, started] {
            started->count_down();
            state->finished.count_down();
          });
      started->wait();
    }
  }
  ~ReaderBlockers() {
    release();
    state_->finished.wait();
  }
  ReaderBlockers(const ReaderBlockers&) = delete;
  ReaderBlockers& operator=(const ReaderBlockers&) = delete;

  void release() {
    if (!released_) state_->release.count_down();
    released_ = true;
  }

 private:
  struct State {
    explicit State(int readers) : finished(readers) {}
    std::latch release{1};
    std::latch finished;
  };
  std::shared_ptr<State> state_;
  bool released_ = false;
};

// Reads that queue while every reader is busy may be run together (SQLite runs them in one read
// transaction): each must still see every write acknowledged before it was submitted, and one
// failing job must fail alone.
TEST_P(StoreConcurrency, reads_queued_together_see_writes_acknowledged_before_them_and_fail_alone) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("t"));
    return true;
  }));
  ReaderBlockers blockers(*store_, 4);  // the fixture opens 4 readers
  // Shared with the jobs, which set them last: they stay alive until the store has dropped the jobs.
  struct Seen {
    std::promise<std::int64_t> before, after, after_failure;
    std::promise<bool> failed;
  };
  auto seen = std::make_shared<Seen>();
  store_->read([seen](Tx& tx) { seen->before.set_value(tx.get_task("t")->version); },
               [seen] { seen->before.set_value(-1); });
  ASSERT_TRUE(write([](Tx& tx) {
    auto t = tx.get_task("t");
    t->version = 2;
    t->revision = tx.next_revision();
    tx.update_task(*t);
    return true;
  }));
  store_->read([seen](Tx& tx) { seen->after.set_value(tx.get_task("t")->version); },
               [seen] { seen->after.set_value(-1); });
  store_->read([](Tx&) { throw StoreError("a job that fails"); }, [seen] { seen->failed.set_value(true); });
  store_->read([seen](Tx& tx) { seen->after_failure.set_value(tx.get_task("t")->version); },
               [seen] { seen->after_failure.set_value(-1); });
  blockers.release();
  const std::int64_t seen_before = seen->before.get_future().get();
  EXPECT_TRUE(seen_before == 1 || seen_before == 2) << seen_before;
  EXPECT_EQ(seen->after.get_future().get(), 2) << "a read submitted after the write was acknowledged missed it";
  EXPECT_TRUE(seen->failed.get_future().get());
  EXPECT_EQ(seen->after_failure.get_future().get(), 2) << "a failed job took the read after it down, or its snapshot";
}

TEST_P(StoreConcurrency, fencing_tokens_from_concurrent_grants_are_all_different) {
  constexpr int kThreads = 4, kEach = 20;
  std::mutex mu;
  std::vector<std::int64_t> tokens;
  run_together(kThreads, [&](int) {
    for (int i = 0; i < kEach; ++i) {
      std::int64_t token = 0;
      ASSERT_TRUE(write([&](Tx& tx) {
        token = tx.next_lock_token();
        return true;
      }));
      std::lock_guard lock(mu);
      tokens.push_back(token);
    }
  });
  std::sort(tokens.begin(), tokens.end());
  EXPECT_EQ(std::adjacent_find(tokens.begin(), tokens.end()), tokens.end());
  EXPECT_EQ(tokens.size(), static_cast<std::size_t>(kThreads * kEach));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConcurrency, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_test_name);

}  // namespace
}  // namespace lockstep::testing
