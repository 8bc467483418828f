// lockstep::Client against the real lockstepd: task calls, preconditions, errors as values, and
// the update() loop (API.md §3, §4).
#include <atomic>
#include <barrier>
#include <functional>
#include <set>
#include <thread>

#include "client_fixture.h"

namespace lockstep::testing {
namespace {

using TaskCalls = ClientTest;

TEST_F(TaskCalls, create_get_and_head_agree_on_the_etag) {
  auto created = alice_client().create_task(sample_task());
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created.status(), 201);
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->updated_by, "alice");
  EXPECT_EQ(created.reply().header("ETag"), created->etag);

  auto got = bob_client().get_task(created->task_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, "Ship v1");
  EXPECT_EQ(got->warning_offset, 30);
  auto etag = bob_client().task_etag(created->task_id);
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(*etag, created->etag);
}

TEST_F(TaskCalls, missing_task_is_a_not_found_error_value) {
  auto got = alice_client().get_task("nope");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().status, 404);
  EXPECT_EQ(got.error().code, "NOT_FOUND");
  EXPECT_FALSE(got.error().detail.empty());
  EXPECT_THROW(got.value(), ApiError);
}

TEST_F(TaskCalls, validation_errors_name_every_field) {
  TaskFields bad = sample_task();
  bad.title = "";
  bad.warning_offset = -1;
  auto r = alice_client().create_task(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().code, "VALIDATION_FAILED");
  std::set<std::string> fields;
  for (const auto& e : r.error().errors) fields.insert(e.field);
  EXPECT_TRUE(fields.contains("taskTitle"));
  EXPECT_TRUE(fields.contains("warningOffset"));
}

TEST_F(TaskCalls, wrong_token_is_unauthenticated) {
  auto r = client_for("lst_wrong")->list_tasks();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(r.error().code, "UNAUTHENTICATED");
}

TEST_F(TaskCalls, list_filters_and_pages) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(alice_client().create_task(sample_task("alice", "a" + std::to_string(i))));
  ASSERT_TRUE(alice_client().create_task(sample_task("bob", "b")));
  TaskQuery q;
  q.user_id = "alice";
  q.limit = 2;
  auto first = alice_client().list_tasks(q);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->tasks.size(), 2u);
  ASSERT_TRUE(first->next_page_token);
  EXPECT_GT(first->revision, 0);
  q.page_token = first->next_page_token;
  auto second = alice_client().list_tasks(q);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tasks.size(), 1u);
  EXPECT_FALSE(second->next_page_token);

  q = {};
  q.limit = 1;
  auto all = alice_client().list_all_tasks(q);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
  TaskQuery blocked;
  blocked.status = TaskStatus::kBlocked;
  EXPECT_TRUE(alice_client().list_tasks(blocked)->tasks.empty());
}

TEST_F(TaskCalls, stale_if_match_returns_412_with_current_and_its_etag) {
  auto t = alice_client().create_task(sample_task()).value();
  WriteOptions w;
  w.if_match = t.etag;
  TaskPatch blocked;
  blocked.status = TaskStatus::kBlocked;
  auto won = alice_client().patch_task(t.task_id, blocked, w);
  ASSERT_TRUE(won.ok());
  EXPECT_EQ(won->version, 2);

  TaskPatch done;
  done.status = TaskStatus::kCompleted;
  auto lost = bob_client().patch_task(t.task_id, done, w);
  ASSERT_FALSE(lost.ok());
  const Error& e = lost.error();
  EXPECT_EQ(e.status, 412);
  EXPECT_EQ(e.code, "PRECONDITION_FAILED");
  EXPECT_TRUE(e.is_conflict());
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.current_version, 2);
  EXPECT_EQ(e.current_etag, won->etag);
  ASSERT_TRUE(e.current);
  EXPECT_EQ(e.current->status, TaskStatus::kBlocked);
  EXPECT_EQ(e.current->etag, won->etag);
  EXPECT_NE(e.current_json.find("\"taskStatus\":\"BLOCKED\""), std::string::npos);
}

TEST_F(TaskCalls, if_match_quotes_are_optional) {
  auto t = alice_client().create_task(sample_task()).value();
  WriteOptions w;
  w.if_match = t.etag.substr(1, t.etag.size() - 2);
  TaskPatch p;
  p.title = "unquoted";
  EXPECT_TRUE(alice_client().patch_task(t.task_id, p, w).ok());
}

