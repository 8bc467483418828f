#include "domain/task.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/utf8.h"
#include "domain/user.h"

namespace json = boost::json;

namespace lockstep {
namespace {

constexpr std::array<const char*, 6> kStatusNames = {"NOT_STARTED", "IN_PROGRESS", "BLOCKED",
                                                     "DEFERRED",    "COMPLETED",   "CANCELLED"};

// Fields the server manages: accepted in a body (a client may send back what it read) and ignored.
constexpr std::array<std::string_view, 5> kIgnored = {"eTag", "createdAt", "updatedAt",
                                                      "updatedBy", "lock"};

// A JSON integer: int64 or uint64, never a number with a fraction or exponent (30.0 included).
std::optional<std::int64_t> json_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

class Checker {
 public:
  void fail(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  bool failed() const { return !errors_.empty(); }
  std::vector<FieldError> take() { return std::move(errors_); }

  std::optional<std::string> text(const json::value& v, const char* field, std::size_t min,
                                  std::size_t max) {
    if (!v.is_string()) {
      fail(field, "must be a string");
      return std::nullopt;
    }
    std::string_view s = v.get_string();
    auto n = utf8_length(s);
    if (!n) {
      fail(field, "must be valid UTF-8");
    } else if (*n < min || *n > max) {
      fail(field, "must be " + std::to_string(min) + " to " + std::to_string(max) +
                      " characters long (it has " + std::to_string(*n) + ")");
    } else {
      return std::string(s);
    }
    return std::nullopt;
  }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace

const char* status_name(TaskStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }

std::optional<TaskStatus> parse_status(std::string_view name) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (name == kStatusNames[i]) return static_cast<TaskStatus>(i);
  }
  return std::nullopt;
}

TaskFields TaskWrite::apply_to(TaskFields base) const {
  if (user_id) base.user_id = *user_id;
  if (title) base.title = *title;
  if (description) base.description = *description;
  if (due) base.due = *due;
  if (warning_offset) base.warning_offset = *warning_offset;
  if (status) base.status = *status;
  return base;
}

Result<TaskWrite> parse_task_write(const json::value& body, WriteKind kind, Millis now,
                                   std::string_view path_id) {
  if (!body.is_object()) {
    Error e(Code::kValidationFailed, "The request body must be a JSON object.");
    e.errors.push_back({"", "must be a JSON object"});
    return e;
  }
  const bool full = kind != WriteKind::kPatch;
  TaskWrite w;
  Checker c;
  std::optional<std::int64_t> version, expected_version;

  for (const auto& [key, v] : body.get_object()) {
    const std::string field(key);
    // null resets an optional field to its default and is an error on a required one.
    if (v.is_null()) {
      if (key == "taskDescription") {
        w.description = "";
      } else if (key == "taskStatus" && full) {
        w.status = TaskStatus::kNotStarted;
      } else if (key == "userId" || key == "taskTitle" || key == "dueDate" ||
                 key == "warningOffset" || key == "taskStatus") {
        c.fail(field, "is required and must not be null");
      } else if (key == "version" || key == "expectedVersion" || key == "taskId" ||
                 std::find(kIgnored.begin(), kIgnored.end(), key) != kIgnored.end()) {
        // no precondition / nothing to compare
      } else {
        c.fail(field, "is not a field of a task");
      }
      continue;
    }
    if (key == "userId") {
      if (!v.is_string() || !is_valid_user_name(v.get_string())) {
        c.fail(field, "must be 1 to 64 of A-Z a-z 0-9 . _ -");
      } else {
        w.user_id = std::string(v.get_string());
      }
    } else if (key == "taskTitle") {
      w.title = c.text(v, "taskTitle", 1, 80);
    } else if (key == "taskDescription") {
      w.description = c.text(v, "taskDescription", 0, 255);
    } else if (key == "dueDate") {
      auto t = v.is_string() ? parse_rfc3339(v.get_string()) : std::nullopt;
      if (!t) {
        c.fail(field, "must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00.000Z");
      } else if (kind == WriteKind::kCreate && *t <= now) {
        c.fail(field, "must be in the future");
      } else {
        w.due = *t;
      }
    } else if (key == "warningOffset") {
      auto n = json_integer(v);
      if (!n || *n < 0 || *n > 64000) {
        c.fail(field, "must be an integer from 0 to 64000");
      } else {
        w.warning_offset = *n;
      }
    } else if (key == "taskStatus") {
      auto s = v.is_string() ? parse_status(v.get_string()) : std::nullopt;
      if (!s) {
        c.fail(field, "must be one of NOT_STARTED IN_PROGRESS BLOCKED DEFERRED COMPLETED CANCELLED");
      } else {
        w.status = *s;
      }
    } else if (key == "version" || key == "expectedVersion") {
      auto n = json_integer(v);
      if (!n || *n < 1) {
        c.fail(field, "must be an integer of at least 1");
      } else if (kind == WriteKind::kCreate && path_id.empty()) {
        c.fail(field, "is not allowed when creating: a new task has no version to compare with");
      } else {
        (key == "version" ? version : expected_version) = *n;
      }
    } else if (key == "taskId") {
      if (!path_id.empty() && (!v.is_string() || v.get_string() != path_id)) {
        c.fail(field, "must equal the id in the URL");
      }
    } else if (std::find(kIgnored.begin(), kIgnored.end(), key) == kIgnored.end()) {
      c.fail(field, "is not a field of a task");
    }
  }

  if (version && expected_version && *version != *expected_version) {
    c.fail("expectedVersion", "differs from version; send one of them");
  }
  w.expected_version = expected_version ? expected_version : version;

  if (full) {
    const json::object& o = body.get_object();
    for (const char* required : {"userId", "taskTitle", "dueDate", "warningOffset"}) {
      if (!o.contains(required)) c.fail(required, "is required");
    }
    if (!w.description) w.description = "";
    if (!w.status) w.status = TaskStatus::kNotStarted;
  }
  if (c.failed()) {
    Error e(Code::kValidationFailed, "The task has invalid fields.");
    e.errors = c.take();
    return e;
  }
  return w;
}

Result<std::optional<std::int64_t>> parse_delete_body(const json::value& body) {
  Error e(Code::kValidationFailed, "A delete's body may carry only expectedVersion or version.");
  std::optional<std::int64_t> expected;
  if (!body.is_object()) {
    e.errors.push_back({"", "must be a JSON object"});
    return e;
  }
  for (const auto& [key, v] : body.get_object()) {
    if (key != "version" && key != "expectedVersion") {
      e.errors.push_back({std::string(key), "is not allowed in a delete's body"});
      continue;
    }
    auto n = json_integer(v);
    if (!n || *n < 1) {
      e.errors.push_back({std::string(key), "must be an integer of at least 1"});
    } else if (expected && *expected != *n) {
      e.errors.push_back({"expectedVersion", "differs from version; send one of them"});
    } else {
      expected = n;
    }
  }
  if (!e.errors.empty()) return e;
  return expected;
}

namespace {

constexpr std::array<std::string_view, 6> kWritable = {"userId", "taskTitle", "taskDescription",
                                                       "dueDate", "warningOffset", "taskStatus"};

json::value field_json(const TaskFields& f, std::string_view field) {
  if (field == "userId") return json::value(f.user_id);
  if (field == "taskTitle") return json::value(f.title);
  if (field == "taskDescription") return json::value(f.description);
  if (field == "dueDate") return json::value(format_rfc3339(f.due));
  if (field == "warningOffset") return json::value(f.warning_offset);
  return json::value(status_name(f.status));
}

bool write_sets(const TaskWrite& w, std::string_view field) {
  if (field == "userId") return w.user_id.has_value();
  if (field == "taskTitle") return w.title.has_value();
  if (field == "taskDescription") return w.description.has_value();
  if (field == "dueDate") return w.due.has_value();
  if (field == "warningOffset") return w.warning_offset.has_value();
  return w.status.has_value();
}

}  // namespace

std::vector<FieldEdit> task_merge_edits(const TaskFields& base, const TaskFields& theirs,
                                        const TaskWrite& write, bool replace) {
  const TaskFields yours = write.apply_to(base);
  std::vector<FieldEdit> edits;
  for (std::string_view field : kWritable) {
    json::value b = field_json(base, field), y = field_json(yours, field);
    bool sets = replace ? b != y : write_sets(write, field);
    if (sets) edits.push_back({std::string(field), std::move(b), field_json(theirs, field), std::move(y)});
  }
  return edits;
}

std::optional<json::value> resolve_task_conflict(const FieldEdit& e) {
  const json::value blocked(status_name(TaskStatus::kBlocked));
  if (e.field == "taskStatus" && (e.theirs == blocked || e.yours == blocked)) return blocked;
  return std::nullopt;
}

TaskWrite task_write_from(const MergeOutcome& outcome) {
  TaskWrite w;
  for (const auto& [field, v] : outcome.apply) {
    if (field == "userId") w.user_id = std::string(v.as_string());
    if (field == "taskTitle") w.title = std::string(v.as_string());
    if (field == "taskDescription") w.description = std::string(v.as_string());
    if (field == "dueDate") w.due = parse_rfc3339(v.as_string());
    if (field == "warningOffset") w.warning_offset = v.as_int64();
    if (field == "taskStatus") w.status = parse_status(v.as_string());
  }
  return w;
}

std::string task_json(const Task& t) {
  std::string out;
  out.reserve(320 + t.id.size() + t.fields.user_id.size() + t.fields.title.size() + t.fields.description.size() +
              t.updated_by.size());
  JsonObjectWriter o(out);
  o.string("taskId", t.id)
      .string("userId", t.fields.user_id)
      .string("taskTitle", t.fields.title)
      .string("taskDescription", t.fields.description)
      .string("dueDate", format_rfc3339(t.fields.due))
      .integer("warningOffset", t.fields.warning_offset)
      .string("taskStatus", status_name(t.fields.status))
      .integer("version", t.version)
      .string("eTag", t.etag().to_string())
      .string("createdAt", format_rfc3339(t.created_at))
      .string("updatedAt", format_rfc3339(t.updated_at))
      .string("updatedBy", t.updated_by);
  if (t.lock) {
    o.raw("lock", lock_json(*t.lock));
  } else {
    o.null("lock");
  }
  o.close();
  return out;
}

}  // namespace lockstep
