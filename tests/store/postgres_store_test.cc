// What only the PostgreSQL store has: several stores (nodes) on one database, start-up on an
// unreachable or newer database, lost connections, deadlocks, and the commit notification.
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <latch>
#include <thread>

#include "store/postgres/commit_notice.h"
#include "store/postgres/pg.h"
#include "store_fixture.h"

namespace lockstep::testing {
namespace {

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    LOCKSTEP_REQUIRE_POSTGRES();
    url_ = PgServer::shared().create_database();
    database_ = url_.substr(url_.rfind('/') + 1);
  }
  static std::unique_ptr<Store> open(const std::string& url) { return open_store(StoreOptions{url, 2, 512}); }
  void admin(const std::string& sql) { PgServer::shared().exec(database_, sql); }
  // Ends every connection lockstepd has open to this test's database.
  void terminate_store_connections() {
    admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lockstepd' "
        "AND datname = current_database()");
  }

  // A readiness probe: true once a session of this database waits for a lock (at most 10 s).
  bool wait_for_a_lock_waiter() {
    PGconn* conn = PQconnectdb(url_.c_str());
    bool seen = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!seen && PQstatus(conn) == CONNECTION_OK && std::chrono::steady_clock::now() < deadline) {
      PGresult* r = PQexec(conn,
                           "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'");
      seen = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) != "0";
      PQclear(r);
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    PQfinish(conn);
    return seen;
  }

  std::string url_;
  std::string database_;
};

TEST_F(PostgresStore, stores_opened_at_once_on_an_empty_database_all_start_on_one_schema) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Store>> stores(kNodes);
  std::vector<std::string> errors(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      try {
        stores[i] = open(url_);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(stores[i]) << errors[i];
  // One store's write is every store's: they share the revision counter.
  for (auto& s : stores) {
    ASSERT_TRUE(s->write_sync([](Tx& tx) {
      tx.next_revision();
      return true;
    }));
  }
  std::int64_t latest = 0;
  ASSERT_TRUE(stores[0]->write_sync([&](Tx& tx) {
    latest = tx.latest_revision();
    return true;
  }));
  EXPECT_EQ(latest, kNodes);
}

TEST_F(PostgresStore, the_first_user_is_created_once_when_nodes_start_together) {
  auto a = open(url_);
  auto b = open(url_);
  std::latch a_counted(1), b_waits(1);
  std::atomic<int> created{0};
  auto bootstrap = [&](const char* hash) {
    return [&, hash](Tx& tx) {
      if (tx.count_users() == 0) {
        tx.put_user({"admin", Role::kAdmin, hash, 1});
        ++created;
      }
      return true;
    };
  };
  // a counts and holds its transaction open until b is seen waiting for it; b then sees a's user.
  std::thread first([&] {
    a->write_sync([&](Tx& tx) {
      bool kept = bootstrap("first")(tx);
      a_counted.count_down();
      b_waits.wait();
      return kept;
    });
  });
  a_counted.wait();
  std::thread second([&] { b->write_sync(bootstrap("second")); });
  EXPECT_TRUE(wait_for_a_lock_waiter());
  b_waits.count_down();
  first.join();
  second.join();
  EXPECT_EQ(created.load(), 1);
  b->write_sync([](Tx& tx) {
    EXPECT_TRUE(tx.find_user_by_token_hash("first"));
    return false;
  });
}

TEST_F(PostgresStore, a_database_of_a_newer_schema_is_refused_with_the_reason) {
  open(url_)->stop();
  admin("UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  try {
    open(url_);
    FAIL() << "a newer schema was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresStore, an_unreachable_server_fails_start_up_with_the_reason) {
  try {
    open("postgresql://lockstep@127.0.0.1:1/nothing");
    FAIL() << "opened a store on a closed port";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresStore, idle_connections_lost_to_a_server_restart_are_replaced_without_failing_a_job) {
  auto store = open(url_);
  terminate_store_connections();
  EXPECT_TRUE(store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("after"));
    return true;
  }));
  std::promise<bool> read_ok;
  store->read([&](Tx& tx) { read_ok.set_value(tx.get_task("after").has_value()); }, [&] { read_ok.set_value(false); });
  EXPECT_TRUE(read_ok.get_future().get());
  EXPECT_TRUE(store->healthy());
}