TEST_F(TaskCalls, stale_expected_version_is_409_version_conflict) {
  auto t = alice_client().create_task(sample_task()).value();
  TaskPatch p;
  p.title = "second";
  ASSERT_TRUE(alice_client().patch_task(t.task_id, p));
  WriteOptions w;
  w.expected_version = 1;
  auto r = bob_client().patch_task(t.task_id, p, w);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 409);
  EXPECT_EQ(r.error().code, "VERSION_CONFLICT");
  EXPECT_EQ(r.error().current_version, 2);
}

TEST_F(TaskCalls, put_replaces_and_creates_with_the_callers_id) {
  auto made = alice_client().create_task_with_id("my-id", sample_task());
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  EXPECT_EQ(made.status(), 201);
  EXPECT_EQ(alice_client().create_task_with_id("my-id", sample_task()).error().status, 412);

  TaskFields f = sample_task("bob", "replaced");
  f.status = TaskStatus::kInProgress;
  WriteOptions w;
  w.if_match = made->etag;
  auto replaced = alice_client().replace_task("my-id", f, w);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->user_id, "bob");
  EXPECT_EQ(replaced->status, TaskStatus::kInProgress);
  EXPECT_EQ(replaced->version, 2);
}

TEST_F(TaskCalls, delete_honours_its_precondition) {
  auto t = alice_client().create_task(sample_task()).value();
  WriteOptions stale;
  stale.expected_version = 7;
  EXPECT_EQ(alice_client().delete_task(t.task_id, stale).error().code, "VERSION_CONFLICT");
  WriteOptions fresh;
  fresh.if_match = t.etag;
  auto gone = alice_client().delete_task(t.task_id, fresh);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone.status(), 204);
  EXPECT_EQ(alice_client().get_task(t.task_id).error().status, 404);
}

TEST_F(TaskCalls, server_merges_a_stale_write_of_untouched_fields) {
  auto t = alice_client().create_task(sample_task()).value();
  TaskPatch theirs;
  theirs.title = "theirs";
  ASSERT_TRUE(bob_client().patch_task(t.task_id, theirs));

  WriteOptions w;
  w.if_match = t.etag;
  w.merge = true;
  TaskPatch mine;
  mine.warning_offset = 5;
  auto merged = alice_client().patch_task(t.task_id, mine, w);
  ASSERT_TRUE(merged.ok()) << merged.error().to_string();
  EXPECT_EQ(merged.reply().header("Preference-Applied"), "conflict=merge");
  EXPECT_EQ(merged->title, "theirs");
  EXPECT_EQ(merged->warning_offset, 5);

  TaskPatch clash;
  clash.title = "mine";
  auto refused = alice_client().patch_task(t.task_id, clash, w);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "MERGE_CONFLICT");
  ASSERT_EQ(refused.error().conflicts.size(), 1u);
  EXPECT_EQ(refused.error().conflicts[0].field, "taskTitle");
  EXPECT_EQ(refused.error().conflicts[0].theirs, "\"theirs\"");  // JSON text
  EXPECT_EQ(refused.error().conflicts[0].yours, "\"mine\"");
}

TEST_F(TaskCalls, a_repeated_idempotency_key_replays_the_first_answer) {
  WriteOptions w;
  w.idempotency_key = "create-once";
  auto first = alice_client().create_task(sample_task(), w);
  auto again = alice_client().create_task(sample_task(), w);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->task_id, first->task_id);
  EXPECT_EQ(again.reply().header("Idempotent-Replayed"), "true");
  EXPECT_EQ(alice_client().list_all_tasks()->size(), 1u);
}

