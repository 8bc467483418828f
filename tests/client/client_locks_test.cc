// Locks (API.md §5) through lockstep::Client and LockGuard, against the real lockstepd.
#include <chrono>
#include <future>

#include "client_fixture.h"
#include "lockstep/lock_guard.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;
using Locks = ClientTest;
using Clock = std::chrono::steady_clock;

TEST_F(Locks, acquire_show_and_release) {
  auto t = alice_client().create_task(sample_task()).value();
  auto lock = alice_client().acquire_lock(t.task_id, 30s);
  ASSERT_TRUE(lock.ok()) << lock.error().to_string();
  EXPECT_EQ(lock->owner, "alice");
  EXPECT_GT(lock->token, 0);
  EXPECT_EQ(lock.reply().header("Lock-Token"), std::to_string(lock->token));

  auto shown = bob_client().get_lock(t.task_id);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->token, lock->token);

  auto refused = bob_client().acquire_lock(t.task_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 423);
  ASSERT_TRUE(refused.error().lock);
  EXPECT_EQ(refused.error().lock->owner, "alice");
  EXPECT_TRUE(refused.error().retry_after);

  EXPECT_EQ(bob_client().release_lock(t.task_id).error().code, "NOT_LOCK_OWNER");
  EXPECT_TRUE(alice_client().release_lock(t.task_id).ok());
  EXPECT_EQ(alice_client().get_lock(t.task_id).error().status, 404);
}

TEST_F(Locks, an_admin_may_break_a_lock) {
  auto t = alice_client().create_task(sample_task()).value();
  ASSERT_TRUE(alice_client().acquire_lock(t.task_id));
  EXPECT_EQ(bob_client().release_lock(t.task_id, true).error().status, 403);
  EXPECT_TRUE(admin_client().release_lock(t.task_id, true).ok());
}

TEST_F(Locks, guard_writes_with_its_token_and_keeps_others_out) {
  auto t = alice_client().create_task(sample_task()).value();
  {
    auto guard = LockGuard::acquire(alice_client(), t.task_id);
    ASSERT_TRUE(guard.ok()) << guard.error().to_string();
    EXPECT_TRUE(guard->held());
    TaskPatch p;
    p.title = "under lock";
    auto written = guard->patch(p);
    ASSERT_TRUE(written.ok()) << written.error().to_string();
    EXPECT_EQ(written->title, "under lock");
    auto updated = guard->update([](Task& x) { x.warning_offset = 1; });
    ASSERT_TRUE(updated.ok()) << updated.error().to_string();

    auto blocked = bob_client().patch_task(t.task_id, p);
    ASSERT_FALSE(blocked.ok());
    EXPECT_EQ(blocked.error().status, 423);
  }
  // The guard released the lock at the end of its scope.
  EXPECT_EQ(alice_client().get_lock(t.task_id).error().status, 404);
  TaskPatch p;
  p.title = "free again";
  EXPECT_TRUE(bob_client().patch_task(t.task_id, p).ok());
}

TEST_F(Locks, guard_renews_before_the_lease_runs_out) {
  auto t = alice_client().create_task(sample_task()).value();
  LockOptions o;
  o.ttl = 1s;
  auto guard = LockGuard::acquire(alice_client(), t.task_id, o);
  ASSERT_TRUE(guard.ok());
  const Lock first = guard->lock();
  // Wait for the renewal to show in the store (a third of the TTL), bounded.
  const auto deadline = Clock::now() + 10s;
  Lock seen = first;
  while (seen.expires_at == first.expires_at && Clock::now() < deadline)
    seen = bob_client().get_lock(t.task_id).value();
  EXPECT_GT(seen.expires_at, first.expires_at);
  EXPECT_EQ(seen.token, first.token);  // a renewal keeps the fencing token
  EXPECT_TRUE(guard->held());
}

TEST_F(Locks, a_lost_lock_is_reported_and_no_write_goes_on) {
  auto t = alice_client().create_task(sample_task()).value();
  std::atomic<int> lost_calls{0};
  LockOptions o;
  o.on_lost = [&](const Error&) { ++lost_calls; };
  auto guard = LockGuard::acquire(alice_client(), t.task_id, o);
  ASSERT_TRUE(guard.ok());
  ASSERT_TRUE(admin_client().release_lock(t.task_id, true));
  ASSERT_TRUE(bob_client().acquire_lock(t.task_id));

  TaskPatch p;
  p.title = "stale holder";
  auto fenced = guard->patch(p);
  ASSERT_FALSE(fenced.ok());
  EXPECT_EQ(fenced.error().status, 423);
  EXPECT_FALSE(guard->held());
  ASSERT_TRUE(guard->lost_reason());

  auto refused = guard->patch(p);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kLockLost);
  EXPECT_EQ(refused.error().status, 0);  // never sent
  EXPECT_EQ(lost_calls.load(), 1);
  EXPECT_EQ(alice_client().get_task(t.task_id)->title, "Ship v1");
  EXPECT_EQ(guard->release().error().code, kLockLost);  // bob's lock is left alone
  EXPECT_EQ(bob_client().get_lock(t.task_id)->owner, "bob");
}

