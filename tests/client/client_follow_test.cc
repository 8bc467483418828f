// Following the change feed (API.md §8) through a restart of the real lockstepd on the same
// database and port: follow() (long poll) and stream_changes() (server-sent events) deliver every
// change exactly once, in order, and writes retried across the restart are applied once.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>

#include "client_fixture.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;

// Runs a follower on its own thread and collects what it delivers.
class Collector {
 public:
  using Run = std::function<Result<Done>(std::stop_token, const std::function<bool(const Change&)>&)>;

  explicit Collector(Run run)
      : thread_([this, run = std::move(run)](std::stop_token stop) {
          auto r = run(stop, [this](const Change& c) {
            std::lock_guard g(mu_);
            seen_.push_back(c.revision);
            cv_.notify_all();
            return true;
          });
          std::lock_guard g(mu_);
          ended_ = std::move(r);
          cv_.notify_all();
        }) {}

  // Waits (at most 30 s) until `n` changes arrived or the follower ended; true if they arrived.
  bool wait_for(std::size_t n) {
    std::unique_lock g(mu_);
    cv_.wait_for(g, 30s, [&] { return seen_.size() >= n || ended_; });
    return seen_.size() >= n;
  }

  // Stops the follower; returns how it ended and the revisions it delivered.
  std::pair<Result<Done>, std::vector<std::int64_t>> stop() {
    thread_.request_stop();
    thread_.join();
    std::lock_guard g(mu_);
    return {ended_.value_or(Result<Done>(Error::make(0, "NOT_ENDED", "the follower never ended"))), seen_};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::int64_t> seen_;     // guarded by mu_
  std::optional<Result<Done>> ended_;  // guarded by mu_
  std::jthread thread_;                // last: its thread uses the members above
};

class Restart : public ClientTest {
 protected:
  static constexpr int kBefore = 4;
  static constexpr int kAfter = 4;

  // A client that rides out a restart: the retry budget (15 s), not a count, is the limit.
  std::unique_ptr<Client> patient(const std::string& token) {
    ClientOptions o;
    o.url = url();
    o.token = token;
    o.retry.max_attempts = 1000;
    o.retry.max_delay = 500ms;
    return std::make_unique<Client>(o);
  }

  // Writes kBefore tasks, waits until the follower has them, restarts the server on the same
  // port while a writer goes on with kAfter more (its requests in the gap are retried), and
  // checks that the follower delivered exactly the feed of the restarted server, in order.
  void write_across_a_restart(Collector& follower) {
    auto writer = patient(alice_token_);
    for (int i = 0; i < kBefore; ++i) ASSERT_TRUE(writer->create_task(sample_task()));
    ASSERT_TRUE(follower.wait_for(kBefore));
    std::latch restarted(1);
    std::jthread more([&] {
      for (int i = 0; i < kAfter; ++i) {
        if (i == 1) restarted.wait();  // one write races the restart, the rest follow it
        auto r = writer->create_task(sample_task("alice", "after " + std::to_string(i)));
        EXPECT_TRUE(r.ok()) << r.error().to_string();
      }
    });
    {
      struct Release {  // the writer goes on even if the restart throws
        std::latch& latch;
        ~Release() { latch.count_down(); }
      } release{restarted};
      restart_on_same_port();
    }
    more.join();
    ASSERT_TRUE(follower.wait_for(kBefore + kAfter));
    auto [ended, seen] = follower.stop();
    ASSERT_TRUE(ended.ok()) << ended.error().to_string();

    auto feed = admin_client().changes(0, 1000);
    ASSERT_TRUE(feed.ok());
    std::vector<std::int64_t> expected;
    for (const auto& c : feed->changes) expected.push_back(c.revision);
    EXPECT_EQ(seen, expected);                                               // none missed, none twice, in order
    EXPECT_EQ(expected.size(), static_cast<std::size_t>(kBefore + kAfter));  // each write applied once
  }
};

TEST_F(Restart, follow_misses_nothing_across_a_server_restart) {
  auto reader = patient(bob_token_);
  Collector follower([&](std::stop_token stop, const std::function<bool(const Change&)>& on_change) {
    std::int64_t since = 0;
    FollowOptions o;
    o.wait = 1s;
    o.stop = stop;
    return reader->follow(since, on_change, o);
  });
  write_across_a_restart(follower);
}

TEST_F(Restart, stream_changes_resumes_with_last_event_id_across_a_server_restart) {
  auto reader = patient(bob_token_);
  Collector follower([&](std::stop_token stop, const std::function<bool(const Change&)>& on_change) {
    return reader->stream_changes(0, on_change, stop);
  });
  write_across_a_restart(follower);
}

}  // namespace
}  // namespace lockstep::testing