TEST_F(TaskCalls, update_applies_fn_and_writes_only_what_changed) {
  auto t = alice_client().create_task(sample_task()).value();
  auto r = alice_client().update(t.task_id, [](Task& x) { x.description = "more"; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->description, "more");
  EXPECT_EQ(r->version, 2);
  auto same = alice_client().update(t.task_id, [](Task&) {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 2);  // nothing to write, nothing written
}

const std::string kTaskRoute = "route=\"/v1/tasks/{id}\"";
const std::string kGet = "method=\"GET\"";
const std::string kPatch = "method=\"PATCH\"";

TEST_F(TaskCalls, update_redoes_fn_on_the_state_a_412_carries_without_another_get) {
  auto t = alice_client().create_task(sample_task()).value();
  const auto gets_before = served({kTaskRoute, kGet});
  int runs = 0;
  auto r = alice_client().update(t.task_id, [&](Task& x) {
    if (runs++ == 0) {  // someone else writes between our read and our write
      TaskPatch p;
      p.title = "by bob";
      ASSERT_TRUE(bob_client().patch_task(t.task_id, p));
    }
    x.warning_offset += 1;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(r->title, "by bob");
  EXPECT_EQ(r->warning_offset, 31);
  // What the server served: one read (the first), alice's 412, bob's write and alice's retry.
  EXPECT_EQ(served({kTaskRoute, kGet}) - gets_before, 1);
  EXPECT_EQ(served({kTaskRoute, kPatch, "status=\"412\""}), 1);
  EXPECT_EQ(served({kTaskRoute, kPatch, "status=\"200\""}), 2);
}

// fn for update(): on its first run bob changes `bob_sets` first; then it sets the status.
std::function<void(Task&)> racing_bob(Client& bob, const std::string& id, const TaskPatch& bob_sets, int& runs) {
  return [&bob, id, bob_sets, &runs](Task& x) {
    if (runs++ == 0) {
      ASSERT_TRUE(bob.patch_task(id, bob_sets));
    }
    x.title = x.title == "Ship v1" ? "by alice" : x.title + " and alice";
  };
}

TEST_F(TaskCalls, update_with_merge_lets_the_server_merge_a_race_on_other_fields) {
  auto t = alice_client().create_task(sample_task()).value();
  TaskPatch bob_sets;
  bob_sets.status = TaskStatus::kBlocked;
  int runs = 0;
  UpdateOptions merge;
  merge.merge = true;
  auto r = alice_client().update(t.task_id, racing_bob(bob_client(), t.task_id, bob_sets, runs), merge);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(runs, 1);  // merged by the server: fn ran once, no 412
  EXPECT_EQ(r.reply().header("Preference-Applied"), "conflict=merge");
  EXPECT_EQ(r->title, "by alice");
  EXPECT_EQ(r->status, TaskStatus::kBlocked);
  EXPECT_EQ(r->version, 3);
  EXPECT_EQ(served({kTaskRoute, kPatch, "status=\"412\""}), 0);
}

TEST_F(TaskCalls, update_with_merge_redoes_fn_on_the_current_state_of_a_merge_conflict) {
  auto t = alice_client().create_task(sample_task()).value();
  TaskPatch bob_sets;
  bob_sets.title = "by bob";
  int runs = 0;
  UpdateOptions merge;
  merge.merge = true;
  const auto gets_before = served({kTaskRoute, kGet});
  auto r = alice_client().update(t.task_id, racing_bob(bob_client(), t.task_id, bob_sets, runs), merge);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(runs, 2);  // 409 MERGE_CONFLICT carried `current`; fn ran again on it
  EXPECT_EQ(r->title, "by bob and alice");
  EXPECT_EQ(r->version, 3);
  EXPECT_EQ(served({kTaskRoute, kPatch, "status=\"409\""}), 1);
  EXPECT_EQ(served({kTaskRoute, kGet}) - gets_before, 1);
}

TEST_F(TaskCalls, update_gives_up_after_its_deadline_with_the_last_conflict) {
  auto t = alice_client().create_task(sample_task()).value();
  UpdateOptions no_time;
  no_time.deadline = std::chrono::milliseconds(0);
  int runs = 0;
  auto r = alice_client().update(
      t.task_id,
      [&](Task& x) {
        ++runs;
        TaskPatch p;
        p.description = x.description + "!";
        ASSERT_TRUE(bob_client().patch_task(t.task_id, p));
        x.warning_offset += 1;
      },
      no_time);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 412);
  EXPECT_EQ(runs, 1);  // the one write is always tried; no second one past the deadline
}

// `threads` threads, started together by a barrier, each doing `increments` update() increments
// of one task's counter with the default options: every one must succeed (none gives up under
// contention), and the task ends with exactly that many more versions and increments.
void expect_contended_updates_all_succeed(Client& shared, int threads, int increments) {
  auto t = shared.create_task(sample_task()).value();
  std::barrier start(threads);
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&] {
        start.arrive_and_wait();
        for (int n = 0; n < increments; ++n) {
          if (!shared.update(t.task_id, [](Task& x) { x.warning_offset += 1; })) ++failures;
        }
      });
    }
  }  // joins
  EXPECT_EQ(failures.load(), 0);
  auto final_state = shared.get_task(t.task_id);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(final_state->warning_offset, 30 + threads * increments);
  EXPECT_EQ(final_state->version, 1 + threads * increments);
}

TEST_F(TaskCalls, update_from_2_threads_x_200_all_succeed_with_default_options) {
  expect_contended_updates_all_succeed(alice_client(), 2, 200);
}

TEST_F(TaskCalls, update_from_16_threads_x_50_all_succeed_with_default_options) {
  expect_contended_updates_all_succeed(alice_client(), 16, 50);
}

}  // namespace
}  // namespace lockstep::testing
