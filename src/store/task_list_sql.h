// The SQL of a task list, one statement per combination of filters, for both stores.
//
// One statement for every combination ("(?2 IS NULL OR user_id = ?2) AND ...") leaves the planner
// no index to use but the primary key: it walks the tasks in id order from the page's start and
// filters, which reads the whole table for a user with few tasks. With only the filters that are
// set in the WHERE clause, the planner seeks the index of the filter (tasks_by_user,
// tasks_by_status, tasks_by_user_status) and reads the page in task_id order from it. Values are
// always bound as parameters, never spliced into the text.
#pragma once

#include <string>
#include <string_view>

#include "store/store.h"

namespace lockstep {

// Which filters a task list sets, as bits: 1 user, 2 status, 4 due date; 0 to 7.
constexpr unsigned kListByUser = 1, kListByStatus = 2, kListByDue = 4, kListShapes = 8;

inline unsigned task_list_shape(const TaskQuery& q) {
  return (q.user_id ? kListByUser : 0) | (q.status ? kListByStatus : 0) | (q.due_before ? kListByDue : 0);
}

// "SELECT <columns> FROM tasks WHERE task_id > P [AND user_id = P] [AND status = P] [AND due < P]
// ORDER BY task_id LIMIT P<suffix>", where the placeholders are `mark`1, `mark`2, ... in that
// order: bind the page start, then the filters that `shape` sets in that order, then the limit.
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
  sql += " ORDER BY task_id LIMIT " + next();
  sql += suffix;
  return sql;
}

}  // namespace lockstep
