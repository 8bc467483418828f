// What a store offers a node that answers reads from its own memory (docs/architecture.md, "Reads
// from memory"). Only a store whose one writer runs in this process can offer it: the embedded
// SQLite store. Several PostgreSQL nodes share a database, so a node's memory would miss the
// other nodes' writes (API.md §8), and open_local_reads (store/open.h) offers nothing there.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/store.h"

namespace lockstep {

// When the writer reports a transaction's tasks (TasksWritten).
enum class WritePhase {
  kCommitting,  // before its COMMIT: from now on, what a read finds of them may be overtaken
  kEnded,       // it has ended, committed or not: a read that begins now sees its outcome
};

// The ids of the tasks whose row or lock a write transaction changed or tried to change. Called
// on the writer twice per transaction that wrote any (kCommitting, then kEnded, even when the
// COMMIT fails), both before any of its writes is acknowledged.
using TasksWritten = std::function<void(const std::vector<std::string>& task_ids, WritePhase phase)>;

class LocalReads {
 public:
  virtual ~LocalReads() = default;

  // Registers (or, with an empty function, removes) what the writer calls; see TasksWritten. The
  // writer never calls a removed one once this returns.
  virtual void on_tasks_written(TasksWritten written) = 0;

  // A number that is the same as at an earlier call only if no connection, of this process or of
  // another one (`lockstepd user revoke`), committed anything in between. Thread-safe; one small
  // statement on the calling thread, no hand-off. Throws StoreError.
  virtual std::uint64_t data_version() = 0;

  // Runs `job` in a read transaction on the calling thread (a point lookup, not a scan: it holds
  // up the thread that calls it). Thread-safe. Throws StoreError.
  virtual void read_here(const std::function<void(Tx&)>& job) = 0;
};

}  // namespace lockstep
