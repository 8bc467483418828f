// lockstep::Client against the real lockstepd: batches (§6), the change feed and history (§8),
// products (§9), users and health.
#include <latch>
#include <mutex>
#include <stop_token>
#include <thread>

#include "client_fixture.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;
using Routes = ClientTest;

TEST_F(Routes, atomic_batch_applies_all_or_reports_each_failure) {
  auto a = alice_client().create_task(sample_task()).value();
  TaskPatch p;
  p.warning_offset = 10;
  auto ok = alice_client().batch(
      {BatchOperation::create(sample_task("bob", "b")), BatchOperation::update(a.task_id, p).with_if_match(a.etag)});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_EQ(ok->results.size(), 2u);
  EXPECT_EQ(ok->results[0].status, 201);
  EXPECT_EQ(ok->results[1].task->warning_offset, 10);

  auto aborted = alice_client().batch(
      {BatchOperation::create(sample_task("bob", "c")), BatchOperation::update(a.task_id, p).with_if_match(a.etag)});
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code, "BATCH_ABORTED");
  const auto& results = aborted.error().results;
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, 424);
  EXPECT_EQ(results[1].code, "PRECONDITION_FAILED");
}

TEST_F(Routes, non_atomic_batch_counts_successes_and_failures) {
  auto r = alice_client().batch({BatchOperation::create(sample_task()), BatchOperation::remove("missing")}, false);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->successful, 1);
  EXPECT_EQ(r->failed, 1);
  EXPECT_EQ(r->all_succeeded, false);
  EXPECT_EQ(r->results[1].status, 404);
}

TEST_F(Routes, batch_merges_a_stale_expected_version_on_request_and_refuses_it_otherwise) {
  auto a = alice_client().create_task(sample_task()).value();
  TaskPatch theirs;
  theirs.title = "by bob";
  ASSERT_TRUE(bob_client().patch_task(a.task_id, theirs));
  TaskPatch mine;
  mine.warning_offset = 7;

  auto refused = alice_client().batch({BatchOperation::update(a.task_id, mine).with_expected_version(1)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "BATCH_ABORTED");
  const auto& results = refused.error().results;
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].code, "VERSION_CONFLICT");

  auto merged = alice_client().batch({BatchOperation::update(a.task_id, mine).with_expected_version(1)}, true, true);
  ASSERT_TRUE(merged.ok()) << merged.error().to_string();
  ASSERT_EQ(merged->results.size(), 1u);
  ASSERT_TRUE(merged->results[0].task);
  EXPECT_EQ(merged->results[0].task->title, "by bob");
  EXPECT_EQ(merged->results[0].task->warning_offset, 7);
  EXPECT_EQ(merged->results[0].task->version, 3);
}

TEST_F(Routes, batch_text_sends_the_callers_body_as_it_is) {
  auto a = alice_client().create_task(sample_task()).value();
  namespace json = boost::json;
  json::object del{{"op", "delete"}, {"taskId", a.task_id}, {"ifMatch", a.etag}};
  auto r =
      alice_client().batch_text(json::serialize(json::object{{"atomic", false}, {"operations", json::array{del}}}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->successful, 1);
  EXPECT_EQ(r->all_succeeded, true);
  EXPECT_EQ(alice_client().get_task(a.task_id).error().status, 404);

  auto bad = alice_client().batch_text(
      json::serialize(json::object{{"operations", json::array{json::object{{"op", "explode"}}}}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 400);
  EXPECT_EQ(bad.error().code, "VALIDATION_FAILED");
  ASSERT_FALSE(bad.error().errors.empty());
  EXPECT_EQ(bad.error().errors[0].field, "operations[0].op");
}

TEST_F(Routes, reassign_moves_every_task_of_a_user) {
  ASSERT_TRUE(alice_client().create_task(sample_task("carol")));
  ASSERT_TRUE(alice_client().create_task(sample_task("carol")));
  auto r = alice_client().reassign("carol", "dave");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reassigned, 2);
  EXPECT_EQ(r->task_ids.size(), 2u);
}

TEST_F(Routes, changes_and_versions_tell_the_history) {
  auto t = alice_client().create_task(sample_task()).value();
  TaskPatch p;
  p.title = "second";
  ASSERT_TRUE(bob_client().patch_task(t.task_id, p));
  ASSERT_TRUE(bob_client().delete_task(t.task_id));

  auto page = alice_client().changes(0);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes.size(), 3u);
  EXPECT_EQ(page->changes[0].type, "created");
  EXPECT_EQ(page->changes[1].by, "bob");
  EXPECT_EQ(page->changes[2].type, "deleted");
  EXPECT_FALSE(page->changes[2].task);
  EXPECT_EQ(page->last_revision, page->changes[2].revision);

  auto t2 = alice_client().create_task(sample_task()).value();
  ASSERT_TRUE(alice_client().patch_task(t2.task_id, p));
  auto versions = alice_client().versions(t2.task_id);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ((*versions)[0].task.title, "second");
}

TEST_F(Routes, a_long_poll_returns_when_nothing_changes) {
  auto page = alice_client().changes(0, 10, 1s);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->changes.empty());
}

