// The retry strategy of lockstep::Client (RetryPolicy) against the real lockstepd started with a
// tiny --rate-limit: Retry-After is waited out, a write retried after 429 is applied once, a
// Retry-After past the budget ends the call, and conflicts are never sent twice. The server's
// /metrics says what it answered. (client_retry_test.cc covers what only a scripted server can
// do: 503 then a dropped connection, the headers of each attempt.)
#include <chrono>

#include "client_fixture.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using RateLimited = ClientTest;

const std::string kPost = "method=\"POST\"";
const std::string kTasks = "route=\"/v1/tasks\"";

// Spends alice's only token and returns the Retry-After of the 429 that follows.
std::chrono::seconds drain(ApiClient probe) {
  EXPECT_EQ(probe.get("/v1/tasks").status, 200);
  auto refused = probe.get("/v1/tasks");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.str("code"), "RATE_LIMITED");
  return std::chrono::seconds(std::stoi(refused.header("Retry-After")));
}

TEST_F(RateLimited, a_write_refused_429_waits_out_retry_after_and_is_applied_once) {
  start({"--rate-limit", "1/1"});
  const auto retry_after = drain(alice());
  ASSERT_GE(retry_after, 1s);
  const auto started = Clock::now();
  auto created = alice_client().create_task(sample_task());
  const auto waited = Clock::now() - started;
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_GE(waited, retry_after);
  EXPECT_LT(waited, retry_after + 5s);
  EXPECT_GE(served({kTasks, kPost, "status=\"429\""}), 1);  // the first try was refused
  EXPECT_EQ(served({kTasks, kPost, "status=\"201\""}), 1);
  EXPECT_EQ(admin_client().list_all_tasks()->size(), 1u);  // admin has a bucket of its own
}

TEST_F(RateLimited, a_repeated_write_refused_429_gets_the_stored_answer_after_the_wait) {
  start({"--rate-limit", "1/1"});
  WriteOptions once;
  once.idempotency_key = "create-once";
  auto first = alice_client().create_task(sample_task(), once);  // spends the only token
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  auto again = alice_client().create_task(sample_task(), once);  // 429, then retried with the key
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->task_id, first->task_id);
  EXPECT_EQ(again.reply().header("Idempotent-Replayed"), "true");
  EXPECT_GE(served({kTasks, kPost, "status=\"429\""}), 1);
  EXPECT_EQ(admin_client().list_all_tasks()->size(), 1u);
}

TEST_F(RateLimited, a_retry_after_past_the_budget_ends_the_call_at_once_with_the_429) {
  start({"--rate-limit", "0.1/1"});  // one request, then Retry-After: 10
  ASSERT_EQ(drain(alice()), 10s);
  ClientOptions o;
  o.url = url();
  o.token = alice_token_;
  o.retry.budget = 2s;
  Client client(o);
  const auto started = Clock::now();
  auto r = client.get_task("t1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 429);
  EXPECT_EQ(r.error().code, "RATE_LIMITED");
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().retry_after, 10s);
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_EQ(served({"route=\"/v1/tasks/{id}\"", "method=\"GET\""}), 1);  // sent once
}

TEST_F(RateLimited, conflicts_are_final_answers_and_are_sent_once) {
  auto t = alice_client().create_task(sample_task()).value();
  WriteOptions stale;
  stale.if_match = "\"0-0\"";
  TaskPatch p;
  p.title = "never";
  auto r = alice_client().patch_task(t.task_id, p, stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 412);
  EXPECT_EQ(r.error().current_etag, t.etag);
  EXPECT_EQ(served({"route=\"/v1/tasks/{id}\"", "method=\"PATCH\""}), 1);
}

}  // namespace
}  // namespace lockstep::testing
