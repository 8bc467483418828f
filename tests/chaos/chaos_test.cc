// Crash loops: many clients write with preconditions and idempotency keys while lockstepd is
// killed with SIGKILL and restarted, again and again. Afterwards every acknowledged write is in
// the store exactly once, no task has a version gap, and the recorded history of reads and
// conditional writes is linearizable.
//
// Short form in the test suite (5 kills); the long form: LOCKSTEP_CHAOS_KILLS=20 (see
// docs/reliability.md). The clients and the checks are in chaos_harness.h, shared with the
// PostgreSQL crash loop (pg_chaos_test.cc).
#include <condition_variable>
#include <mutex>

#include "chaos_harness.h"
#include "fixture.h"

namespace lockstep::testing {
namespace {

// Where the server is now; clients wait here while it is down.
class Target {
 public:
  void up(unsigned short port) {
    std::lock_guard lock(mu_);
    port_ = port;
    ++generation_;
    cv_.notify_all();
  }
  // The port of a server newer than `seen` (or the current one when `seen` is 0); 0 once finished.
  std::pair<unsigned short, int> wait_newer(int seen) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ || generation_ > seen; });
    return {finished_ ? 0 : port_, generation_};
  }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned short port_ = 0;
  int generation_ = 0;
  bool finished_ = false;
};

// One server at a time: a client whose connection failed waits for the next one.
class TargetRoute final : public chaos::Route {
 public:
  TargetRoute(Target& target, std::string token) : target_(target), token_(std::move(token)) {}
  ApiClient* next() override { return client_ ? client_.get() : failed(); }
  ApiClient* failed() override {
    unsigned short port = 0;
    std::tie(port, generation_) = target_.wait_newer(generation_);
    client_ = port ? std::make_unique<ApiClient>(port, token_) : nullptr;
    return client_.get();
  }
  int node() const override { return 0; }

 private:
  Target& target_;
  std::string token_;
  int generation_ = 0;
  std::unique_ptr<ApiClient> client_;
};

class Chaos : public ServerTest {
 protected:
  static constexpr int kClients = 6, kHot = 3;
};

TEST_F(Chaos, kill_9_loops_lose_no_acknowledged_write_and_the_history_is_linearizable) {
  start({"--rate-limit", "0"});
  std::vector<std::string> hot;
  {
    auto c = alice();
    for (int i = 0; i < kHot; ++i) hot.push_back(c.create_task().str("taskId"));
  }
  Target target;
  chaos::Recorder recorder;
  target.up(server_->port());
  chaos::ClientThreads clients(
      kClients, hot, recorder, [&](int) { return std::make_unique<TargetRoute>(target, alice_token_); },
      [&] { target.finish(); });

  const int kills = chaos::env_count("LOCKSTEP_CHAOS_KILLS", 5);
  for (int k = 0; k < kills; ++k) {
    // Kill once some writes were acknowledged since the last start (progress, not a delay).
    ASSERT_TRUE(recorder.wait_for_acks(40, std::chrono::seconds(60)));
    server_->kill9();
    start({"--rate-limit", "0"});
    target.up(server_->port());
  }
  // Writes acknowledged by the last server too: else the history would end at the last kill.
  EXPECT_TRUE(recorder.wait_for_acks(40, std::chrono::seconds(60))) << "no progress after the last restart";
  clients.stop();

  auto c = alice();
  const auto v = chaos::verify(c, recorder);
  chaos::report("chaos: " + std::to_string(kills) + " kills", v, recorder);
}

}  // namespace
}  // namespace lockstep::testing
