// What every store promises through Tx, one transaction at a time: the same tests, unchanged, on
// SQLite and on PostgreSQL.
#include "store_fixture.h"

namespace lockstep::testing {
namespace {

using StoreConformance = StoreTest;

TEST_P(StoreConformance, a_task_reads_back_every_field_it_was_stored_with) {
  Task t = make_task("01HTASK");
  ASSERT_TRUE(write([&](Tx& tx) {
    tx.insert_task(t);
    return true;
  }));
  read([&](Tx& tx) {
    auto got = tx.get_task("01HTASK");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->id, t.id);
    EXPECT_EQ(got->fields, t.fields);
    EXPECT_EQ(got->version, 1);
    EXPECT_EQ(got->revision, 1);
    EXPECT_EQ(got->created_at, t.created_at);
    EXPECT_EQ(got->updated_at, t.updated_at);
    EXPECT_EQ(got->updated_by, "alice");
    EXPECT_FALSE(tx.get_task("missing"));
  });
}

TEST_P(StoreConformance, update_replaces_a_task_and_delete_removes_it) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("a"));
    tx.insert_task(make_task("b"));
    return true;
  }));
  ASSERT_TRUE(write([](Tx& tx) {
    Task t = *tx.get_task("a");
    t.fields.title = "Renamed";
    t.fields.status = TaskStatus::kBlocked;
    t.version = 2;
    t.revision = 7;
    t.updated_by = "bob";
    tx.update_task(t);
    tx.delete_task("b");
    return true;
  }));
  read([](Tx& tx) {
    auto a = tx.get_task("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->fields.title, "Renamed");
    EXPECT_EQ(a->fields.status, TaskStatus::kBlocked);
    EXPECT_EQ(a->version, 2);
    EXPECT_EQ(a->revision, 7);
    EXPECT_EQ(a->updated_by, "bob");
    EXPECT_FALSE(tx.get_task("b"));
  });
}

TEST_P(StoreConformance, list_tasks_filters_and_pages_in_byte_order_of_ids) {
  ASSERT_TRUE(write([](Tx& tx) {
    for (const char* id : {"b", "B", "a", "A", "_", "0"}) {
      Task t = make_task(id, std::string(id) < "a" ? "alice" : "bob");
      if (std::string(id) == "a") t.fields.status = TaskStatus::kBlocked;
      if (std::string(id) == "B") t.fields.due = 1000;
      tx.insert_task(t);
    }
    return true;
  }));
  auto ids = [](const std::vector<Task>& tasks) {
    std::string out;
    for (const auto& t : tasks) out += t.id;
    return out;
  };
  auto query = [](std::optional<std::string> user, std::optional<TaskStatus> status, std::optional<Millis> due_before,
                  std::string after = "", int limit = 50) {
    TaskQuery q;
    q.user_id = std::move(user);
    q.status = status;
    q.due_before = due_before;
    q.after_id = std::move(after);
    q.limit = limit;
    return q;
  };
  read([&](Tx& tx) {
    EXPECT_EQ(ids(tx.list_tasks({})), "0AB_ab");  // bytes, not a locale's order
    EXPECT_EQ(ids(tx.list_tasks(query({}, {}, {}, "B", 2))), "_a");
    EXPECT_EQ(ids(tx.list_tasks(query("bob", {}, {}))), "ab");
    EXPECT_EQ(ids(tx.list_tasks(query({}, TaskStatus::kBlocked, {}))), "a");
    EXPECT_EQ(ids(tx.list_tasks(query({}, {}, 2000))), "B");
    EXPECT_EQ(ids(tx.list_tasks(query("alice", {}, {}, "A", 2))), "B_");
    EXPECT_EQ(ids(tx.list_tasks(query("nobody", {}, {}))), "");
  });
}

