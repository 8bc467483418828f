#include "service/task_service.h"

#include <charconv>
#include <limits>

#include <boost/json.hpp>

#include "core/ids.h"
#include "core/json_parse.h"
#include "service/lock_service.h"
#include "service/write_checks.h"

namespace json = boost::json;

namespace lockstep {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

// A page token is the id of the last task of the page before. A warning list's token also carries
// the moment its first page selected at, after a '.' (which no task id holds), so that every page
// of the list selects at that one moment however long the client takes between them.
struct PageToken {
  std::string after_id;
  std::optional<Millis> now;
};

std::optional<PageToken> parse_page_token(std::string_view text) {
  PageToken token;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    std::string_view digits = text.substr(dot + 1);
    Millis now = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), now);
    // At most 15 digits: any moment until the year 33658, and no overflow adding a warning offset.
    bool whole = !digits.empty() && digits.size() <= 15 && digits.front() != '-' && ec == std::errc() &&
                 end == digits.data() + digits.size();
    if (!whole) return std::nullopt;
    token.now = now;
    text = text.substr(0, dot);
  }
  if (!text.empty() && !is_valid_client_id(text)) return std::nullopt;
  token.after_id = std::string(text);
  return token;
}

std::string page_token(const std::string& last_id, std::optional<Millis> now) {
  return now ? last_id + "." + std::to_string(*now) : last_id;
}

Error not_found(std::string_view id) { return Error(Code::kNotFound, "No task has the id '" + std::string(id) + "'."); }

VersionedState state_of(const Task& t) {
  return VersionedState{"task", t.etag(), t.updated_at, t.version, [&t] { return task_json(t); }};
}

// The time of the change before `t`'s last one, from its history. Unknown for a first version,
// which a PUT may have made right after a delete of the same id (deletes are not in the
// history), and when that change is no longer retained.
std::optional<Millis> earlier_change(Tx& tx, const Task& t) {
  if (t.version <= 1) return std::nullopt;
  auto history = tx.task_history(t.id, 2);
  if (history.size() == 2 && history[1].version == t.version - 1) return history[1].at;
  return std::nullopt;
}

// state_of, able to answer date preconditions exactly (API.md §4).
VersionedState state_of(Tx& tx, const Task& t) {
  VersionedState s = state_of(t);
  s.earlier_change = [&tx, &t] { return earlier_change(tx, t); };
  return s;
}

Error with_current(Error e, const Task& current) { return with_current(std::move(e), state_of(current)); }

// The task with its live lock, as answers show it.
std::optional<Task> load(Tx& tx, std::string_view id, Millis now) {
  auto t = tx.get_task(id);
  if (t) attach_lock(tx, *t, now);
  return t;
}

Result<TaskWrite> parse_body(const Body& body, WriteKind kind, Millis now, std::string_view id) {
  auto json_body = require_json(body);
  if (!json_body) return json_body.error();
  return parse_task_write(**json_body, kind, now, id);
}

// Records `t` as a new version: a fresh revision, an updatedAt that never goes backwards for this
// task, and an entry in the change log.
void commit_version(Tx& tx, const WriteContext& ctx, Task& t, ChangeType type) {
  t.revision = tx.next_revision();
  t.updated_at = std::max(ctx.now, t.updated_at + 1);
  t.updated_by = ctx.principal.name;
  Change c;
  c.revision = t.revision;
  c.type = type;
  c.task_id = t.id;
  c.version = t.version;
  if (type != ChangeType::kDeleted) {
    Task recorded = t;
    recorded.lock.reset();  // a lock is not part of a version
    c.task_json = task_json(recorded);
  }
  c.by = ctx.principal.name;
  c.at = t.updated_at;
  tx.append_change(c);
}

Result<TaskWriteResult> insert_new(Tx& tx, const WriteContext& ctx, std::string id, const TaskWrite& w) {
  Task t;
  t.id = std::move(id);
  t.fields = w.apply_to({});
  t.version = 1;
  t.created_at = ctx.now;
  t.updated_at = ctx.now - 1;  // commit_version makes it max(now, this + 1) = now
  commit_version(tx, ctx, t, ChangeType::kCreated);
  tx.insert_task(t);
  return TaskWriteResult{std::move(t), true, true};
}

// What a stale write may be merged against (Prefer: conflict=merge): the base it names.
struct MergeBase {
  std::optional<EntityTag> etag;        // from If-Match
  std::optional<std::int64_t> version;  // from the body
};

