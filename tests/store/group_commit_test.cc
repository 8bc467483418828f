// The transaction loops every backend's store threads share (store/group_commit.h), driven on a
// session that records what it is asked and fails where a test says: what a group commit does
// with a job that undoes, throws, or meets a database that gave up, independent of any database.
#include "store/group_commit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_tx.h"

namespace lockstep::testing {
namespace {

using Outcome = Store::WriteOutcome;
using Calls = std::vector<std::string>;

class ScriptedSession final : public Session {
 public:
  // `fail_at`: the call that throws StoreError, the first time it is made ("" for none).
  explicit ScriptedSession(std::string fail_at = "") : fail_at_(std::move(fail_at)) {}

  Tx& tx() override { return tx_; }  // a real Tx the jobs here never use
  void begin() override { step("begin"); }
  void commit() override { step("commit"); }
  void rollback() noexcept override { calls.push_back("rollback"); }
  void savepoint() override { step("savepoint"); }
  void rollback_to_savepoint() override { step("rollback_to"); }
  void release_savepoint() override { step("release"); }

  Calls calls;

 private:
  void step(const char* what) {
    calls.push_back(what);
    if (fail_at_ == what) {
      fail_at_.clear();
      throw StoreError(std::string("scripted failure of ") + what);
    }
  }

  std::string fail_at_;
  sqlite::Db db_{":memory:"};
  sqlite::SqliteTx tx_{db_};
};

// Jobs that answer into `outcomes`, one slot each.
std::vector<PendingWrite> writes(const std::vector<Store::WriteJob>& jobs, std::vector<Outcome>& outcomes) {
  outcomes.assign(jobs.size(), Outcome::kUnknown);
  std::vector<PendingWrite> group;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    group.push_back({jobs[i], [&outcomes, i](Outcome o) { outcomes[i] = o; }});
  }
  return group;
}

const Store::WriteJob kKeeps = [](Tx&) { return true; };
const Store::WriteJob kUndoes = [](Tx&) { return false; };
const Store::WriteJob kThrows = [](Tx&) -> bool { throw std::runtime_error("a bug in the job"); };

TEST(GroupCommit, each_job_runs_in_its_own_savepoint_and_one_commit_makes_the_group_durable) {
  ScriptedSession session;
  CommitStats stats;
  std::vector<Outcome> outcomes;
  auto group = writes({kKeeps, kUndoes, kThrows}, outcomes);
  const GroupOutcome outcome = commit_group(session, group, stats);
  EXPECT_EQ(session.calls, (Calls{"begin", "savepoint", "release", "savepoint", "rollback_to", "release", "savepoint",
                                  "rollback_to", "release", "commit"}));
  ASSERT_TRUE(outcome.committed);
  EXPECT_EQ(outcomes, std::vector<Outcome>(3, Outcome::kUnknown)) << "answered before the caller chose to";
  outcome.answer(group);
  // A job that undid its own writes was carried out; one that threw was not.
  EXPECT_EQ(outcomes, (std::vector<Outcome>{Outcome::kCommitted, Outcome::kCommitted, Outcome::kFailed}));
  EXPECT_EQ(stats.group_size.snapshot().count, 1u);
  EXPECT_EQ(stats.group_size.snapshot().sum, 3);
}

TEST(GroupCommit, a_failed_commit_rolls_the_group_back_and_fails_every_job) {
  ScriptedSession session("commit");
  CommitStats stats;
  std::vector<Outcome> outcomes;
  auto group = writes({kKeeps, kKeeps}, outcomes);
  const GroupOutcome outcome = commit_group(session, group, stats);
  EXPECT_EQ(session.calls, (Calls{"begin", "savepoint", "release", "savepoint", "release", "commit", "rollback"}));
  EXPECT_FALSE(outcome.committed);
  outcome.answer(group);
  EXPECT_EQ(outcomes, std::vector<Outcome>(2, Outcome::kFailed));
  EXPECT_EQ(stats.group_size.snapshot().count, 0u);
}

// The database cancelled the transaction under a job that caught the error and returned: the
// group must stop there, not run its next job outside any transaction.
TEST(GroupCommit, a_savepoint_the_database_cancelled_ends_the_group_at_once) {
  ScriptedSession session("release");
  CommitStats stats;
  std::vector<Outcome> outcomes;
  int later_jobs_run = 0;
  auto group = writes({kKeeps, [&](Tx&) { return ++later_jobs_run > 0; }}, outcomes);
  const GroupOutcome outcome = commit_group(session, group, stats);
  EXPECT_EQ(session.calls, (Calls{"begin", "savepoint", "release", "rollback"}));
  EXPECT_EQ(later_jobs_run, 0);
  EXPECT_FALSE(outcome.committed);
  outcome.answer(group);
  EXPECT_EQ(outcomes, std::vector<Outcome>(2, Outcome::kFailed));
}

TEST(GroupCommit, a_group_that_cannot_begin_runs_no_job) {
  ScriptedSession session("begin");
  CommitStats stats;
  std::vector<Outcome> outcomes;
  auto group = writes({kKeeps}, outcomes);
  const GroupOutcome outcome = commit_group(session, group, stats);
  EXPECT_EQ(session.calls, (Calls{"begin"})) << "nothing to roll back: no transaction was opened";
  EXPECT_FALSE(outcome.committed);
  outcome.answer(group);
  EXPECT_EQ(outcomes, (std::vector<Outcome>{Outcome::kFailed}));
}

struct Reads {
  std::vector<PendingRead> group;
  int ran = 0;
  std::vector<std::size_t> failed;
};

// Adds `n` reads to `r`; the one at `failing` throws.
void add_reads(Reads& r, std::size_t n, std::size_t failing) {
  for (std::size_t i = 0; i < n; ++i) {
    r.group.push_back({[&r, i, failing](Tx&) {
                         if (i == failing) throw StoreError("a failed statement");
                         ++r.ran;
                       },
                       [&r, i] { r.failed.push_back(i); }});
  }
}

TEST(GroupCommit, reads_share_a_transaction_and_one_that_fails_ends_it_for_itself_only) {
  ScriptedSession session;
  Reads r;
  add_reads(r, 3, 1);
  read_group(session, r.group);
  EXPECT_EQ(session.calls, (Calls{"begin", "rollback", "begin", "commit"}));
  EXPECT_EQ(r.ran, 2);
  EXPECT_EQ(r.failed, (std::vector<std::size_t>{1}));
}

TEST(GroupCommit, a_read_whose_transaction_cannot_begin_fails_and_the_next_one_begins_again) {
  ScriptedSession session("begin");
  Reads r;
  add_reads(r, 2, 2);
  read_group(session, r.group);
  EXPECT_EQ(session.calls, (Calls{"begin", "begin", "commit"}));
  EXPECT_EQ(r.ran, 1);
  EXPECT_EQ(r.failed, (std::vector<std::size_t>{0}));
}

}  // namespace
}  // namespace lockstep::testing
