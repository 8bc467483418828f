// The retry strategy of lockstep::Client (RetryPolicy), against a scripted server, for what the
// real lockstepd cannot be made to do on cue: a 503 followed by a dropped connection, and the
// headers of each attempt. Retry-After, the budget and final answers are tested against the real
// server in client_rate_limit_test.cc.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_server.h"
#include "lockstep/client.h"

namespace lockstep::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kTaskBody =
    R"({"taskId":"t1","userId":"alice","taskTitle":"x","dueDate":"2099-01-01T00:00:00.000Z","warningOffset":0,)"
    R"("taskStatus":"NOT_STARTED","version":1,"eTag":"\"1-1\""})";

std::string overloaded(const std::string& retry_after) {
  return http_reply(503, R"({"status":503,"code":"OVERLOADED","detail":"busy","retryable":true})",
                    "Retry-After: " + retry_after + "\r\n");
}

Client client_for(const FakeServer& server, RetryPolicy retry = {}) {
  ClientOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(server.port());
  o.token = "t";
  retry.base_delay = std::chrono::milliseconds(1);
  o.retry = retry;
  return Client(o);
}

TEST(Retry, a_write_retried_after_503_and_a_dropped_connection_keeps_its_idempotency_key) {
  FakeServer server({{false, overloaded("0")}, {true, ""}, {false, http_reply(201, kTaskBody)}});
  Client client = client_for(server);
  TaskFields f;
  f.user_id = "alice";
  auto r = client.create_task(f);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->task_id, "t1");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  const std::string key = request_header(requests[0], "Idempotency-Key");
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(request_header(requests[1], "Idempotency-Key"), key);
  EXPECT_EQ(request_header(requests[2], "Idempotency-Key"), key);
  EXPECT_EQ(request_header(requests[0], "Authorization"), "Bearer t");
}

TEST(Retry, each_call_gets_its_own_idempotency_key_and_reads_get_none) {
  FakeServer server(
      {{false, http_reply(201, kTaskBody)}, {false, http_reply(201, kTaskBody)}, {false, http_reply(200, kTaskBody)}});
  Client client = client_for(server);
  ASSERT_TRUE(client.create_task({}));
  ASSERT_TRUE(client.create_task({}));
  ASSERT_TRUE(client.get_task("t1"));
  auto requests = server.requests();
  EXPECT_NE(request_header(requests[0], "Idempotency-Key"), request_header(requests[1], "Idempotency-Key"));
  EXPECT_EQ(request_header(requests[2], "Idempotency-Key"), "");
}

TEST(Retry, max_attempts_bounds_the_tries) {
  FakeServer server({{false, overloaded("0")}, {false, overloaded("0")}, {false, overloaded("0")}});
  RetryPolicy retry;
  retry.max_attempts = 2;
  Client client = client_for(server, retry);
  EXPECT_EQ(client.get_task("t1").error().status, 503);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Retry, refused_connections_end_in_connection_failed_within_the_budget) {
  unsigned short port;
  {
    FakeServer closed({});
    port = closed.port();
  }  // a port nothing listens on any more
  ClientOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port);
  o.retry.budget = std::chrono::milliseconds(500);
  o.retry.max_attempts = 1000;
  Client client(o);
  const auto started = Clock::now();
  auto r = client.list_tasks();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 0);
  EXPECT_EQ(r.error().code, kConnectionFailed);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
}

TEST(Retry, urls_are_checked) {
  EXPECT_TRUE(Client::parse_url("http://127.0.0.1:8080"));
  EXPECT_TRUE(Client::parse_url("http://localhost/"));
  EXPECT_EQ(Client::parse_url("http://h:81")->port, 81);
  EXPECT_FALSE(Client::parse_url("http://h")->tls);
  EXPECT_TRUE(Client::parse_url("https://h")->tls);
  EXPECT_EQ(Client::parse_url("https://h")->port, 443);
  EXPECT_EQ(Client::parse_url("https://h:8443/")->port, 8443);
  EXPECT_FALSE(Client::parse_url("ftp://h"));
  EXPECT_FALSE(Client::parse_url("http://h:x"));
  EXPECT_FALSE(Client::parse_url("http://h:80/v1"));
  EXPECT_FALSE(Client::parse_url("127.0.0.1:8080"));
  ClientOptions bad;
  bad.url = "nonsense";
  EXPECT_THROW(Client{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace lockstep::testing
