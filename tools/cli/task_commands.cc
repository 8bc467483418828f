// lockstep task list|get|create|update|delete|history (API.md §13); `task edit` is in
// edit_command.cc.
#include <iostream>

#include "commands.h"

namespace lockstep::cli {
namespace {

// --status: a taskStatus name, checked while parsing so that a wrong one is a usage error (exit 2).
const CLI::Validator kStatusName(
    [](std::string& s) {
      return parse_task_status(s) ? std::string()
                                  : "'" + s +
                                        "' is not a task status (NOT_STARTED, IN_PROGRESS, BLOCKED, DEFERRED, "
                                        "COMPLETED or CANCELLED)";
    },
    "STATUS");

// --warning: active or overdue, checked while parsing like --status.
const CLI::Validator kWarningName(
    [](std::string& s) {
      return parse_task_warning(s) ? std::string() : "'" + s + "' is not a warning (active or overdue)";
    },
    "WARNING");

// --due, --due-before: an RFC 3339 time, checked while parsing like --status.
const CLI::Validator kRfc3339(
    [](std::string& s) {
      return parse_time(s)
                 ? std::string()
                 : "'" + s + "' is not an RFC 3339 time (e.g. 2030-12-01T17:00:00Z or 2030-12-01T18:00:00+01:00)";
    },
    "TIME");

// A validated option's value, or nullopt when the option was not given.
std::optional<Time> given_time(const CLI::App* cmd, const std::string& name, const std::string& value) {
  return given(cmd, name, value) ? parse_time(value) : std::nullopt;
}

std::optional<TaskStatus> given_status(const CLI::App* cmd, const std::string& value) {
  return given(cmd, "--status", value) ? parse_task_status(value) : std::nullopt;
}

std::optional<TaskWarning> given_warning(const CLI::App* cmd, const std::string& value) {
  return given(cmd, "--warning", value) ? parse_task_warning(value) : std::nullopt;
}

struct TaskArgs {
  std::string id;
  std::string user_id, title, description, due, status, if_match, page_token, due_before, warning;
  std::int64_t warning_offset = 0, expected_version = 0, lock_token = 0;
  int limit = 0;
  bool merge = false;
};

void add_precondition_options(CLI::App* cmd, TaskArgs& a) {
  auto* m = cmd->add_option("--if-match", a.if_match, "Write only if the task still has this ETag (quotes optional)");
  auto* v = cmd->add_option("--expected-version", a.expected_version, "Write only if the task is at this version")
                ->check(CLI::PositiveNumber);
  m->excludes(v);
}

// The writable fields, for create and update.
void add_field_options(CLI::App* cmd, TaskArgs& a, bool create) {
  cmd->add_option("--user-id", a.user_id, "Owner (userId)")->required(create);
  cmd->add_option("--title", a.title, "Title (taskTitle)")->required(create);
  cmd->add_option("--due", a.due, "Due date, RFC 3339 (dueDate)")->required(create)->check(kRfc3339);
  cmd->add_option("--description", a.description, "Description (taskDescription)");
  cmd->add_option("--warning-offset", a.warning_offset,
                  "Warning offset (warningOffset)" + std::string(create ? ", default 0" : ""));
  cmd->add_option("--status", a.status, "Status (taskStatus)")->check(kStatusName);
}

WriteOptions write_options(const CLI::App* cmd, const TaskArgs& a) {
  WriteOptions w;
  w.if_match = given(cmd, "--if-match", a.if_match);
  w.expected_version = given(cmd, "--expected-version", a.expected_version);
  w.lock_token = given(cmd, "--lock-token", a.lock_token);
  w.merge = a.merge;
  return w;
}

void add_list(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("list", "List tasks (one page; --page-token for the next)");
  examples(cmd,
           {"lockstep task list --status BLOCKED --limit 20", "lockstep task list --warning active --user-id alice",
            "lockstep task list -o json | jq -r '.tasks[].taskId'"});
  cmd->add_option("--user-id", a->user_id, "Only the tasks of this user");
  cmd->add_option("--status", a->status, "Only tasks with this status")->check(kStatusName);
  cmd->add_option("--due-before", a->due_before, "Only tasks due before this RFC 3339 time")->check(kRfc3339);
  cmd->add_option("--warning", a->warning,
                  "Only open tasks whose warning time has come (active) or whose due date has passed (overdue)")
      ->check(kWarningName);
  cmd->add_option("--limit", a->limit, "At most N tasks (1-500, default 50)")->check(CLI::Range(1, 500));
  cmd->add_option("--page-token", a->page_token, "Continue after a previous page");
  on_run(cmd, sel, [a, cmd](Context& ctx) {
    TaskQuery q{given(cmd, "--user-id", a->user_id),
                given_status(cmd, a->status),
                given_time(cmd, "--due-before", a->due_before),
                given(cmd, "--limit", a->limit),
                given(cmd, "--page-token", a->page_token),
                given_warning(cmd, a->warning)};
    return finish(ctx.client.list_tasks(q), ctx.format, [](const TaskPage& page) {
      print_tasks(std::cout, page.tasks);
      if (page.next_page_token) std::cout << "(more: --page-token " << *page.next_page_token << ")\n";
    });
  });
}

void add_get(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("get", "Show one task");
  examples(cmd, {"lockstep task get ID", "lockstep task get ID -o json"});
  cmd->add_option("ID", a->id, "Task id")->required();
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.get_task(a->id), ctx.format, [](const Task& t) { print_task(std::cout, t); });
  });
}

