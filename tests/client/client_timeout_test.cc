// ClientOptions::timeout against the real lockstepd: a server that stops answering (SIGSTOP: the
// kernel still accepts the connection, nothing replies) ends each attempt after the timeout with
// a clear error, while a long poll that asks the server to wait longer than the timeout is not
// cut off (the client adds the wait it asked for).
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "client_fixture.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Timeouts = ClientTest;

// Freezes the server for the scope (SIGSTOP ... SIGCONT), so that it answers nothing. kill()
// returns before every thread has stopped (a thread running on another CPU, on a virtual machine
// especially, may still serve a request meanwhile): the constructor returns only once the kernel
// shows every thread of the process stopped.
class Frozen {
 public:
  explicit Frozen(pid_t pid) : pid_(pid) {
    ::kill(pid_, SIGSTOP);
    const auto deadline = Clock::now() + 10s;
    while (!all_threads_stopped() && Clock::now() < deadline) std::this_thread::yield();
    EXPECT_TRUE(all_threads_stopped()) << "the server did not stop";
  }
  ~Frozen() { ::kill(pid_, SIGCONT); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

 private:
  // The state letter of /proc/PID/task/TID/stat follows the command name in parentheses.
  bool all_threads_stopped() const {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid_) + "/task", ec)) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const auto close = line.rfind(')');
      if (close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'T') return false;
    }
    return !ec;
  }

  pid_t pid_;
};

ClientOptions quick(const std::string& url, const std::string& token) {
  ClientOptions o;
  o.url = url;
  o.token = token;
  o.timeout = 300ms;
  o.retry.max_attempts = 2;
  o.retry.base_delay = 1ms;
  return o;
}

TEST_F(Timeouts, a_server_that_does_not_answer_ends_each_attempt_after_the_timeout) {
  Client client(quick(url(), alice_token_));
  ASSERT_TRUE(client.list_tasks().ok());  // a kept-alive connection, then silence on it
  Result<TaskPage> r = Error{};
  Clock::duration took{};
  {
    Frozen frozen(server_->pid());
    const auto started = Clock::now();
    r = client.list_tasks();
    took = Clock::now() - started;
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 0);
  EXPECT_EQ(r.error().code, kConnectionFailed);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_NE(r.error().detail.find("timed out after 300 ms"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 2 * 300ms);  // two attempts, each given its whole timeout
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(client.list_tasks().ok());  // the server thawed: the client recovers
}

TEST_F(Timeouts, a_long_poll_longer_than_the_timeout_is_held_for_its_whole_wait) {
  Client client(quick(url(), alice_token_));
  const auto started = Clock::now();
  auto page = client.changes(0, 10, 1s);
  ASSERT_TRUE(page.ok()) << page.error().to_string();
  EXPECT_TRUE(page->changes.empty());
  EXPECT_GE(Clock::now() - started, 900ms);  // held by the server past the client's 300 ms
}

}  // namespace
}  // namespace lockstep::testing
