// The executor both stores share (store/job_queue.h), on a worker that records what it is handed:
// groups, the pending count, and a stop that finishes what was accepted and refuses the rest.
#include "store/job_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace lockstep::testing {
namespace {

using Outcome = Store::WriteOutcome;

// Answers every job committed without running it; the first group waits for `release`.
class HeldWorker final : public WriteWorker {
 public:
  HeldWorker(std::promise<void>& entered, std::shared_future<void> release, std::vector<std::size_t>& groups)
      : entered_(entered), release_(std::move(release)), groups_(groups) {}

  void run(std::span<PendingWrite> group) override {
    if (groups_.empty()) {
      entered_.set_value();
      release_.wait();
    }
    groups_.push_back(group.size());
    for (auto& w : group) w.done(Outcome::kCommitted);
  }

 private:
  std::promise<void>& entered_;
  std::shared_future<void> release_;
  std::vector<std::size_t>& groups_;
};

TEST(JobQueue, stop_finishes_every_accepted_write_in_groups_and_refuses_later_ones_at_once) {
  std::promise<void> entered, release;
  std::vector<std::size_t> groups;  // written by the writer thread, read after it is joined
  JobQueue queue({.max_write_group = 8, .max_read_group = 1});
  std::vector<std::unique_ptr<WriteWorker>> writers;
  writers.push_back(std::make_unique<HeldWorker>(entered, release.get_future().share(), groups));
  queue.start(std::move(writers), {});

  std::vector<Outcome> outcomes(4, Outcome::kUnknown);  // each slot written once, by one thread
  auto job = [](Tx&) { return true; };
  auto answer_into = [&](std::size_t i) { return [&outcomes, i](Outcome o) { outcomes[i] = o; }; };
  queue.write(job, answer_into(0));
  entered.get_future().wait();  // the writer holds the first job: the next two queue behind it
  queue.write(job, answer_into(1));
  queue.write(job, answer_into(2));
  EXPECT_EQ(queue.pending_writes(), 3u);

  std::thread stopper([&] { queue.stop(); });
  while (!queue.stopping()) std::this_thread::yield();
  queue.write(job, answer_into(3));
  EXPECT_EQ(outcomes[3], Outcome::kFailed) << "a write offered after stop() is answered at once";

  release.set_value();
  stopper.join();
  EXPECT_EQ(groups, (std::vector<std::size_t>{1, 2})) << "the two queued writes were one group";
  EXPECT_EQ(outcomes,
            (std::vector<Outcome>{Outcome::kCommitted, Outcome::kCommitted, Outcome::kCommitted, Outcome::kFailed}));
  EXPECT_EQ(queue.pending_writes(), 0u);
  queue.stop();  // idempotent
}

}  // namespace
}  // namespace lockstep::testing
