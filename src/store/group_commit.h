// The transaction loops a store thread runs on its own connection, written once for every
// backend: a group of writes committed together, each job in its own savepoint, and a group of
// reads sharing one snapshot. A backend supplies a Session: its connection's transaction control.
#pragma once

#include <span>
#include <vector>

#include "store/job_queue.h"

namespace lockstep {

// One store thread's connection, as the loops below drive it. Every method throws StoreError when
// the database fails, except rollback().
class Session {
 public:
  virtual ~Session() = default;
  // The Tx through which jobs use this connection.
  virtual Tx& tx() = 0;
  // Begins this session's kind of transaction (a writer's, or a reader's snapshot).
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Ends the open transaction, if there is one, undoing it. Never throws: it runs in destructors,
  // on error paths, and after a failed commit that may or may not have ended the transaction.
  virtual void rollback() noexcept = 0;
  // The one savepoint each job of a group runs in (never nested in itself).
  virtual void savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;
  virtual void release_savepoint() = 0;
};

// Scopes a transaction on a session: rolled back when the scope ends without commit(), whether by
// an exception or a return, and when commit() itself fails.
class TransactionScope {
 public:
  explicit TransactionScope(Session& session) : session_(session) { session_.begin(); }
  ~TransactionScope() {
    if (open_) session_.rollback();
  }
  TransactionScope(const TransactionScope&) = delete;
  TransactionScope& operator=(const TransactionScope&) = delete;

  void commit() {
    session_.commit();
    open_ = false;
  }

 private:
  Session& session_;
  bool open_ = true;
};

// What became of a group of writes run by commit_group().
struct GroupOutcome {
  bool committed = false;  // the transaction committed; false: nothing of the group was applied
  std::vector<bool> ran;   // per job: it ran to its end (kept or undid its writes) without throwing
  // Answers each job: kCommitted when the group committed and the job ran, kFailed otherwise.
  void answer(std::span<PendingWrite> group) const;
};

// Runs `group` in one write transaction, each job inside its own savepoint, so that a job that
// throws or asks to undo loses its own writes only; then one commit (one flush) makes the whole
// group durable. A StoreError from the database (a savepoint statement, the commit) undoes the
// whole group. Records a commit in `stats`. Answers no job: the caller does, with answer(), once
// it has noted what the outcome says of the database's health.
GroupOutcome commit_group(Session& session, std::span<PendingWrite> group, CommitStats& stats);

// Runs `group` in one read transaction, one snapshot taken after every job of it was queued, so
// each sees every write acknowledged before it. A job that throws gets failed() and the
// transaction is ended (a failed statement may have ended it already); the next job begins a new
// one. Never throws.
void read_group(Session& session, std::span<PendingRead> group);

}  // namespace lockstep
