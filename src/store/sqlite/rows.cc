#include "store/sqlite/rows.h"

namespace lockstep::sqlite {

Task read_task(Stmt& s) {
  Task t;
  t.id = s.text(0);
  t.fields.user_id = s.text(1);
  t.fields.title = s.text(2);
  t.fields.description = s.text(3);
  t.fields.due = s.int64(4);
  t.fields.warning_offset = s.int64(5);
  t.fields.status = parse_status(s.text(6)).value_or(TaskStatus::kNotStarted);
  t.version = s.int64(7);
  t.revision = s.int64(8);
  t.created_at = s.int64(9);
  t.updated_at = s.int64(10);
  t.updated_by = s.text(11);
  return t;
}

void bind_task(Stmt& s, const Task& t) {
  s.bind(1, t.id).bind(2, t.fields.user_id).bind(3, t.fields.title).bind(4, t.fields.description);
  s.bind(5, t.fields.due).bind(6, t.fields.warning_offset).bind(7, status_name(t.fields.status));
  s.bind(8, t.version).bind(9, t.revision).bind(10, t.created_at).bind(11, t.updated_at);
  s.bind(12, t.updated_by);
}

Change read_change(Stmt& s) {
  Change c;
  c.revision = s.int64(0);
  std::string type = s.text(1);
  c.type = type == "created" ? ChangeType::kCreated : type == "deleted" ? ChangeType::kDeleted : ChangeType::kUpdated;
  c.task_id = s.text(2);
  c.version = s.int64(3);
  c.task_json = s.is_null(4) ? std::string() : s.text(4);
  c.by = s.text(5);
  c.at = s.int64(6);
  return c;
}

Product read_product(Stmt& s) {
  Product p;
  p.id = s.text(0);
  p.name = s.text(1);
  p.stock = s.int64(2);
  p.price = s.real(3);
  p.version = s.int64(4);
  p.revision = s.int64(5);
  p.created_at = s.int64(6);
  p.updated_at = s.int64(7);
  return p;
}

void bind_product(Stmt& s, const Product& p) {
  s.bind(1, p.id).bind(2, p.name).bind(3, p.stock).bind(4, p.price).bind(5, p.version).bind(6, p.revision);
  s.bind(7, p.created_at).bind(8, p.updated_at);
}

User read_user(Stmt& s) {
  User u;
  u.name = s.text(0);
  u.role = parse_role(s.text(1)).value_or(Role::kUser);
  u.token_hash = s.is_null(2) ? std::string() : s.text(2);
  u.created_at = s.int64(3);
  return u;
}

}  // namespace lockstep::sqlite
