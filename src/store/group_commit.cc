#include "store/group_commit.h"

#include <chrono>
#include <optional>

namespace lockstep {
namespace {

// Runs one job of a group in the session's savepoint. Returns whether the job ran to its end.
// Nothing needs undoing on the way out of a StoreError from the savepoint statements: the
// transaction around it is rolled back whole.
bool run_in_savepoint(Session& session, const Store::WriteJob& job) {
  session.savepoint();
  bool keep = false;
  bool ran = false;
  try {
    keep = job(session.tx());
    ran = true;
  } catch (const std::exception&) {
    // Its writes are undone below; it is answered as failed.
  }
  if (!keep) session.rollback_to_savepoint();
  // Throws when the database has cancelled the transaction under the job (a full disk, an I/O
  // error), even if the job caught that and returned: the group must not go on outside it.
  session.release_savepoint();
  return ran;
}

}  // namespace

void GroupOutcome::answer(std::span<PendingWrite> group) const {
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i].done(committed && ran[i] ? Store::WriteOutcome::kCommitted : Store::WriteOutcome::kFailed);
  }
}

GroupOutcome commit_group(Session& session, std::span<PendingWrite> group, CommitStats& stats) {
  GroupOutcome outcome;
  outcome.ran.assign(group.size(), false);
  const auto started = std::chrono::steady_clock::now();
  try {
    TransactionScope transaction(session);
    for (std::size_t i = 0; i < group.size(); ++i) outcome.ran[i] = run_in_savepoint(session, group[i].job);
    transaction.commit();
    outcome.committed = true;
    stats.observe(started, group.size());
  } catch (const StoreError&) {
    // The scope has rolled the transaction back: nothing of the group was applied.
  }
  return outcome;
}

void read_group(Session& session, std::span<PendingRead> group) {
  std::optional<TransactionScope> transaction;
  for (auto& r : group) {
    try {
      if (!transaction) transaction.emplace(session);
      r.job(session.tx());
    } catch (const std::exception&) {
      transaction.reset();
      r.failed();
    }
  }
  if (transaction) {
    try {
      transaction->commit();
    } catch (const std::exception&) {
      // Every job has answered; a read transaction that cannot commit just ends (the scope).
    }
  }
}

}  // namespace lockstep