// The checks every write to an existing task makes, in API.md §1 order, up to and including the
// header preconditions: 428, 423 (the task's lock), then 400/412. A stale If-Match naming one ETag
// is not refused when the client asked for a merge: it becomes the merge base.
Status check_write_preconditions(Tx& tx, const WriteContext& ctx, const Task& current,
                                 const ConditionalHeaders& headers, const Body& body, MergeBase& base) {
  if (auto ok = require_precondition(ctx, headers, body); !ok) return ok;
  if (auto unlocked = check_write_lock(tx.get_lock(current.id), ctx.principal.name, ctx.lock_token, ctx.now);
      !unlocked) {
    return unlocked;
  }
  return check_conditions(ctx, state_of(tx, current), headers, &base.etag);
}

// Applies `w` on top of `current` (already checked) and stores it, unless nothing changes.
TaskWriteResult write_over(Tx& tx, const WriteContext& ctx, Task current, const TaskWrite& w) {
  TaskFields next = w.apply_to(current.fields);
  if (next == current.fields) return TaskWriteResult{std::move(current), false, false};
  current.fields = std::move(next);
  current.version += 1;
  commit_version(tx, ctx, current, ChangeType::kUpdated);
  tx.update_task(current);
  return TaskWriteResult{std::move(current), false, true};
}

// The fields of the retained version `base` names, or nullopt when it is not retained.
std::optional<TaskFields> find_base(Tx& tx, const Task& current, const MergeBase& base, const Retention& retention) {
  for (const Change& c : tx.task_history(current.id, static_cast<int>(retention.versions))) {
    bool named = base.etag ? strong_match(*base.etag, make_etag(c.version, c.revision)) : c.version == base.version;
    if (!named) continue;
    auto w = parse_task_write(json::parse(c.task_json), WriteKind::kReplace, 0, current.id);
    if (w) return w->apply_to({});
  }
  return std::nullopt;
}

json::object conflict_json(const FieldEdit& e) {
  return {{"field", e.field}, {"base", e.base}, {"theirs", e.theirs}, {"yours", e.yours}};
}

// Server-side merge of a stale write: applies it on top of the current version when none of the
// fields it sets changed since its base (API.md §4), else 409 MERGE_CONFLICT.
Result<TaskWriteResult> merge_onto(Tx& tx, const WriteContext& ctx, Task current, const MergeBase& base,
                                   const TaskWrite& w, WriteKind kind) {
  auto base_fields = find_base(tx, current, base, ctx.retention);
  if (!base_fields) {
    Error e = with_current(Error(Code::kMergeConflict,
                                 "The version your write is based on is no longer retained; read the "
                                 "task again and redo the change."),
                           current);
    e.extra_json = json::serialize(json::object{{"reason", "BASE_NOT_RETAINED"}, {"conflicts", json::array{}}});
    return e;
  }
  auto outcome = merge_fields(task_merge_edits(*base_fields, current.fields, w, kind == WriteKind::kReplace),
                              resolve_task_conflict);
  if (!outcome.conflicts.empty()) {
    json::array conflicts;
    std::string names;
    for (const auto& c : outcome.conflicts) {
      conflicts.push_back(conflict_json(c));
      names += (names.empty() ? "" : ", ") + c.field;
    }
    Error e = with_current(
        Error(Code::kMergeConflict, "Others changed the same fields since your version: " + names + "."), current);
    e.extra_json = json::serialize(json::object{{"conflicts", std::move(conflicts)}});
    return e;
  }
  auto result = write_over(tx, ctx, std::move(current), task_write_from(outcome));
  result.merged = true;
  return result;
}

Result<TaskWriteResult> update_existing(Tx& tx, const WriteContext& ctx, Task current, WriteKind kind,
                                        const ConditionalHeaders& headers, const Body& body) {
  MergeBase base;
  if (auto ok = check_write_preconditions(tx, ctx, current, headers, body, base); !ok) return ok.error();
  auto w = parse_body(body, kind, ctx.now, current.id);
  if (!w) return w.error();
  if (!base.etag && ctx.merge && w->expected_version && *w->expected_version != current.version) {
    base.version = w->expected_version;
  }
  if (base.etag || base.version) return merge_onto(tx, ctx, std::move(current), base, *w, kind);
  if (auto ok = check_expected_version(w->expected_version, state_of(current)); !ok) return ok.error();
  return write_over(tx, ctx, std::move(current), *w);
}

}  // namespace

