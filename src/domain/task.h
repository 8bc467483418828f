// The task resource of API.md §3: its fields, the rules a write must obey, and its JSON form.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/etag.h"
#include "core/merge.h"
#include "core/time.h"
#include "domain/lock.h"

namespace lockstep {

enum class TaskStatus { kNotStarted, kInProgress, kBlocked, kDeferred, kCompleted, kCancelled };

const char* status_name(TaskStatus s);
std::optional<TaskStatus> parse_status(std::string_view name);

// `warningOffset`: minutes before `dueDate` when a task warns, 0 to kMaxWarningOffset.
constexpr std::int64_t kMaxWarningOffset = 64000;
constexpr Millis kMillisPerMinute = 60'000;

// The list filter `warning` (API.md §3), over tasks neither COMPLETED nor CANCELLED at a moment
// `now`: kActive, now >= dueDate - warningOffset minutes but before dueDate; kOverdue, dueDate
// <= now (past it). Every open task is in at most one; the stores select them (task_list_sql.h).
enum class TaskWarning { kActive, kOverdue };
std::optional<TaskWarning> parse_warning(std::string_view name);  // "active", "overdue"

// The fields a client writes.
struct TaskFields {
  std::string user_id;
  std::string title;
  std::string description;
  Millis due = 0;
  std::int64_t warning_offset = 0;
  TaskStatus status = TaskStatus::kNotStarted;

  friend bool operator==(const TaskFields&, const TaskFields&) = default;
};

// One stored version of a task.
struct Task {
  std::string id;
  TaskFields fields;
  std::int64_t version = 0;
  std::int64_t revision = 0;  // the store revision of the change that made this version
  Millis created_at = 0;
  Millis updated_at = 0;
  std::string updated_by;
  // The task's live lock, when an answer shows it. Not part of the version: taking or losing a
  // lock changes neither the version nor the ETag (API.md §5).
  std::optional<Lock> lock;

  EntityTag etag() const { return make_etag(version, revision); }
};

// What a write body asks for, validated. For a patch only the members present are set; for a
// create or replace every writable field is set (defaults filled in).
struct TaskWrite {
  std::optional<std::string> user_id;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<Millis> due;
  std::optional<std::int64_t> warning_offset;
  std::optional<TaskStatus> status;
  std::optional<std::int64_t> expected_version;  // body `expectedVersion` or `version`

  // The fields after applying this write to `base` (JSON merge patch semantics).
  TaskFields apply_to(TaskFields base) const;
};

enum class WriteKind {
  kCreate,   // POST, or PUT that creates: all required fields, dueDate in the future
  kReplace,  // PUT on an existing task: all required fields, any valid dueDate
  kPatch,    // PATCH: any subset of the writable fields
};

// Validates a parsed JSON body for a write. Reports every field error at once.
// `path_id` is the id in the URL (empty for POST): a body `taskId` that differs is an error.
Result<TaskWrite> parse_task_write(const boost::json::value& body, WriteKind kind, Millis now,
                                   std::string_view path_id);

// Server-side merge (API.md §4): the fields `write` sets, each with its value in `base`, in
// `theirs` (current) and in the write. For a patch those are the members sent; for a replace
// (`replace` true) the writable fields whose value differs from the base.
std::vector<FieldEdit> task_merge_edits(const TaskFields& base, const TaskFields& theirs, const TaskWrite& write,
                                        bool replace);

// The task domain's rule: a taskStatus conflict where either side is BLOCKED resolves to BLOCKED.
std::optional<boost::json::value> resolve_task_conflict(const FieldEdit& edit);

// The write that applies a merge's outcome on top of the current version.
TaskWrite task_write_from(const MergeOutcome& outcome);

// The body of a DELETE: nothing but its precondition, `expectedVersion` (or `version`).
Result<std::optional<std::int64_t>> parse_delete_body(const boost::json::value& body);

// The API representation of `task` (API.md §3) as JSON text; `lock` is its lock or null.
std::string task_json(const Task& task);

}  // namespace lockstep