TEST_F(Locks, guard_keeps_its_lock_through_three_ttls_by_renewing) {
  auto t = alice_client().create_task(sample_task()).value();
  LockOptions o;
  o.ttl = 2s;
  auto guard = LockGuard::acquire(alice_client(), t.task_id, o);
  ASSERT_TRUE(guard.ok()) << guard.error().to_string();
  const std::int64_t token = guard->token();
  const auto until = Clock::now() + 3 * o.ttl + 500ms;
  int rounds = 0;
  for (; Clock::now() < until && rounds < 20; ++rounds) {
    TaskPatch mine;
    mine.warning_offset = rounds;
    auto written = guard->patch(mine);
    ASSERT_TRUE(written.ok()) << "round " << rounds << ": " << written.error().to_string();
    // Bob asks for the lock, waiting a second on the server each round (that paces the loop):
    // refused each time, and so is his write.
    auto refused = bob_client().acquire_lock(t.task_id, 2s, 1s);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 423);
    TaskPatch theirs;
    theirs.title = "bob";
    EXPECT_EQ(bob_client().patch_task(t.task_id, theirs).error().status, 423);
  }
  EXPECT_GE(rounds, 4);
  EXPECT_TRUE(guard->held());
  EXPECT_EQ(guard->token(), token);  // renewed, never granted anew
  auto now = alice_client().get_task(t.task_id).value();
  EXPECT_EQ(now.title, "Ship v1");
  EXPECT_EQ(now.version, 1 + rounds);
}

TEST_F(Locks, a_guard_whose_lock_an_admin_broke_notices_at_its_next_renewal_and_writes_nothing) {
  auto t = alice_client().create_task(sample_task()).value();
  std::promise<Error> lost;
  LockOptions o;
  o.ttl = 2s;
  o.on_lost = [&](const Error& e) { lost.set_value(e); };
  auto guard = LockGuard::acquire(alice_client(), t.task_id, o);
  ASSERT_TRUE(guard.ok());
  ASSERT_TRUE(admin_client().release_lock(t.task_id, true));
  auto reported = lost.get_future();
  ASSERT_EQ(reported.wait_for(10s), std::future_status::ready);  // a renewal comes every ttl/3
  EXPECT_EQ(reported.get().code, kLockLost);
  EXPECT_FALSE(guard->held());
  ASSERT_TRUE(guard->lost_reason());

  const std::vector<std::string> patches{"route=\"/v1/tasks/{id}\"", "method=\"PATCH\""};
  const auto sent_before = served(patches);
  TaskPatch p;
  p.title = "after the break";
  auto refused = guard->patch(p);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kLockLost);
  EXPECT_EQ(served(patches), sent_before);  // refused here, never sent
  EXPECT_EQ(alice_client().get_task(t.task_id)->version, 1);
  // The renewal that found the lock gone was granted a new one; the guard gave it back.
  EXPECT_EQ(bob_client().get_lock(t.task_id).error().status, 404);
  EXPECT_TRUE(bob_client().patch_task(t.task_id, p).ok());
}

TEST_F(Locks, guard_acquire_waits_for_a_lock_to_expire) {
  auto t = alice_client().create_task(sample_task()).value();
  ASSERT_TRUE(bob_client().acquire_lock(t.task_id, 1s));
  LockOptions o;
  o.wait = 10s;
  auto guard = LockGuard::acquire(alice_client(), t.task_id, o);
  ASSERT_TRUE(guard.ok()) << guard.error().to_string();
  EXPECT_EQ(guard->lock().owner, "alice");
}

TEST_F(Locks, guard_acquire_without_wait_reports_the_holder) {
  auto t = alice_client().create_task(sample_task()).value();
  ASSERT_TRUE(bob_client().acquire_lock(t.task_id));
  auto guard = LockGuard::acquire(alice_client(), t.task_id);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().status, 423);
  EXPECT_EQ(guard.error().lock->owner, "bob");
}

}  // namespace
}  // namespace lockstep::testing