TEST_F(Routes, follow_delivers_every_change_in_order_and_resumes) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(alice_client().create_task(sample_task()));
  std::int64_t since = 0;
  std::vector<std::int64_t> seen;
  auto r = alice_client().follow(since, [&](const Change& c) {
    seen.push_back(c.revision);
    return seen.size() < 2;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(since, seen.back());
  FollowOptions o;
  o.wait = 1s;
  std::stop_source stop;
  o.stop = stop.get_token();
  r = alice_client().follow(
      since,
      [&](const Change& c) {
        seen.push_back(c.revision);
        if (seen.size() == 3) stop.request_stop();
        return true;
      },
      o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_LT(seen[0], seen[1]);
  EXPECT_LT(seen[1], seen[2]);
}

TEST_F(Routes, follow_from_an_expired_position_lists_again) {
  start({"--retain-changes", "2"});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(alice_client().create_task(sample_task()));
  std::int64_t since = 0;
  FollowOptions o;
  std::size_t listed = 0;
  std::int64_t resumed_at = -1;
  o.on_resync = [&](const std::vector<Task>& tasks, std::int64_t revision) {
    listed = tasks.size();
    resumed_at = revision;
    return false;
  };
  auto r = alice_client().follow(
      since, [](const Change&) { return true; }, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(listed, 4u);
  EXPECT_EQ(resumed_at, 4);
  EXPECT_EQ(since, 4);
}

TEST_F(Routes, stream_changes_pushes_each_change_and_stops_on_request) {
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(alice_client().create_task(sample_task()));
  std::vector<Change> seen;
  auto r = alice_client().stream_changes(0, [&](const Change& c) {
    seen.push_back(c);
    return seen.size() < 2;
  });
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, "created");
  EXPECT_LT(seen[0].revision, seen[1].revision);

  // A follower blocked on an idle stream is stopped from another thread at once.
  const std::int64_t now = alice_client().list_tasks()->revision;
  // The follower stops on its own thread's token, which the jthread requests on every way out of
  // the test (an ASSERT returning early included), and the latch is counted down once, by the
  // first change or by the follower's end, so that neither side waits for the other forever.
  std::latch got_one(1);
  std::once_flag counted;
  auto count_once = [&] { std::call_once(counted, [&] { got_one.count_down(); }); };
  std::optional<Result<Done>> ended;
  std::jthread follower([&](std::stop_token stop) {
    ended = alice_client().stream_changes(
        now,
        [&](const Change&) {
          count_once();
          return true;
        },
        stop);
    count_once();
  });
  ASSERT_TRUE(bob_client().create_task(sample_task()));
  got_one.wait();
  follower.request_stop();
  follower.join();
  ASSERT_TRUE(ended && ended->ok());
}

TEST_F(Routes, stream_changes_from_an_expired_position_is_410) {
  start({"--retain-changes", "2"});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(alice_client().create_task(sample_task()));
  auto r = alice_client().stream_changes(0, [](const Change&) { return true; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 410);
  EXPECT_EQ(r.error().code, "CURSOR_EXPIRED");
}

TEST_F(Routes, products_are_created_read_patched_and_bought) {
  auto p = alice_client().create_product({"Last ticket", 1, 25});
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->stock, 1);
  EXPECT_DOUBLE_EQ(p->price, 25);
  EXPECT_EQ(bob_client().get_product(p->product_id)->name, "Last ticket");
  EXPECT_EQ(bob_client().list_products(10)->products.size(), 1u);

  ProductPatch rename;
  rename.name = "Final ticket";
  WriteOptions w;
  w.if_match = p->etag;
  auto renamed = alice_client().patch_product(p->product_id, rename, w);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(alice_client().patch_product(p->product_id, rename, w).error().status, 412);

  auto bought = bob_client().purchase(p->product_id, 1);
  ASSERT_TRUE(bought.ok()) << bought.error().to_string();
  EXPECT_EQ(bought->purchased, 1);
  EXPECT_EQ(bought->product.stock, 0);
  auto none_left = alice_client().purchase(p->product_id, 1);
  ASSERT_FALSE(none_left.ok());
  EXPECT_EQ(none_left.error().code, "OUT_OF_STOCK");
  EXPECT_EQ(none_left.error().available, 0);

  auto restocked = alice_client().set_stock(p->product_id, 5, bought->product.version);
  ASSERT_TRUE(restocked.ok()) << restocked.error().to_string();
  EXPECT_EQ(restocked->stock, 5);
  EXPECT_EQ(alice_client().set_stock(p->product_id, 6, bought->product.version).error().status, 409);
  EXPECT_TRUE(alice_client().delete_product(p->product_id).ok());
  EXPECT_EQ(alice_client().get_product(p->product_id).error().status, 404);
}

TEST_F(Routes, admins_manage_users) {
  auto made = admin_client().create_user("erin");
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  EXPECT_TRUE(made->token.starts_with("lst_"));
  EXPECT_EQ(client_for(made->token)->list_tasks().status(), 200);
  auto users = admin_client().list_users();
  ASSERT_TRUE(users.ok());
  EXPECT_GE(users->size(), 4u);
  EXPECT_TRUE(admin_client().revoke_user("erin").ok());
  EXPECT_EQ(client_for(made->token)->list_tasks().error().status, 401);
  EXPECT_EQ(alice_client().list_users().error().status, 403);
}

TEST_F(Routes, health_and_readiness) {
  EXPECT_TRUE(client_for("")->healthz().ok());
  EXPECT_TRUE(alice_client().readyz().ok());
}

}  // namespace
}  // namespace lockstep::testing
