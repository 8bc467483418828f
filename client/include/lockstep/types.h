// The resources of the Lockstep HTTP contract (API.md §3, §5, §6, §8, §9) as plain C++ values,
// and the bodies a client sends. Times are lockstep::Time (time.h), read from and written as the
// API's RFC 3339 text; a task's status is a TaskStatus; ETags are kept with their quotes, as the
// ETag header carries them.
//
// No JSON library shows here: the mapping to and from API.md's members is the client's own
// (client/src/json_mapping.h), lenient on reading (a missing member leaves the default, so a
// newer server that adds members does not break an older client). Where a document is passed
// through untouched it is its JSON text, as a std::string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/time.h"

namespace lockstep {

// taskStatus (API.md §3).
enum class TaskStatus { kNotStarted, kInProgress, kBlocked, kDeferred, kCompleted, kCancelled };

// The API's name of a status: "NOT_STARTED", "IN_PROGRESS", ... Thread-safe.
std::string_view to_string(TaskStatus status);
// The status of an API name, exactly as to_string writes it; nullopt for any other text.
std::optional<TaskStatus> parse_task_status(std::string_view name);

// The list filter `warning` (API.md §3), over tasks neither COMPLETED nor CANCELLED: kActive, the
// warning time (dueDate - warningOffset minutes) has come but dueDate has not; kOverdue, dueDate
// has passed.
enum class TaskWarning { kActive, kOverdue };
// "active", "overdue". Thread-safe.
std::string_view to_string(TaskWarning warning);
std::optional<TaskWarning> parse_task_warning(std::string_view name);

// A lease on a task (API.md §5); `token` is the fencing token to send as `Lock-Token`.
struct Lock {
  std::string task_id;
  std::string owner;
  Time acquired_at;
  Time expires_at;
  std::int64_t token = 0;
};

struct Task {
  std::string task_id;
  std::string user_id;
  std::string title;        // taskTitle
  std::string description;  // taskDescription
  Time due_date;            // dueDate
  std::int64_t warning_offset = 0;
  // taskStatus; a name this client does not know (from a newer server) reads as kNotStarted.
  TaskStatus status = TaskStatus::kNotStarted;
  std::int64_t version = 0;
  std::string etag;  // e.g. "\"3-17\"", with its quotes
  Time created_at;
  Time updated_at;
  std::string updated_by;
  std::optional<Lock> lock;  // not covered by the ETag; read the lock itself for its state
};

// The writable fields of a task, for a create (POST) or a full replace (PUT).
struct TaskFields {
  std::string user_id;
  std::string title;
  Time due_date;
  std::int64_t warning_offset = 0;
  std::string description;
  std::optional<TaskStatus> status;  // absent: NOT_STARTED on create and on PUT

  static TaskFields of(const Task& t);
};

// A merge patch (RFC 7396) of a task: only the members set are sent, so only they change, and
// only they count as "set" for a server-side merge (API.md §4).
struct TaskPatch {
  std::optional<std::string> user_id;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<Time> due_date;
  std::optional<std::int64_t> warning_offset;
  std::optional<TaskStatus> status;

  bool empty() const;
  // The fields in which `after` differs from `before`.
  static TaskPatch diff(const Task& before, const Task& after);
};

struct TaskQuery {
  std::optional<std::string> user_id;
  std::optional<TaskStatus> status;
  std::optional<Time> due_before;
  std::optional<int> limit;               // 1-500; the server's default is 50
  std::optional<std::string> page_token;  // a warning list's keeps its first page's moment
  std::optional<TaskWarning> warning;
};

struct TaskPage {
  std::vector<Task> tasks;
  std::optional<std::string> next_page_token;  // absent on the last page
  std::int64_t revision = 0;                   // the store's revision of this snapshot: follow the feed from here
};

// One entry of the change feed (API.md §8). `task` is absent for a delete.
struct Change {
  std::int64_t revision = 0;
  std::string type;  // created | updated | deleted
  std::string task_id;
  std::int64_t version = 0;
  std::optional<Task> task;
  std::string by;
  Time at;
  std::string json;  // the change as the server sent it (JSON text)
};

struct ChangePage {
  std::vector<Change> changes;
  std::int64_t last_revision = 0;  // pass as the next `since`
};

struct TaskVersion {
  std::int64_t version = 0;
  std::int64_t revision = 0;
  Time at;
  std::string by;
  Task task;
};

// One operation of POST /v1/tasks:batch (API.md §6). Build them with the factories.
struct BatchOperation {
  std::string op;  // create | update | delete
  std::string task_id;
  std::optional<std::string> if_match;
  std::optional<std::int64_t> expected_version;
  std::string body;  // the task of a create, the patch of an update (JSON text); "" for a delete

  static BatchOperation create(const TaskFields& task);
  static BatchOperation update(std::string task_id, const TaskPatch& patch);
  static BatchOperation remove(std::string task_id);
  BatchOperation& with_if_match(std::string etag);
  BatchOperation& with_expected_version(std::int64_t version);
};

// The outcome of one operation: a success has `task` (absent for a delete); a failure has `code`
// and `detail` (and `424 NOT_APPLIED` for the innocent operations of an aborted atomic batch).
struct BatchItemResult {
  std::size_t index = 0;
  int status = 0;
  std::optional<Task> task;
  std::string code;
  std::string detail;
  std::string json;  // the result as the server sent it (JSON text)
};

struct BatchResult {
  std::vector<BatchItemResult> results;
  std::optional<std::int64_t> successful;  // only for `atomic: false`
  std::optional<std::int64_t> failed;
  std::optional<bool> all_succeeded;
};

struct Reassignment {
  std::int64_t reassigned = 0;
  std::vector<std::string> task_ids;
};

struct Product {
  std::string product_id;
  std::string name;
  std::int64_t stock = 0;
  double price = 0;
  std::int64_t version = 0;
  std::string etag;
  Time created_at;
  Time updated_at;
};

struct ProductFields {
  std::string name;
  std::int64_t stock = 0;
  double price = 0;
};

struct ProductPatch {
  std::optional<std::string> name;
  std::optional<std::int64_t> stock;
  std::optional<double> price;
};

struct ProductPage {
  std::vector<Product> products;
  std::optional<std::string> next_page_token;
};

struct Purchase {
  Product product;
  std::int64_t purchased = 0;
};

struct User {
  std::string name;
  std::string role;    // user | admin
  std::string status;  // active | revoked
  Time created_at;
  std::string token;  // only in the answer to a create, shown once
};

}  // namespace lockstep
