// Atomic and non-atomic batches of task writes (API.md §6). Every operation goes through the same
// use cases as the single-task routes: the same validation, preconditions and lock rules.
#pragma once

#include <optional>
#include <string_view>
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

// Reads a batch request's body (the text as received): its JSON, or why it is not JSON, as
// Body::parse would say; but a batch whose top-level `operations` array holds more than
// `max_operations` elements is refused (400 VALIDATION_FAILED naming `operations`) as soon as the
// element past the limit begins, whatever follows it, without parsing the rest. Thread-safe; runs
// before the job reaches the writer.
Result<Body> read_batch_body(std::string_view text, std::size_t max_operations);

// Validates the batch itself (400 listing every problem; nothing runs), then runs it. An atomic
// batch is all or nothing: on any failure every operation is undone, and each failing one is
// reported with its own error (the others as not applied).
Result<BatchResult> run_batch(Tx& tx, const WriteContext& ctx, const Body& body, std::size_t max_operations);

}  // namespace lockstep