TEST_F(PostgresStore, a_job_whose_connection_breaks_fails_and_writes_nothing_then_the_store_recovers) {
  auto store = open(url_);
  std::promise<bool> done;
  store->write(
      [&](Tx& tx) {
        tx.insert_task(make_task("half"));
        terminate_store_connections();
        tx.insert_task(make_task("other_half"));
        return true;
      },
      [&](Store::WriteOutcome o) { done.set_value(o == Store::WriteOutcome::kCommitted); });
  EXPECT_FALSE(done.get_future().get());
  std::int64_t found = -1;
  for (int i = 0; i < 3; ++i) {  // several writers may have lost their connection: each recovers
    ASSERT_TRUE(store->write_sync([&](Tx& tx) {
      found = static_cast<std::int64_t>(tx.list_tasks({}).size());
      return true;
    }));
  }
  EXPECT_EQ(found, 0);
}

// Two nodes whose jobs take the same two rows in opposite orders: with both transactions open at
// once they would deadlock. Every writing transaction takes the revision counter first, so the
// second node's waits at its start, before its job runs, and each job runs once, on what the
// other committed.
TEST_F(PostgresStore, writing_transactions_of_two_nodes_take_turns_so_crossed_row_orders_never_deadlock) {
  auto first_node = open(url_);
  auto second_node = open(url_);
  ASSERT_TRUE(first_node->write_sync([](Tx& tx) {
    tx.insert_task(make_task("x"));
    tx.insert_task(make_task("y"));
    return true;
  }));
  std::atomic<int> runs{0};
  std::latch first_holds_x(1);
  std::promise<void> second_waits;
  auto job = [&](const char* one, const char* other, bool hold) {
    return [&, one, other, hold](Tx& tx) {
      ++runs;
      Task a = *tx.get_task(one);
      if (hold) {
        first_holds_x.count_down();
        second_waits.get_future().wait();  // the second node's transaction is waiting now
      }
      Task b = *tx.get_task(other);
      a.fields.warning_offset += 1;
      b.fields.warning_offset += 1;
      tx.update_task(a);
      tx.update_task(b);
      return true;
    };
  };
  std::promise<bool> one, two;
  first_node->write(job("x", "y", true),
                    [&](Store::WriteOutcome o) { one.set_value(o == Store::WriteOutcome::kCommitted); });
  first_holds_x.wait();
  second_node->write(job("y", "x", false),
                     [&](Store::WriteOutcome o) { two.set_value(o == Store::WriteOutcome::kCommitted); });
  const bool waited = wait_for_a_lock_waiter();
  const int runs_while_waiting = runs.load();
  second_waits.set_value();
  EXPECT_TRUE(waited);
  EXPECT_EQ(runs_while_waiting, 1);  // the second node's job had not started
  EXPECT_TRUE(one.get_future().get());
  EXPECT_TRUE(two.get_future().get());
  EXPECT_EQ(runs.load(), 2);  // no deadlock victim ran again
  ASSERT_TRUE(first_node->write_sync([](Tx& tx) {
    EXPECT_EQ(tx.get_task("x")->fields.warning_offset, 32);
    EXPECT_EQ(tx.get_task("y")->fields.warning_offset, 32);
    return true;
  }));
}

// A job's writes travel in the pipeline unanswered, so their failure may surface in a later job of
// the group, even in one whose own statement then fails too (the transaction is aborted): nothing
// can tell whose savepoint is whose any more, so the whole group fails and nothing of it stays.
TEST_F(PostgresStore, a_deferred_failure_found_by_a_later_job_fails_the_whole_group) {
  auto store = open(url_);
  ASSERT_TRUE(store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("taken"));
    return true;
  }));
  std::latch running(1), hold(1);
  std::promise<bool> first, duplicate, later;
  auto committed = [](std::promise<bool>& p) {
    return [&p](Store::WriteOutcome o) { p.set_value(o == Store::WriteOutcome::kCommitted); };
  };
  store->write(
      [&](Tx&) {
        running.count_down();
        hold.wait();  // the two below queue meanwhile, and run together in the next group
        return true;
      },
      committed(first));
  running.wait();
  store->write(
      [](Tx& tx) {
        tx.next_revision();
        tx.insert_task(make_task("taken"));  // a unique violation, reported later
        return true;
      },
      committed(duplicate));
  store->write(
      [](Tx& tx) {
        tx.count_users();  // waits for its answer: meets the failure first
        tx.insert_task(make_task("later"));
        return true;
      },
      committed(later));
  hold.count_down();
  EXPECT_TRUE(first.get_future().get());
  EXPECT_FALSE(duplicate.get_future().get());
  EXPECT_FALSE(later.get_future().get());
  ASSERT_TRUE(store->write_sync([](Tx& tx) {
    EXPECT_FALSE(tx.get_task("later"));
    EXPECT_EQ(tx.latest_revision(), 0);  // the duplicate's revision was never committed
    EXPECT_EQ(tx.next_revision(), 1);
    return true;
  }));
}