// The edges of the warning filter (API.md §3), to the millisecond: a task warns from dueDate -
// warningOffset minutes on, is overdue from dueDate on, and never while COMPLETED or CANCELLED.
TEST_P(StoreConformance, list_tasks_selects_warning_and_overdue_tasks_at_their_edges) {
  constexpr Millis kDue = 1'800'000'000'000, kWarns = kDue - Millis{64000} * 60'000;  // the largest offset
  ASSERT_TRUE(write([](Tx& tx) {
    for (const char* id : {"a", "b", "c", "d"}) {
      Task t = make_task(id);
      t.fields.due = kDue;
      t.fields.warning_offset = 64000;
      if (std::string(id) == "b") t.fields.warning_offset = 0;
      if (std::string(id) == "c") t.fields.status = TaskStatus::kCompleted;
      if (std::string(id) == "d") t.fields.status = TaskStatus::kCancelled;
      tx.insert_task(t);
    }
    return true;
  }));
  auto listed = [](Tx& tx, TaskWarning warning, Millis now, std::optional<std::string> user = {}) {
    TaskQuery q;
    q.warning = warning;
    q.now = now;
    q.user_id = std::move(user);
    std::string out;
    for (const auto& t : tx.list_tasks(q)) out += t.id;
    return out;
  };
  read([&](Tx& tx) {
    EXPECT_EQ(listed(tx, TaskWarning::kActive, kWarns - 1), "");
    EXPECT_EQ(listed(tx, TaskWarning::kActive, kWarns), "a");
    EXPECT_EQ(listed(tx, TaskWarning::kActive, kDue - 1), "a");
    EXPECT_EQ(listed(tx, TaskWarning::kActive, kDue), "");
    EXPECT_EQ(listed(tx, TaskWarning::kOverdue, kDue - 1), "");
    EXPECT_EQ(listed(tx, TaskWarning::kOverdue, kDue), "ab");
    EXPECT_EQ(listed(tx, TaskWarning::kOverdue, kDue, "alice"), "ab");
    EXPECT_EQ(listed(tx, TaskWarning::kOverdue, kDue, "bob"), "");
  });
}

TEST_P(StoreConformance, revisions_increase_by_one_and_an_undone_job_uses_none) {
  std::int64_t first = 0, second = 0;
  ASSERT_TRUE(write([&](Tx& tx) {
    first = record_change(tx, "t", 1, ChangeType::kCreated);
    return true;
  }));
  EXPECT_FALSE(write([&](Tx& tx) {
    record_change(tx, "t", 2);
    return false;  // undone: its revision is not used
  }));
  ASSERT_TRUE(write([&](Tx& tx) {
    EXPECT_EQ(tx.latest_revision(), first);
    second = record_change(tx, "t", 2);
    EXPECT_EQ(tx.latest_revision(), second);  // a write sees what it allocated
    return true;
  }));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
  read([](Tx& tx) {
    EXPECT_EQ(tx.latest_revision(), 2);
    auto changes = tx.list_changes(0, 100);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[1].revision, 2);
    EXPECT_EQ(changes[1].version, 2);
  });
}

TEST_P(StoreConformance, list_changes_returns_what_follows_since_in_revision_order) {
  ASSERT_TRUE(write([](Tx& tx) {
    record_change(tx, "x", 1, ChangeType::kCreated);
    record_change(tx, "y", 1, ChangeType::kCreated);
    record_change(tx, "x", 2, ChangeType::kDeleted);
    return true;
  }));
  read([](Tx& tx) {
    auto all = tx.list_changes(0, 10);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].type, ChangeType::kCreated);
    EXPECT_EQ(all[0].task_json, "{\"v\":1}");
    EXPECT_EQ(all[0].by, "alice");
    EXPECT_EQ(all[0].at, 1'700'000'000'001);
    EXPECT_EQ(all[2].type, ChangeType::kDeleted);
    EXPECT_EQ(all[2].task_json, "");  // a delete has no task
    auto after_one = tx.list_changes(1, 1);
    ASSERT_EQ(after_one.size(), 1u);
    EXPECT_EQ(after_one[0].revision, 2);
    EXPECT_TRUE(tx.list_changes(3, 10).empty());
  });
}

