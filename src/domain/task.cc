#include "domain/task.h"

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
  void fail(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
  bool failed() const { return !errors_.empty(); }
  std::vector<FieldError> take() { return std::move(errors_); }

  std::optional<std::string> text(const json::value& v, const std::string& field, std::size_t min, std::size_t max) {
    if (!v.is_string()) {
      fail(field, "must be a string");
      return std::nullopt;
    }
    std::string_view s = v.get_string();
    auto n = utf8_length(s);
    if (!n) {
      fail(field, "must be valid UTF-8");
    } else if (*n < min || *n > max) {
      fail(field, "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters long (it has " +
                      std::to_string(*n) + ")");
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

std::optional<TaskWarning> parse_warning(std::string_view name) {
  if (name == "active") return TaskWarning::kActive;
  if (name == "overdue") return TaskWarning::kOverdue;
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

namespace {

// A write body being read: what it asks for so far, and every field error.
struct WriteParse {
  WriteKind kind;
  Millis now;
  std::string_view path_id;
  TaskWrite w;
  Checker c;
  std::optional<std::int64_t> version, expected_version;
};

// What a member's null means.
enum class OnNull {
  kRefused,             // the field is required: "is required and must not be null"
  kNothing,             // no precondition, nothing to compare, or a field the server manages
  kDefault,             // resets the field to its default
  kDefaultUnlessPatch,  // as kDefault in a create or replace; refused in a patch
};

// One member a task write may carry.
struct TaskField {
  std::string_view name;
  bool required;  // a create or a replace must send it
  OnNull on_null;
  // Reads a non-null value into the parse (or records why not). Null: a field the server
  // manages, accepted (a client may send back what it read) and ignored.
  void (*read)(WriteParse& p, const json::value& v, const std::string& field);
  // Sets the field's default: on a null, and in a create or replace that does not send it.
  void (*to_default)(TaskWrite& w);
};

void read_user_id(WriteParse& p, const json::value& v, const std::string& field) {
  if (!v.is_string() || !is_valid_user_name(v.get_string())) {
    p.c.fail(field, "must be 1 to 64 of A-Z a-z 0-9 . _ -");
  } else {
    p.w.user_id = std::string(v.get_string());
  }
}

void read_title(WriteParse& p, const json::value& v, const std::string& field) {
  p.w.title = p.c.text(v, field, 1, 80);
}

void read_description(WriteParse& p, const json::value& v, const std::string& field) {
  p.w.description = p.c.text(v, field, 0, 255);
}

void read_due(WriteParse& p, const json::value& v, const std::string& field) {
  auto t = v.is_string() ? parse_rfc3339(v.get_string()) : std::nullopt;
  if (!t) {
    p.c.fail(field, "must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00.000Z");
  } else if (p.kind == WriteKind::kCreate && *t <= p.now) {
    p.c.fail(field, "must be in the future");
  } else {
    p.w.due = *t;
  }
}

void read_warning_offset(WriteParse& p, const json::value& v, const std::string& field) {
  auto n = json_integer(v);
  if (!n || *n < 0 || *n > kMaxWarningOffset) {
    p.c.fail(field, "must be an integer from 0 to 64000");
  } else {
    p.w.warning_offset = *n;
  }
}

void read_status(WriteParse& p, const json::value& v, const std::string& field) {
  auto s = v.is_string() ? parse_status(v.get_string()) : std::nullopt;
  if (!s) {
    p.c.fail(field, "must be one of NOT_STARTED IN_PROGRESS BLOCKED DEFERRED COMPLETED CANCELLED");
  } else {
    p.w.status = *s;
  }
}

// `version` and `expectedVersion`: the version the write expects (both, when sent, must agree).
std::optional<std::int64_t> read_precondition(WriteParse& p, const json::value& v, const std::string& field) {
  auto n = json_integer(v);
  if (!n || *n < 1) {
    p.c.fail(field, "must be an integer of at least 1");
  } else if (p.kind == WriteKind::kCreate && p.path_id.empty()) {
    p.c.fail(field, "is not allowed when creating: a new task has no version to compare with");
  } else {
    return n;
  }
  return std::nullopt;
}

void read_version(WriteParse& p, const json::value& v, const std::string& field) {
  if (auto n = read_precondition(p, v, field)) p.version = n;
}

void read_expected_version(WriteParse& p, const json::value& v, const std::string& field) {
  if (auto n = read_precondition(p, v, field)) p.expected_version = n;
}

void read_task_id(WriteParse& p, const json::value& v, const std::string& field) {
  if (!p.path_id.empty() && (!v.is_string() || v.get_string() != p.path_id)) {
    p.c.fail(field, "must equal the id in the URL");
  }
}

// In the order the required fields are reported missing.
constexpr TaskField kTaskFields[] = {
    {"userId", true, OnNull::kRefused, read_user_id, nullptr},
    {"taskTitle", true, OnNull::kRefused, read_title, nullptr},
    {"taskDescription", false, OnNull::kDefault, read_description, [](TaskWrite& w) { w.description = ""; }},
    {"dueDate", true, OnNull::kRefused, read_due, nullptr},
    {"warningOffset", true, OnNull::kRefused, read_warning_offset, nullptr},
    {"taskStatus", false, OnNull::kDefaultUnlessPatch, read_status,
     [](TaskWrite& w) { w.status = TaskStatus::kNotStarted; }},
    {"version", false, OnNull::kNothing, read_version, nullptr},
    {"expectedVersion", false, OnNull::kNothing, read_expected_version, nullptr},
    {"taskId", false, OnNull::kNothing, read_task_id, nullptr},
    {"eTag", false, OnNull::kNothing, nullptr, nullptr},
    {"createdAt", false, OnNull::kNothing, nullptr, nullptr},
    {"updatedAt", false, OnNull::kNothing, nullptr, nullptr},
    {"updatedBy", false, OnNull::kNothing, nullptr, nullptr},
    {"lock", false, OnNull::kNothing, nullptr, nullptr},
};

const TaskField* find_task_field(std::string_view name) {
  for (const auto& f : kTaskFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

void read_member(WriteParse& p, const TaskField& f, const json::value& v, const std::string& field) {
  if (!v.is_null()) {
    if (f.read) f.read(p, v, field);
    return;
  }
  OnNull on_null = f.on_null;
  if (on_null == OnNull::kDefaultUnlessPatch) {
    on_null = p.kind == WriteKind::kPatch ? OnNull::kRefused : OnNull::kDefault;
  }
  if (on_null == OnNull::kDefault) f.to_default(p.w);
  if (on_null == OnNull::kRefused) p.c.fail(field, "is required and must not be null");
}

}  // namespace

Result<TaskWrite> parse_task_write(const json::value& body, WriteKind kind, Millis now, std::string_view path_id) {
  if (!body.is_object()) {
    Error e(Code::kValidationFailed, "The request body must be a JSON object.");
    e.errors.push_back({"", "must be a JSON object"});
    return e;
  }
  const json::object& o = body.get_object();
  WriteParse p{kind, now, path_id, {}, {}, {}, {}};
  for (const auto& [key, v] : o) {
    const std::string field(key);
    if (const TaskField* f = find_task_field(key)) {
      read_member(p, *f, v, field);
    } else {
      p.c.fail(field, "is not a field of a task");
    }
  }

  if (p.version && p.expected_version && *p.version != *p.expected_version) {
    p.c.fail("expectedVersion", "differs from version; send one of them");
  }
  p.w.expected_version = p.expected_version ? p.expected_version : p.version;

  if (kind != WriteKind::kPatch) {
    for (const auto& f : kTaskFields) {
      if (f.required && !o.contains(f.name)) p.c.fail(std::string(f.name), "is required");
      if (f.to_default && !o.contains(f.name)) f.to_default(p.w);
    }
  }
  if (p.c.failed()) {
    Error e(Code::kValidationFailed, "The task has invalid fields.");
    e.errors = p.c.take();
    return e;
  }
  return p.w;
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

constexpr std::array<std::string_view, 6> kWritable = {"userId",  "taskTitle",     "taskDescription",
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

std::vector<FieldEdit> task_merge_edits(const TaskFields& base, const TaskFields& theirs, const TaskWrite& write,
                                        bool replace) {
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
