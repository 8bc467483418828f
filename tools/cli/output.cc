#include "output.h"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace lockstep::cli {

int exit_code_of(const Error& e) {
  if (e.status == 0 || e.status == 429 || e.status == 503) return kExitUnavailable;
  if (e.status == 409 && e.code == "IDEMPOTENCY_IN_PROGRESS") return kExitUnavailable;
  if (e.status == 409 || e.status == 412) return kExitConflict;
  if (e.status == 404) return kExitNotFound;
  if (e.status == 423) return kExitLocked;
  if (e.status == 401 || e.status == 403) return kExitAuth;
  return kExitOther;
}

namespace {

std::string one_line(const Error& e) {
  std::string line = e.detail;
  std::string fields;
  for (const auto& f : e.errors)
    fields += (fields.empty() ? "" : "; ") + (f.field.empty() ? "body" : f.field) + ": " + f.message;
  if (!fields.empty()) line += " (" + fields + ")";
  if (e.lock) line += " (held by " + e.lock->owner + " until " + format_time(e.lock->expires_at) + ")";
  if (e.available) line += " (available: " + std::to_string(*e.available) + ")";
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

void print_current(const Error& e) {
  std::cerr << "current state";
  if (e.current_version) std::cerr << " (version " << *e.current_version << ")";
  std::cerr << ":\n";
  if (e.current) {
    print_task(std::cerr, *e.current);
  } else if (e.current_product) {
    print_product(std::cerr, *e.current_product);
  } else {
    std::cerr << e.current_json << '\n';
  }
}

void print_conflicts(const Error& e) {
  Table t;
  t.add({"FIELD", "BASE", "THEIRS", "YOURS"});
  for (const auto& c : e.conflicts) {
    t.add({c.field, c.base, c.theirs, c.yours});
  }
  t.print(std::cerr);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int report_error(const Error& e, Format format) {
  std::cerr << "lockstep: " << one_line(e) << '\n';
  if (format == Format::kJson) {
    // The whole problem (conflicts, currentVersion, current, batch results) as one line.
    if (e.is_conflict()) std::cerr << e.problem << '\n';
    return exit_code_of(e);
  }
  if (!e.conflicts.empty()) print_conflicts(e);
  if (!e.current_json.empty() && e.current_json != "null") print_current(e);
  if (e.code == "BATCH_ABORTED") print_batch(std::cerr, e.results);
  return exit_code_of(e);
}

int usage_error(const std::string& message) {
  std::cerr << "lockstep: " << message << '\n';
  return kExitUsage;
}

void print_raw(const HttpResponse& reply) {
  if (reply.body.empty()) return;
  std::cout << reply.body;
  if (reply.body.back() != '\n') std::cout << '\n';
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

void print_task(std::ostream& out, const Task& t) {
  Table table;
  table.add({"taskId", t.task_id});
  table.add({"userId", t.user_id});
  table.add({"taskTitle", t.title});
  table.add({"taskDescription", t.description});
  table.add({"dueDate", format_time(t.due_date)});
  table.add({"warningOffset", std::to_string(t.warning_offset)});
  table.add({"taskStatus", std::string(to_string(t.status))});
  table.add({"version", std::to_string(t.version)});
  table.add({"eTag", t.etag});
  table.add({"updatedAt", format_time(t.updated_at) + " by " + t.updated_by});
  if (t.lock) table.add({"lock", t.lock->owner + " until " + format_time(t.lock->expires_at)});
  table.print(out);
}

void print_tasks(std::ostream& out, const std::vector<Task>& tasks) {
  Table table;
  table.add({"ID", "STATUS", "DUE", "USER", "VER", "ETAG", "TITLE"});
  for (const auto& t : tasks) {
    table.add({t.task_id, std::string(to_string(t.status)), format_time(t.due_date), t.user_id,
               std::to_string(t.version), t.etag, t.title});
  }
  table.print(out);
}

void print_lock(std::ostream& out, const Lock& l) {
  Table table;
  table.add({"taskId", l.task_id});
  table.add({"owner", l.owner});
  table.add({"token", std::to_string(l.token)});
  table.add({"acquiredAt", format_time(l.acquired_at)});
  table.add({"expiresAt", format_time(l.expires_at)});
  table.print(out);
}

void print_versions(std::ostream& out, const std::vector<TaskVersion>& versions) {
  Table table;
  table.add({"VER", "REVISION", "AT", "BY", "STATUS", "TITLE"});
  for (const auto& v : versions) {
    table.add({std::to_string(v.version), std::to_string(v.revision), format_time(v.at), v.by,
               std::string(to_string(v.task.status)), v.task.title});
  }
  table.print(out);
}

void print_batch(std::ostream& out, const std::vector<BatchItemResult>& results) {
  Table table;
  table.add({"INDEX", "STATUS", "CODE", "TASK", "DETAIL"});
  for (const auto& r : results) {
    std::string task = r.task ? r.task->task_id + " v" + std::to_string(r.task->version) : "-";
    table.add({std::to_string(r.index), std::to_string(r.status), or_dash(r.code), task, or_dash(r.detail)});
  }
  table.print(out);
}

std::string format_price(double price) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << price;
  return s.str();
}

void print_product(std::ostream& out, const Product& p) {
  Table table;
  table.add({"productId", p.product_id});
  table.add({"name", p.name});
  table.add({"stock", std::to_string(p.stock)});
  table.add({"price", format_price(p.price)});
  table.add({"version", std::to_string(p.version)});
  table.add({"eTag", p.etag});
  table.add({"updatedAt", format_time(p.updated_at)});
  table.print(out);
}

void print_products(std::ostream& out, const std::vector<Product>& products) {
  Table table;
  table.add({"ID", "STOCK", "PRICE", "VER", "NAME"});
  for (const auto& p : products) {
    table.add({p.product_id, std::to_string(p.stock), format_price(p.price), std::to_string(p.version), p.name});
  }
  table.print(out);
}

std::string change_line(const Change& c) {
  std::string line = std::to_string(c.revision) + "  " + c.type + "  " + c.task_id + "  v" + std::to_string(c.version) +
                     "  by " + or_dash(c.by) + "  " + format_time(c.at);
  if (c.task) line += "  " + std::string(to_string(c.task->status)) + "  " + c.task->title;
  return line;
}

}  // namespace lockstep::cli