TEST_P(StoreConformance, task_history_after_delete_and_recreate_shows_only_the_new_life) {
  ASSERT_TRUE(write([](Tx& tx) {
    record_change(tx, "t", 1, ChangeType::kCreated);
    record_change(tx, "t", 2);
    record_change(tx, "other", 1, ChangeType::kCreated);
    record_change(tx, "t", 3, ChangeType::kDeleted);
    record_change(tx, "t", 1, ChangeType::kCreated);
    record_change(tx, "t", 2);
    record_change(tx, "t", 3);
    return true;
  }));
  read([](Tx& tx) {
    auto history = tx.task_history("t", 10);
    ASSERT_EQ(history.size(), 3u);  // newest first, none of the earlier life, no delete
    EXPECT_EQ(history[0].revision, 7);
    EXPECT_EQ(history[0].version, 3);
    EXPECT_EQ(history[2].revision, 5);
    EXPECT_EQ(tx.task_history("t", 2).size(), 2u);
    EXPECT_TRUE(tx.task_history("nothing", 10).empty());
  });
}

TEST_P(StoreConformance, prune_changes_keeps_the_newest_versions_and_records_how_far_it_went) {
  ASSERT_TRUE(write([](Tx& tx) {
    for (int v = 1; v <= 5; ++v) record_change(tx, "kept", v, v == 1 ? ChangeType::kCreated : ChangeType::kUpdated);
    record_change(tx, "gone", 1, ChangeType::kCreated);
    record_change(tx, "gone", 2, ChangeType::kDeleted);
    return true;
  }));
  read([](Tx& tx) { EXPECT_EQ(tx.feed_pruned_through(), 0); });
  std::int64_t through = 0;
  ASSERT_TRUE(write([&](Tx& tx) {
    through = tx.prune_changes(0, 7, 2, 100);
    return true;
  }));
  EXPECT_EQ(through, 7);
  read([](Tx& tx) {
    EXPECT_EQ(tx.feed_pruned_through(), 7);
    auto left = tx.list_changes(0, 100);
    ASSERT_EQ(left.size(), 2u);  // the two newest versions of "kept"; "gone" ended with a delete
    EXPECT_EQ(left[0].revision, 4);
    EXPECT_EQ(left[1].revision, 5);
  });
  ASSERT_TRUE(write([&](Tx& tx) {
    EXPECT_EQ(tx.prune_changes(7, 7, 2, 100), 0);  // nothing left to examine
    EXPECT_EQ(tx.prune_changes(0, 4, 2, 1), 4);    // at most `batch` examined
    return true;
  }));
  read([](Tx& tx) { EXPECT_EQ(tx.feed_pruned_through(), 7); });  // never goes back
}

TEST_P(StoreConformance, locks_are_stored_replaced_deleted_and_expired) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.put_lock({"t1", "alice", 5, 1000, 61000});
    tx.put_lock({"t2", "bob", 6, 1000, 2000});
    return true;
  }));
  read([](Tx& tx) {
    auto l = tx.get_lock("t1");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->owner, "alice");
    EXPECT_EQ(l->token, 5);
    EXPECT_EQ(l->acquired_at, 1000);
    EXPECT_EQ(l->expires_at, 61000);
    EXPECT_EQ(tx.count_live_locks(1500), 2);
    EXPECT_EQ(tx.count_live_locks(2000), 1);  // expired at its expiry instant
  });
  ASSERT_TRUE(write([](Tx& tx) {
    tx.put_lock({"t1", "bob", 7, 3000, 90000});  // replaces
    EXPECT_EQ(tx.delete_expired_locks(2000), 1);
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_EQ(tx.get_lock("t1")->owner, "bob");
    EXPECT_EQ(tx.get_lock("t1")->token, 7);
    EXPECT_FALSE(tx.get_lock("t2"));
  });
  ASSERT_TRUE(write([](Tx& tx) {
    tx.delete_lock("t1");
    return true;
  }));
  read([](Tx& tx) { EXPECT_FALSE(tx.get_lock("t1")); });
}

TEST_P(StoreConformance, fencing_tokens_strictly_increase_across_transactions) {
  std::vector<std::int64_t> tokens;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(write([&](Tx& tx) {
      tokens.push_back(tx.next_lock_token());
      tokens.push_back(tx.next_lock_token());
      return true;
    }));
  }
  for (std::size_t i = 1; i < tokens.size(); ++i) EXPECT_GT(tokens[i], tokens[i - 1]);
  EXPECT_GT(tokens.front(), 0);
}

