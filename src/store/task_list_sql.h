// The SQL of a task list, one statement per combination of filters, for both stores.
//
// One statement for every combination ("(?2 IS NULL OR user_id = ?2) AND ...") leaves the planner
// no index to use but the primary key: it walks the tasks in id order from the page's start and
// filters, which reads the whole table for a user with few tasks. With only the filters that are
// set in the WHERE clause, the planner seeks the index of the filter (tasks_by_user,
// tasks_by_status, tasks_by_user_status) and reads the page in task_id order from it; a range of due
// dates (dueBefore, warning) can be read from tasks_by_due and sorted. Values are always bound as
// parameters, never spliced into the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace lockstep {

// Which filters a task list sets, as bits: 1 user, 2 status, 4 due date, and 8 `warning=active`
// or 16 `warning=overdue` (never both); below kListShapes.
constexpr unsigned kListByUser = 1, kListByStatus = 2, kListByDue = 4, kListActive = 8, kListOverdue = 16,
                   kListShapes = 24;

inline unsigned task_list_shape(const TaskQuery& q) {
  unsigned warning = !q.warning ? 0 : *q.warning == TaskWarning::kActive ? kListActive : kListOverdue;
  return (q.user_id ? kListByUser : 0) | (q.status ? kListByStatus : 0) | (q.due_before ? kListByDue : 0) | warning;
}

// The values the warning filter binds after the other filters, in this order: overdue, q.now;
// active, q.now and the latest due date a task can warn at by then, which bounds the filter to a
// range of the index tasks_by_due (the warning time itself, due - warning_offset minutes, is an
// expression that no index holds).
inline std::vector<Millis> task_list_warning_values(const TaskQuery& q) {
  if (!q.warning) return {};
  if (*q.warning == TaskWarning::kOverdue) return {q.now};
  return {q.now, q.now + kMaxWarningOffset * kMillisPerMinute};
}

// "SELECT <columns> FROM tasks WHERE task_id > P [AND user_id = P] [AND status = P] [AND due < P]
// [warning] ORDER BY task_id LIMIT P<suffix>", where the placeholders are `mark`1, `mark`2, ... in
// that order: bind the page start, then the filters that `shape` sets in that order (the warning's
// values as task_list_warning_values gives them), then the limit.
inline std::string task_list_sql(std::string_view columns, char mark, unsigned shape, std::string_view suffix = {}) {
  int n = 0;
  auto next = [&] {  // appended, not `string + string`: GCC 12 -O3 warns falsely (-Wrestrict)
    std::string placeholder(1, mark);
    placeholder += std::to_string(++n);
    return placeholder;
  };
  std::string sql = "SELECT " + std::string(columns) + " FROM tasks WHERE task_id > " + next();
  if (shape & kListByUser) sql += " AND user_id = " + next();
  if (shape & kListByStatus) sql += " AND status = " + next();
  if (shape & kListByDue) sql += " AND due < " + next();
  if (shape & (kListActive | kListOverdue)) {
    sql += " AND status NOT IN ('";
    sql += status_name(TaskStatus::kCompleted);
    sql += "', '";
    sql += status_name(TaskStatus::kCancelled);
    sql += "')";
  }
  if (shape & kListOverdue) sql += " AND due <= " + next();
  if (shape & kListActive) {
    const std::string now = next();
    sql += " AND due > " + now + " AND due <= " + next() + " AND due - warning_offset * " +
           std::to_string(kMillisPerMinute) + " <= " + now;
  }
  sql += " ORDER BY task_id LIMIT " + next();
  sql += suffix;
  return sql;
}

}  // namespace lockstep
