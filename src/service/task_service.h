// The task use cases of API.md §3-4. Each runs inside one store transaction (the Tx it is given)
// and checks the request in the order API.md §1 fixes: 404 -> 428 -> 412/304 -> 400 -> 409.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/preconditions.h"
#include "core/query_params.h"
#include "domain/task.h"
#include "domain/user.h"
#include "store/store.h"

namespace lockstep {

// How much history answers may use (API.md §8): the last `changes` revisions of the feed, the
// newest `versions` versions of each task.
struct Retention {
  std::int64_t changes = 1'000'000;
  std::int64_t versions = 100;
};

// Who writes, when, and how.
struct WriteContext {
  Principal principal;
  Millis now = 0;
  bool require_preconditions = false;  // --require-preconditions: unconditional writes are 428
  bool merge = false;                  // Prefer: conflict=merge
  Retention retention;
  std::optional<std::string> lock_token;  // the Lock-Token header, if sent
};

// A request body as received: parsed JSON, or why it cannot be read. Its error is reported only
// once the checks that come before the body have passed.
struct Body {
  bool present = false;                    // a non-empty body was sent
  std::optional<boost::json::value> json;  // set when present and readable
  // Set when present but not readable (API.md §1): 400 MALFORMED_JSON when it is not JSON or an
  // object in it repeats a member name, 400 VALIDATION_FAILED naming each member whose text (or
  // name) holds U+0000.
  std::optional<Error> error;

  // The one place request bodies are read.
  static Body parse(std::string_view text);
};

struct TaskWriteResult {
  Task task;
  bool created = false;  // 201
  bool changed = true;   // false: a no-op write, same version and ETag
  bool merged = false;   // a stale write merged onto the current version (Preference-Applied)
};

Result<TaskWriteResult> create_task(Tx& tx, const WriteContext& ctx, const Body& body);
Result<TaskWriteResult> patch_task(Tx& tx, const WriteContext& ctx, std::string_view id,
                                   const ConditionalHeaders& headers, const Body& body);
// Full replace; creates with the client's id when the task does not exist (201).
Result<TaskWriteResult> put_task(Tx& tx, const WriteContext& ctx, std::string_view id,
                                 const ConditionalHeaders& headers, const Body& body);
Result<Ok> delete_task(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                       const Body& body);

struct ReassignResult {
  std::vector<std::string> task_ids;
};
// POST /v1/tasks:reassign: moves every task of `fromUserId` to `toUserId` in this transaction;
// 423 naming the task, and nothing moved, if any of them is locked by someone else.
Result<ReassignResult> reassign_tasks(Tx& tx, const WriteContext& ctx, const Body& body);

struct TaskRead {
  Task task;
  bool not_modified = false;  // 304
};
Result<TaskRead> get_task(Tx& tx, std::string_view id, const ConditionalHeaders& headers, Millis now);
// get_task's preconditions on a task known without a transaction (a node's memory of its ETag,
// updatedAt, version and JSON): whether the answer is 304, or the error; nullopt when they need the
// store (a date condition may ask for the task's history).
std::optional<Result<bool>> check_read_in_memory(const EntityTag& etag, Millis updated_at, std::int64_t version,
                                                 const std::string& json, const ConditionalHeaders& headers);

struct TaskPage {
  std::vector<Task> tasks;
  std::optional<std::string> next_page_token;
  std::int64_t revision = 0;  // the store's latest revision at this page's snapshot
  // A warning list's: the moment it selected at, the request's or (on a later page) its first
  // page's. The same revision at another moment may be another answer.
  std::optional<Millis> selected_at;
};
// Validates the list query (every problem at once) and reads one page in one snapshot.
Result<TaskPage> list_tasks(Tx& tx, const QueryParams& params, Millis now);

}  // namespace lockstep