TEST_P(StoreConformance, products_are_stored_listed_updated_and_deleted) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_product(make_product("p2", 3));
    tx.insert_product(make_product("p1", 5));
    tx.insert_product(make_product("p3", 0));
    return true;
  }));
  ASSERT_TRUE(write([](Tx& tx) {
    Product p = *tx.get_product("p1");
    p.name = "Gadget";
    p.price = 0.1 + 0.2;  // a value that needs every digit to read back the same
    p.version = 2;
    tx.update_product(p);
    tx.delete_product("p3");
    return true;
  }));
  read([](Tx& tx) {
    auto p = tx.get_product("p1");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name, "Gadget");
    EXPECT_EQ(p->price, 0.1 + 0.2);
    EXPECT_EQ(p->stock, 5);
    EXPECT_EQ(p->version, 2);
    auto list = tx.list_products("", 10);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, "p1");
    EXPECT_EQ(list[1].id, "p2");
    EXPECT_EQ(tx.list_products("p1", 10).size(), 1u);
    EXPECT_FALSE(tx.get_product("p3"));
  });
}

TEST_P(StoreConformance, take_stock_takes_only_what_is_there) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_product(make_product("p", 3));
    return true;
  }));
  ASSERT_TRUE(write([](Tx& tx) {
    auto after = tx.take_stock("p", 2, 9, 1'800'000'000'000);
    EXPECT_TRUE(after);
    if (after) {
      EXPECT_EQ(after->stock, 1);
      EXPECT_EQ(after->version, 2);
      EXPECT_EQ(after->revision, 9);
      EXPECT_EQ(after->updated_at, 1'800'000'000'000);
    }
    EXPECT_FALSE(tx.take_stock("p", 2, 10, 1'800'000'000'000));  // short: nothing changes
    EXPECT_FALSE(tx.take_stock("missing", 1, 10, 1'800'000'000'000));
    auto again = tx.take_stock("p", 1, 10, 0);  // a clock behind: updated_at still moves on
    EXPECT_TRUE(again && again->stock == 0 && again->updated_at == 1'800'000'000'001);
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_EQ(tx.get_product("p")->stock, 0);
    EXPECT_EQ(tx.get_product("p")->version, 3);
  });
}

TEST_P(StoreConformance, idempotency_records_are_kept_per_principal_replaced_and_expired) {
  IdempotencyRecord r{"alice", "key-1", "POST", "/v1/tasks", "abc", "{\"status\":201}", 1000};
  ASSERT_TRUE(write([&](Tx& tx) {
    EXPECT_FALSE(tx.get_idempotency("alice", "key-1"));
    tx.put_idempotency(r);
    tx.put_idempotency({"bob", "key-1", "DELETE", "/v1/tasks/x", "def", "{}", 5000});
    return true;
  }));
  read([&](Tx& tx) {
    auto got = tx.get_idempotency("alice", "key-1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->method, "POST");
    EXPECT_EQ(got->target, "/v1/tasks");
    EXPECT_EQ(got->body_hash, "abc");
    EXPECT_EQ(got->response_json, r.response_json);
    EXPECT_EQ(got->created_at, 1000);
    EXPECT_EQ(tx.get_idempotency("bob", "key-1")->method, "DELETE");
    EXPECT_FALSE(tx.get_idempotency("carol", "key-1"));
  });
  ASSERT_TRUE(write([&](Tx& tx) {
    r.response_json = "{\"status\":200}";
    tx.put_idempotency(r);  // replaces
    EXPECT_EQ(tx.delete_idempotency_before(2000), 1);
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_FALSE(tx.get_idempotency("alice", "key-1"));
    EXPECT_TRUE(tx.get_idempotency("bob", "key-1"));
  });
}

TEST_P(StoreConformance, rolling_back_to_a_savepoint_undoes_only_what_followed_it) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("before"));
    {
      Savepoint outer(tx, "outer");
      tx.insert_task(make_task("kept_inner"));
      {
        Savepoint inner(tx, "inner");
        tx.insert_task(make_task("undone"));
        record_change(tx, "undone", 1, ChangeType::kCreated);
        inner.rollback();
      }
      tx.insert_task(make_task("after_inner"));
    }
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_TRUE(tx.get_task("before"));
    EXPECT_TRUE(tx.get_task("kept_inner"));
    EXPECT_TRUE(tx.get_task("after_inner"));
    EXPECT_FALSE(tx.get_task("undone"));
    EXPECT_EQ(tx.latest_revision(), 0);  // the revision went with it
  });
}

