// JSON mapping of the client's resource types (API.md's member names).
#include "lockstep/types.h"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <utility>

#include "json_fields.h"
#include "json_mapping.h"

namespace lockstep {

namespace json = boost::json;
using detail::has_object;
using detail::num;
using detail::obj;
using detail::opt_int;
using detail::opt_str;
using detail::str;
using detail::task_status;
using detail::time_at;

namespace {

const json::array& array_member(const json::object& o, const char* key) {
  static const json::array kEmpty;
  auto* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

// Whole prices are written as integers: "25" reads better than "2.5e1" and is the same number.
json::value price_json(double price) {
  if (std::floor(price) == price && std::fabs(price) < 9e15) return static_cast<std::int64_t>(price);
  return price;
}

json::string status_json(TaskStatus s) { return json::string(to_string(s)); }

constexpr std::array<std::pair<TaskStatus, std::string_view>, 6> kStatusNames{{
    {TaskStatus::kNotStarted, "NOT_STARTED"},
    {TaskStatus::kInProgress, "IN_PROGRESS"},
    {TaskStatus::kBlocked, "BLOCKED"},
    {TaskStatus::kDeferred, "DEFERRED"},
    {TaskStatus::kCompleted, "COMPLETED"},
    {TaskStatus::kCancelled, "CANCELLED"},
}};

}  // namespace

std::string_view to_string(TaskStatus status) {
  for (const auto& [s, name] : kStatusNames) {
    if (s == status) return name;
  }
  return "NOT_STARTED";  // unreachable for a valid enumerator
}

std::optional<TaskStatus> parse_task_status(std::string_view name) {
  for (const auto& [s, n] : kStatusNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::string_view to_string(TaskWarning warning) { return warning == TaskWarning::kActive ? "active" : "overdue"; }

std::optional<TaskWarning> parse_task_warning(std::string_view name) {
  if (name == "active") return TaskWarning::kActive;
  if (name == "overdue") return TaskWarning::kOverdue;
  return std::nullopt;
}

Lock detail::lock_from_json(const json::object& o) {
  return {str(o, "taskId"), str(o, "owner"), time_at(o, "acquiredAt"), time_at(o, "expiresAt"), num(o, "token")};
}

Task detail::task_from_json(const json::object& o) {
  Task t;
  t.task_id = str(o, "taskId");
  t.user_id = str(o, "userId");
  t.title = str(o, "taskTitle");
  t.description = str(o, "taskDescription");
  t.due_date = time_at(o, "dueDate");
  t.warning_offset = num(o, "warningOffset");
  t.status = task_status(o, "taskStatus");
  t.version = num(o, "version");
  t.etag = str(o, "eTag");
  t.created_at = time_at(o, "createdAt");
  t.updated_at = time_at(o, "updatedAt");
  t.updated_by = str(o, "updatedBy");
  if (has_object(o, "lock")) t.lock = lock_from_json(obj(o, "lock"));
  return t;
}

json::object detail::to_json(const TaskFields& t) {
  json::object o{{"userId", t.user_id},
                 {"taskTitle", t.title},
                 {"taskDescription", t.description},
                 {"dueDate", format_time(t.due_date)},
                 {"warningOffset", t.warning_offset}};
  if (t.status) o["taskStatus"] = status_json(*t.status);
  return o;
}

TaskFields TaskFields::of(const Task& t) {
  return {t.user_id, t.title, t.due_date, t.warning_offset, t.description, t.status};
}

bool TaskPatch::empty() const { return !user_id && !title && !description && !due_date && !warning_offset && !status; }

json::object detail::to_json(const TaskPatch& p) {
  json::object o;
  if (p.user_id) o["userId"] = *p.user_id;
  if (p.title) o["taskTitle"] = *p.title;
  if (p.description) o["taskDescription"] = *p.description;
  if (p.due_date) o["dueDate"] = format_time(*p.due_date);
  if (p.warning_offset) o["warningOffset"] = *p.warning_offset;
  if (p.status) o["taskStatus"] = status_json(*p.status);
  return o;
}

TaskPatch TaskPatch::diff(const Task& before, const Task& after) {
  TaskPatch p;
  if (after.user_id != before.user_id) p.user_id = after.user_id;
  if (after.title != before.title) p.title = after.title;
  if (after.description != before.description) p.description = after.description;
  if (after.due_date != before.due_date) p.due_date = after.due_date;
  if (after.warning_offset != before.warning_offset) p.warning_offset = after.warning_offset;
  if (after.status != before.status) p.status = after.status;
  return p;
}

TaskPage detail::task_page_from_json(const json::object& o) {
  TaskPage page;
  for (const auto& t : array_member(o, "tasks")) {
    if (t.is_object()) page.tasks.push_back(task_from_json(t.get_object()));
  }
  page.next_page_token = opt_str(o, "nextPageToken");
  page.revision = num(o, "revision");
  return page;
}

Change detail::change_from_json(const json::object& o) {
  Change c;
  c.revision = num(o, "revision");
  c.type = str(o, "type");
  c.task_id = str(o, "taskId");
  c.version = num(o, "version");
  if (has_object(o, "task")) c.task = task_from_json(obj(o, "task"));
  c.by = str(o, "by");
  c.at = time_at(o, "at");
  c.json = json::serialize(o);
  return c;
}

ChangePage detail::change_page_from_json(const json::object& o) {
  ChangePage page;
  for (const auto& c : array_member(o, "changes")) {
    if (c.is_object()) page.changes.push_back(change_from_json(c.get_object()));
  }
  page.last_revision = num(o, "lastRevision");
  return page;
}

std::vector<TaskVersion> detail::task_versions_from_json(const json::object& o) {
  std::vector<TaskVersion> out;
  for (const auto& v : array_member(o, "versions")) {
    if (!v.is_object()) continue;
    const auto& e = v.get_object();
    out.push_back(
        {num(e, "version"), num(e, "revision"), time_at(e, "at"), str(e, "by"), task_from_json(obj(e, "task"))});
  }
  return out;
}

BatchOperation BatchOperation::create(const TaskFields& task) {
  return {"create", "", {}, {}, json::serialize(detail::to_json(task))};
}

BatchOperation BatchOperation::update(std::string task_id, const TaskPatch& patch) {
  return {"update", std::move(task_id), {}, {}, json::serialize(detail::to_json(patch))};
}

BatchOperation BatchOperation::remove(std::string task_id) { return {"delete", std::move(task_id), {}, {}, {}}; }

BatchOperation& BatchOperation::with_if_match(std::string etag) {
  if_match = std::move(etag);
  return *this;
}

BatchOperation& BatchOperation::with_expected_version(std::int64_t version) {
  expected_version = version;
  return *this;
}

json::object detail::to_json(const BatchOperation& b) {
  json::object o{{"op", b.op}};
  // The body is text the factories wrote, or the caller's: what does not parse is sent as null,
  // for the server to refuse with its own message.
  json::error_code ec;
  json::value body = b.body.empty() ? json::value() : json::parse(b.body, ec);
  if (b.op == "create") {
    o["task"] = std::move(body);
  } else {
    o["taskId"] = b.task_id;
    if (b.op == "update") o["patch"] = std::move(body);
  }
  if (b.if_match) o["ifMatch"] = *b.if_match;
  if (b.expected_version) o["expectedVersion"] = *b.expected_version;
  return o;
}

std::vector<BatchItemResult> detail::batch_item_results_from_json(const json::object& o) {
  std::vector<BatchItemResult> out;
  for (const auto& v : array_member(o, "results")) {
    if (!v.is_object()) continue;
    const auto& e = v.get_object();
    BatchItemResult r;
    r.index = static_cast<std::size_t>(num(e, "index"));
    r.status = static_cast<int>(num(e, "status"));
    if (has_object(e, "task")) r.task = task_from_json(obj(e, "task"));
    r.code = str(e, "code");
    r.detail = str(e, "detail");
    r.json = json::serialize(e);
    out.push_back(std::move(r));
  }
  return out;
}

BatchResult detail::batch_result_from_json(const json::object& o) {
  BatchResult r;
  r.results = batch_item_results_from_json(o);
  r.successful = opt_int(o, "successful");
  r.failed = opt_int(o, "failed");
  if (auto* v = o.if_contains("allSucceeded"); v && v->is_bool()) r.all_succeeded = v->get_bool();
  return r;
}

Reassignment detail::reassignment_from_json(const json::object& o) {
  Reassignment r;
  r.reassigned = num(o, "reassigned");
  for (const auto& id : array_member(o, "taskIds")) {
    if (id.is_string()) r.task_ids.emplace_back(id.get_string());
  }
  return r;
}

Product detail::product_from_json(const json::object& o) {
  return {str(o, "productId"), str(o, "name"), num(o, "stock"),         detail::real(o, "price"),
          num(o, "version"),   str(o, "eTag"), time_at(o, "createdAt"), time_at(o, "updatedAt")};
}

json::object detail::to_json(const ProductFields& p) {
  return {{"name", p.name}, {"stock", p.stock}, {"price", price_json(p.price)}};
}

json::object detail::to_json(const ProductPatch& p) {
  json::object o;
  if (p.name) o["name"] = *p.name;
  if (p.stock) o["stock"] = *p.stock;
  if (p.price) o["price"] = price_json(*p.price);
  return o;
}

ProductPage detail::product_page_from_json(const json::object& o) {
  ProductPage page;
  for (const auto& p : array_member(o, "products")) {
    if (p.is_object()) page.products.push_back(product_from_json(p.get_object()));
  }
  page.next_page_token = opt_str(o, "nextPageToken");
  return page;
}

Purchase detail::purchase_from_json(const json::object& o) {
  return {product_from_json(obj(o, "product")), num(o, "purchased")};
}

User detail::user_from_json(const json::object& o) {
  return {str(o, "name"), str(o, "role"), str(o, "status"), time_at(o, "createdAt"), str(o, "token")};
}

std::vector<User> detail::users_from_json(const json::object& o) {
  std::vector<User> out;
  for (const auto& u : array_member(o, "users")) {
    if (u.is_object()) out.push_back(user_from_json(u.get_object()));
  }
  return out;
}

}  // namespace lockstep
