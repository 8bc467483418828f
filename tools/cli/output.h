// What the lockstep CLI prints (API.md §13): tables for people, or with `-o json` exactly the
// API's JSON answer; errors as one `lockstep: ` line on stderr, and exit statuses.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "lockstep/client.h"

namespace lockstep::cli {

enum class Format { kTable, kJson };

// Exit statuses of API.md §13.
inline constexpr int kExitOk = 0;
inline constexpr int kExitOther = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConflict = 3;
inline constexpr int kExitNotFound = 4;
inline constexpr int kExitLocked = 5;
inline constexpr int kExitAuth = 6;
inline constexpr int kExitUnavailable = 7;

int exit_code_of(const Error& e);

// Prints `lockstep: <detail>` (with field errors on the same line) on stderr, and for 409/412 the
// current state after it (a table, or with -o json the whole problem as one JSON line); returns
// the exit status.
int report_error(const Error& e, Format format);
// A usage error: `lockstep: <message>`, exit 2.
int usage_error(const std::string& message);

// The answer's body exactly as the server sent it (nothing for an answer without a body).
void print_raw(const HttpResponse& reply);

// A column-aligned table; the first row is the header.
class Table {
 public:
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

void print_task(std::ostream& out, const Task& t);
void print_tasks(std::ostream& out, const std::vector<Task>& tasks);
void print_lock(std::ostream& out, const Lock& l);
void print_versions(std::ostream& out, const std::vector<TaskVersion>& versions);
void print_batch(std::ostream& out, const std::vector<BatchItemResult>& results);
void print_product(std::ostream& out, const Product& p);
void print_products(std::ostream& out, const std::vector<Product>& products);
// One line per change, for `watch`.
std::string change_line(const Change& c);
std::string format_price(double price);

// Runs the usual ending of a command: an error is reported, a success printed as JSON (the raw
// answer) or by `show` as a table on stdout.
template <class T, class Show>
int finish(const Result<T>& r, Format format, Show show) {
  if (!r) return report_error(r.error(), format);
  if (format == Format::kJson) {
    print_raw(r.reply());
  } else {
    show(r.value());
  }
  return kExitOk;
}

}  // namespace lockstep::cli