Body Body::parse(std::string_view text) {
  constexpr std::size_t kMaxDepth = 64;
  Body b;
  if (text.empty()) return b;
  b.present = true;
  auto v = parse_json_strict(text, kMaxDepth);
  if (!v) {
    b.error = Error(Code::kMalformedJson, "The body is not valid JSON: " + v.error().detail + ".");
    return b;
  }
  if (auto nul = paths_holding_nul(*v); !nul.empty()) {
    Error e(Code::kValidationFailed, "Text in the body may not contain U+0000.");
    for (auto& path : nul) e.errors.push_back({std::move(path), "must not contain U+0000"});
    b.error = std::move(e);
    return b;
  }
  b.json = std::move(*v);
  return b;
}

Result<TaskWriteResult> create_task(Tx& tx, const WriteContext& ctx, const Body& body) {
  auto w = parse_body(body, WriteKind::kCreate, ctx.now, "");
  if (!w) return w.error();
  return insert_new(tx, ctx, make_ulid(ctx.now), *w);
}

Result<TaskWriteResult> patch_task(Tx& tx, const WriteContext& ctx, std::string_view id,
                                   const ConditionalHeaders& headers, const Body& body) {
  auto current = load(tx, id, ctx.now);
  if (!current) return not_found(id);
  return update_existing(tx, ctx, std::move(*current), WriteKind::kPatch, headers, body);
}

Result<TaskWriteResult> put_task(Tx& tx, const WriteContext& ctx, std::string_view id,
                                 const ConditionalHeaders& headers, const Body& body) {
  auto current = load(tx, id, ctx.now);
  if (current) {
    return update_existing(tx, ctx, std::move(*current), WriteKind::kReplace, headers, body);
  }
  // PUT that creates. A condition that needs an existing task fails: If-Match is 412 (RFC 9110
  // §13.1.1), a body version names a version that does not exist (404).
  if (!is_valid_client_id(id)) {
    Error e(Code::kValidationFailed, "A task id chosen by the client must match [A-Za-z0-9_-]{1,64}.");
    e.errors.push_back({"taskId", "must match [A-Za-z0-9_-]{1,64}"});
    return e;
  }
  auto conditions = Conditions::parse(headers);
  if (!conditions) return conditions.error();
  if (evaluate(*conditions, nullptr, false) != Outcome::kProceed) {
    return Error(Code::kPreconditionFailed, "The task does not exist, so If-Match cannot match.");
  }
  auto w = parse_body(body, WriteKind::kCreate, ctx.now, id);
  if (!w) return w.error();
  if (w->expected_version) return not_found(id);
  return insert_new(tx, ctx, std::string(id), *w);
}

Result<Ok> delete_task(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                       const Body& body) {
  auto current = tx.get_task(id);
  if (!current) return not_found(id);
  MergeBase no_merge;  // a delete never merges
  WriteContext plain = ctx;
  plain.merge = false;
  if (auto ok = check_write_preconditions(tx, plain, *current, headers, body, no_merge); !ok) return ok.error();
  std::optional<std::int64_t> expected;
  if (body.present) {
    if (!body.json) return *body.error;
    auto v = parse_delete_body(*body.json);
    if (!v) return v.error();
    expected = *v;
  }
  if (auto ok = check_expected_version(expected, state_of(*current)); !ok) return ok.error();
  Task gone = std::move(*current);
  gone.version += 1;  // a delete is a change: its version is one more than the task's last
  commit_version(tx, ctx, gone, ChangeType::kDeleted);
  tx.delete_task(id);
  tx.delete_lock(id);  // deleting a task drops its lock
  return Ok{};
}

