// Atomic and non-atomic batches of task writes (API.md §6). Every operation goes through the same
// use cases as the single-task routes: the same validation, preconditions and lock rules.
#pragma once

#include <optional>
#include <vector>

#include "core/error.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

struct BatchOpResult {
  enum class Kind { kApplied, kFailed, kNotApplied };
  Kind kind = Kind::kApplied;
  int applied_status = 200;  // 201 create, 200 update, 204 delete
  std::optional<Task> task;  // the task after a create or update
  std::optional<Error> error;
};

struct BatchResult {
  bool atomic = true;
  bool aborted = false;  // atomic and something failed: nothing was applied
  std::vector<BatchOpResult> results;
  int successful() const;
  int failed() const;
};

// Validates the batch itself (400 listing every problem; nothing runs), then runs it. An atomic
// batch is all or nothing: on any failure every operation is undone, and each failing one is
// reported with its own error (the others as not applied).
Result<BatchResult> run_batch(Tx& tx, const WriteContext& ctx, const Body& body, std::size_t max_operations);

}  // namespace lockstep