TEST_F(PostgresStore, a_commit_that_wrote_notifies_lockstep_commit_with_its_revision) {
  auto store = open(url_);
  PGconn* listener = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(listener), CONNECTION_OK);
  PQclear(PQexec(listener, "LISTEN lockstep_commit"));
  auto commit_one = [](Tx& tx) { return tx.next_revision() > 0; };
  ASSERT_TRUE(store->write_sync(commit_one));
  ASSERT_FALSE(store->write_sync([](Tx& tx) {  // undone: PostgreSQL drops its notification
    tx.next_revision();
    return false;
  }));
  ASSERT_TRUE(store->write_sync(commit_one));
  std::vector<std::string> payloads;
  pollfd fd{PQsocket(listener), POLLIN, 0};
  while (payloads.size() < 2 && poll(&fd, 1, 5000) > 0) {
    PQconsumeInput(listener);
    while (PGnotify* n = PQnotifies(listener)) {
      payloads.emplace_back(n->extra);
      PQfreemem(n);
    }
  }
  PQfinish(listener);
  EXPECT_EQ(payloads, (std::vector<std::string>{"v2 1", "v2 2"}));  // no task changed
}

// Other nodes wake the lock waiters of the tasks a payload names, everyone's when it says
// "anything" or when they cannot read it (an older node's payload was just the revision).
TEST(CommitNotice, names_the_tasks_or_anything_and_reads_back_what_it_wrote) {
  auto read = [](std::initializer_list<std::string> payloads) {
    RemoteCommit seen{.anything = false, .task_ids = {}};
    for (const auto& p : payloads) pg::add_commit_payload(p, seen);
    return seen;
  };
  EXPECT_EQ(pg::commit_payload(7, false, {"a", "01J"}), "v2 7 a 01J");
  EXPECT_EQ(pg::commit_payload(7, true, {"a"}), "v2 7 *");
  std::vector<std::string> many(pg::kMaxNotifiedTasks + 1, "t");
  EXPECT_EQ(pg::commit_payload(7, false, many), "v2 7 *");

  auto two = read({"v2 7 a 01J", "v2 8", "v2 9 b"});
  EXPECT_FALSE(two.anything);
  EXPECT_EQ(two.task_ids, (std::vector<std::string>{"a", "01J", "b"}));
  EXPECT_TRUE(read({"v2 7 a", "v2 8 *"}).anything);
  EXPECT_TRUE(read({"v2 7 a", "8"}).anything);               // an older node's
  EXPECT_TRUE(read({""}).anything);                          // an older node's, no revision
  EXPECT_TRUE(read({"v2 7 a b/c"}).anything);                // not a task id
  EXPECT_TRUE(read({"v2 8 *", "v2 9 b"}).task_ids.empty());  // anything stays anything
}

// "2xx means durable" must not depend on the database's defaults: here the database says
// synchronous_commit = off, and the sessions the store opens still commit synchronously.
TEST_F(PostgresStore, the_store_s_sessions_commit_synchronously_where_the_database_default_is_off) {
  admin("ALTER DATABASE \"" + database_ + "\" SET synchronous_commit = off");
  auto setting = [](pg::Connection& c) { return c.exec("SHOW synchronous_commit").text(0, 0); };
  pg::Connection plain(url_);
  ASSERT_EQ(setting(plain), "off");  // the default a session meets
  EXPECT_EQ(setting(*pg::open_session(url_)), "on");
  auto store = open(url_);
  EXPECT_TRUE(store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("durable"));
    return true;
  }));
}

// Lock expiry compares a time one node wrote with another node's "now": every node must read the
// one clock, the database's. A node whose own clock is an hour fast still reads the database's
// time from its store; a test moves it by moving the node's clock, without waiting.
TEST_F(PostgresStore, the_store_clock_is_the_database_s_whatever_the_node_s_own_clock_says) {
  MovableClock fast(SystemClock::instance().now() + 3'600'000);
  auto store = open_store(StoreOptions{url_, 2, 512, &fast});
  pg::Connection plain(url_);
  const Millis database = plain.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint").int64(0, 0);
  EXPECT_LT(std::abs(store->clock().now() - database), 5'000) << "the node's own clock was read";
  fast.advance(60'000);
  EXPECT_LT(std::abs(store->clock().now() - (database + 60'000)), 5'000);
}

TEST_F(PostgresStore, backup_says_to_use_pg_dump) {
  auto store = open(url_);
  auto result = store->backup_to("/tmp/never-written.db");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().detail.find("pg_dump"), std::string::npos);
}

}  // namespace
}  // namespace lockstep::testing