Result<ReassignResult> reassign_tasks(Tx& tx, const WriteContext& ctx, const Body& body) {
  if (!body.present) return Error(Code::kValidationFailed, "The request needs a JSON body.");
  if (!body.json) return *body.error;
  Error invalid(Code::kValidationFailed, "The reassignment has invalid fields.");
  std::string from, to;
  if (!body.json->is_object()) {
    invalid.errors.push_back({"", "must be a JSON object"});
    return invalid;
  }
  for (const auto& [key, v] : body.json->get_object()) {
    bool user_field = key == "fromUserId" || key == "toUserId";
    if (!user_field) {
      invalid.errors.push_back({std::string(key), "is not a field of a reassignment"});
    } else if (!v.is_string() || !is_valid_user_name(v.get_string())) {
      invalid.errors.push_back({std::string(key), "must be 1 to 64 of A-Z a-z 0-9 . _ -"});
    } else {
      (key == "fromUserId" ? from : to) = std::string(v.get_string());
    }
  }
  for (const char* required : {"fromUserId", "toUserId"}) {
    if (!body.json->get_object().contains(required)) invalid.errors.push_back({required, "is required"});
  }
  if (!invalid.errors.empty()) return invalid;

  // Every task of the user in one statement, not page by page: on PostgreSQL each statement of a
  // write transaction (READ COMMITTED) reads its own snapshot, so pages read different moments. A
  // task that became the user's between two pages moved if its id sorted after the cursor and was
  // left behind if it sorted before, an outcome no order of the requests explains. The tasks are
  // all held in memory to be moved anyway.
  TaskQuery q;
  q.user_id = from;
  q.limit = std::numeric_limits<int>::max();
  std::vector<Task> tasks = tx.list_tasks(q);
  for (const auto& t : tasks) {
    auto lock = tx.get_lock(t.id);
    if (lock && lock->live(ctx.now) && lock->owner != ctx.principal.name) {
      return locked_error(*lock, ctx.now, "Task " + t.id + " is locked by " + lock->owner + "; nothing was moved.");
    }
  }
  ReassignResult out;
  if (from == to) return out;
  TaskWrite move;
  move.user_id = to;
  for (auto& t : tasks) {
    out.task_ids.push_back(t.id);
    write_over(tx, ctx, std::move(t), move);
  }
  return out;
}

Result<TaskRead> get_task(Tx& tx, std::string_view id, const ConditionalHeaders& headers, Millis now) {
  auto current = load(tx, id, now);
  if (!current) return not_found(id);
  auto not_modified = check_read_conditions(state_of(tx, *current), headers);
  if (!not_modified) return not_modified.error();
  return TaskRead{std::move(*current), *not_modified};
}

std::optional<Result<bool>> check_read_in_memory(const EntityTag& etag, Millis updated_at, std::int64_t version,
                                                 const std::string& json, const ConditionalHeaders& headers) {
  if (headers.if_modified_since || headers.if_unmodified_since) return std::nullopt;
  return check_read_conditions(VersionedState{"task", etag, updated_at, version, [&json] { return json; }}, headers);
}

Result<TaskPage> list_tasks(Tx& tx, const QueryParams& params, Millis now) {
  TaskQuery q;
  q.limit = kDefaultPageSize;
  std::optional<Millis> token_now;
  Error e(Code::kValidationFailed, "The list query has invalid parameters.");
  for (const auto& [key, value] : params) {
    if (key == "userId") {
      if (!is_valid_user_name(value)) e.errors.push_back({key, "must be 1 to 64 of A-Z a-z 0-9 . _ -"});
      q.user_id = value;
    } else if (key == "taskStatus") {
      q.status = parse_status(value);
      if (!q.status) e.errors.push_back({key, "must be one of the six task statuses"});
    } else if (key == "dueBefore") {
      q.due_before = parse_rfc3339(value);
      if (!q.due_before) e.errors.push_back({key, "must be an RFC 3339 date-time"});
    } else if (key == "warning") {
      q.warning = parse_warning(value);
      if (!q.warning) e.errors.push_back({key, "must be active or overdue"});
    } else if (key == "limit") {
      int n = 0;
      bool digits = !value.empty() && value.size() <= 4 && value.find_first_not_of("0123456789") == std::string::npos;
      if (digits) n = std::stoi(value);
      if (!digits || n < 1 || n > kMaxPageSize) {
        e.errors.push_back({key, "must be an integer from 1 to 500"});
      } else {
        q.limit = n;
      }
    } else if (key == "pageToken") {
      auto token = parse_page_token(value);
      if (!token) {
        e.errors.push_back({key, "is not a page token this server issued"});
      } else {
        q.after_id = std::move(token->after_id);
        token_now = token->now;
      }
    } else {
      e.errors.push_back({key, "is not a parameter of this list"});
    }
  }
  if (!e.errors.empty()) return e;
  const int wanted = q.limit;
  q.limit = wanted + 1;  // one more tells whether another page follows
  q.now = token_now.value_or(now);
  TaskPage page;
  if (q.warning) page.selected_at = q.now;
  page.tasks = tx.list_tasks(q);
  for (auto& t : page.tasks) attach_lock(tx, t, now);
  page.revision = tx.latest_revision();
  if (page.tasks.size() > static_cast<std::size_t>(wanted)) {
    page.tasks.resize(static_cast<std::size_t>(wanted));
    page.next_page_token = page_token(page.tasks.back().id, page.selected_at);
  }
  return page;
}

}  // namespace lockstep