TEST_P(StoreConformance, users_are_found_by_name_and_token_listed_counted_and_revoked) {
  ASSERT_TRUE(write([](Tx& tx) {
    EXPECT_EQ(tx.count_users(), 0);
    tx.put_user({"bob", Role::kUser, "hash-b", 2000});
    tx.put_user({"alice", Role::kAdmin, "hash-a", 1000});
    return true;
  }));
  ASSERT_TRUE(write([](Tx& tx) {
    User bob = *tx.find_user("bob");
    bob.token_hash.clear();  // revoked
    tx.put_user(bob);
    tx.put_user({"carol", Role::kUser, "", 3000});  // two revoked users at once
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_EQ(tx.count_users(), 3);
    auto alice = tx.find_user_by_token_hash("hash-a");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->name, "alice");
    EXPECT_EQ(alice->role, Role::kAdmin);
    EXPECT_EQ(alice->created_at, 1000);
    EXPECT_FALSE(tx.find_user_by_token_hash("hash-b"));
    EXPECT_TRUE(tx.find_user("bob")->revoked());
    auto users = tx.list_users();
    ASSERT_EQ(users.size(), 3u);
    EXPECT_EQ(users[0].name, "alice");
    EXPECT_EQ(users[2].name, "carol");
  });
}

TEST_P(StoreConformance, a_job_that_undoes_is_done_and_a_job_that_throws_failed_and_neither_writes) {
  std::promise<bool> undone, thrown;
  store_->write(
      [](Tx& tx) {
        tx.insert_task(make_task("undone"));
        return false;
      },
      [&](Store::WriteOutcome o) { undone.set_value(o == Store::WriteOutcome::kCommitted); });
  store_->write(
      [](Tx& tx) -> bool {
        tx.insert_task(make_task("thrown"));
        throw std::runtime_error("a bug");
      },
      [&](Store::WriteOutcome o) { thrown.set_value(o == Store::WriteOutcome::kCommitted); });
  EXPECT_TRUE(undone.get_future().get());  // carried out; its writes undone by its own choice
  EXPECT_FALSE(thrown.get_future().get());
  EXPECT_FALSE(write([](Tx& tx) {
    tx.insert_task(make_task("dup"));
    tx.insert_task(make_task("dup"));  // a store error inside a job fails the job
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_FALSE(tx.get_task("undone"));
    EXPECT_FALSE(tx.get_task("thrown"));
    EXPECT_FALSE(tx.get_task("dup"));
  });
}

// The error leaves the job through ~Savepoint, which must not throw (PostgreSQL's transaction is
// dead by then; sqlite_store_test.cc has SQLite cancelling its own).
TEST_P(StoreConformance, a_store_error_inside_a_savepoint_fails_the_job_and_the_store_goes_on) {
  EXPECT_FALSE(write([](Tx& tx) {
    Savepoint request(tx, "request");
    tx.insert_task(make_task("dup"));
    tx.insert_task(make_task("dup"));
    return true;
  }));
  EXPECT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("after"));
    return true;
  }));
  read([](Tx& tx) {
    EXPECT_FALSE(tx.get_task("dup"));
    EXPECT_TRUE(tx.get_task("after"));
  });
}

TEST_P(StoreConformance, a_reopened_store_keeps_everything_and_its_schema) {
  ASSERT_TRUE(write([](Tx& tx) {
    tx.insert_task(make_task("t"));
    record_change(tx, "t", 1, ChangeType::kCreated);
    return true;
  }));
  store_->stop();
  store_ = open(url_);
  read([](Tx& tx) {
    EXPECT_TRUE(tx.get_task("t"));
    EXPECT_EQ(tx.latest_revision(), 1);
  });
  EXPECT_EQ(store_->pending_writes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_test_name);

}  // namespace
}  // namespace lockstep::testing