void add_create(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("create", "Create a task");
  examples(cmd, {"lockstep task create --user-id alice --title \"Ship v1\" --due 2030-12-01T17:00:00Z"});
  add_field_options(cmd, *a, true);
  on_run(cmd, sel, [a, cmd](Context& ctx) {
    TaskFields f{a->user_id,        a->title,       *parse_time(a->due),
                 a->warning_offset, a->description, given_status(cmd, a->status)};
    return finish(ctx.client.create_task(f), ctx.format, [](const Task& t) { print_task(std::cout, t); });
  });
}

void add_update(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("update", "Change fields of a task (a merge patch)");
  examples(cmd, {"lockstep task update ID --status COMPLETED --if-match 2-7",
                 "lockstep task update ID --title \"Ship v1.0\" --if-match 1-1 --merge"});
  cmd->add_option("ID", a->id, "Task id")->required();
  add_field_options(cmd, *a, false);
  add_precondition_options(cmd, *a);
  cmd->add_flag("--merge", a->merge, "On a stale precondition, let the server merge (Prefer: conflict=merge)");
  cmd->add_option("--lock-token", a->lock_token, "Fencing token of the lock you hold");
  on_run(cmd, sel, [a, cmd](Context& ctx) {
    TaskPatch p{given(cmd, "--user-id", a->user_id),
                given(cmd, "--title", a->title),
                given(cmd, "--description", a->description),
                given_time(cmd, "--due", a->due),
                given(cmd, "--warning-offset", a->warning_offset),
                given_status(cmd, a->status)};
    if (p.empty()) return usage_error("task update: nothing to change (give --title, --status, ...)");
    return finish(ctx.client.patch_task(a->id, p, write_options(cmd, *a)), ctx.format,
                  [](const Task& t) { print_task(std::cout, t); });
  });
}

void add_delete(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("delete", "Delete a task");
  examples(cmd, {"lockstep task delete ID --expected-version 3"});
  cmd->add_option("ID", a->id, "Task id")->required();
  add_precondition_options(cmd, *a);
  on_run(cmd, sel, [a, cmd](Context& ctx) {
    return finish(ctx.client.delete_task(a->id, write_options(cmd, *a)), ctx.format,
                  [a](const Done&) { std::cout << "Deleted " << a->id << '\n'; });
  });
}

void add_history(CLI::App* task, Selection& sel) {
  auto a = std::make_shared<TaskArgs>();
  auto* cmd = task->add_subcommand("history", "The retained versions of a task, newest first");
  examples(cmd, {"lockstep task history ID"});
  cmd->add_option("ID", a->id, "Task id")->required();
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.versions(a->id), ctx.format,
                  [](const std::vector<TaskVersion>& v) { print_versions(std::cout, v); });
  });
}

}  // namespace

void add_task_commands(CLI::App& app, Selection& sel) {
  auto* task = app.add_subcommand("task", "Tasks: list, get, create, update, edit, delete, history");
  examples(task, {"lockstep task list --user-id alice", "lockstep task update ID --status BLOCKED --if-match 1-1"});
  task->require_subcommand(1);
  add_list(task, sel);
  add_get(task, sel);
  add_create(task, sel);
  add_update(task, sel);
  add_edit_command(*task, sel);
  add_delete(task, sel);
  add_history(task, sel);
}

}  // namespace lockstep::cli
