// A user's program of the client's public headers, compiled by public_headers_test.sh with only
// client/include on the include path, which then checks that no Boost header was read: a user
// of lockstep::Client parses the standard library and the client's own headers, nothing more.
// Touches what used to expose Boost.JSON (Error::current, FieldConflict, Change::json) and the
// moves of Client, and the times and statuses of the types.
#include <lockstep/client.h>
#include <lockstep/error.h>
#include <lockstep/lock_guard.h>
#include <lockstep/time.h>
#include <lockstep/types.h>

#include <string>
#include <utility>

int main() {
  lockstep::ClientOptions options;
  lockstep::Client first(options);
  lockstep::Client second = std::move(first);
  first = std::move(second);

  lockstep::Error e;
  std::string text = e.current_json + e.problem;
  if (e.current) text += e.current->task_id;
  for (const auto& c : e.conflicts) text += c.base + c.theirs + c.yours;
  lockstep::Change change;
  text += change.json;
  lockstep::BatchOperation op = lockstep::BatchOperation::remove("t1");
  text += op.body;
  lockstep::Task task;
  task.due_date = lockstep::parse_time("2030-12-01T17:00:00Z").value_or(lockstep::Time{});
  text += lockstep::format_time(task.due_date) + std::string(lockstep::to_string(task.status));
  return text.empty() ? 0 : 1;
}
