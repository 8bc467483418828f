// Rows of the SQLite schema to domain values and back: the one place that knows each table's
// column order.
#pragma once

#include "store/sqlite/db.h"
#include "store/store.h"

namespace lockstep::sqlite {

// The columns of a task row, in the order read_task() and bind_task() use.
inline constexpr const char* kTaskColumns =
    "task_id, user_id, title, description, due, warning_offset, status, version, revision, created_at, updated_at, "
    "updated_by";

// Each reads the statement's current row, selected with the table's columns in table order.
Task read_task(Stmt& s);
Change read_change(Stmt& s);
Product read_product(Stmt& s);
User read_user(Stmt& s);

// Each binds every column of the value in table order, from parameter 1.
void bind_task(Stmt& s, const Task& t);
void bind_product(Stmt& s, const Product& p);

}  // namespace lockstep::sqlite
