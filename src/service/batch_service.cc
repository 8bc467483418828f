#include "service/batch_service.h"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

namespace json = boost::json;

namespace lockstep {
namespace {

// The batch's own problem when it holds too many operations: one rule for the count found while
// streaming (read_batch_body) and the one found in a parsed body (run_batch).
FieldError too_many_operations(std::size_t max_operations) {
  return {"operations", "holds more than " + std::to_string(max_operations) + " operations; at most " +
                            std::to_string(max_operations) + " are allowed"};
}

Error invalid_batch() { return Error(Code::kValidationFailed, "The batch is invalid; nothing was run."); }

// A SAX handler for json::basic_parser that counts the elements of the top-level object's
// `operations` array as each one begins, and stops the parse once there are more than `max`.
// It builds nothing, so a refused batch costs a scan of its first max+1 operations only.
class OperationCounter {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit OperationCounter(std::size_t max) : max_(max) {}
  bool over() const { return over_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) { return begin_container(ec); }
  bool on_object_end(std::size_t, json::error_code&) { return end_container(); }
  bool on_array_begin(json::error_code& ec) {
    const bool opens_operations = depth_ == 1 && key_ == "operations";
    if (!begin_container(ec)) return false;
    if (opens_operations) {
      operations_depth_ = depth_;
      count_ = 0;
    }
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) { return end_container(); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) { return key_part(s); }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key_part(s);
    if (depth_ == 1) key_done_ = true;
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code& ec) { return scalar_part(ec); }
  bool on_string(json::string_view, std::size_t, json::error_code& ec) { return scalar_end(ec); }
  bool on_number_part(json::string_view, json::error_code& ec) { return scalar_part(ec); }
  bool on_int64(std::int64_t, json::string_view, json::error_code& ec) { return scalar_end(ec); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) { return scalar_end(ec); }
  bool on_double(double, json::string_view, json::error_code& ec) { return scalar_end(ec); }
  bool on_bool(bool, json::error_code& ec) { return element(ec); }
  bool on_null(json::error_code& ec) { return element(ec); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  // A value begins at the current depth: one more operation if it is an element of `operations`.
  bool element(json::error_code& ec) {
    if (operations_depth_ == 0 || depth_ != operations_depth_ || ++count_ <= max_) return true;
    over_ = true;
    ec = json::error::extra_data;  // any error stops the parse; over() says why
    return false;
  }
  bool begin_container(json::error_code& ec) {
    if (!element(ec)) return false;
    ++depth_;
    return true;
  }
  bool end_container() {
    if (depth_ == operations_depth_) operations_depth_ = 0;
    --depth_;
    return true;
  }
  // Strings and numbers may arrive in parts: the first part begins the value.
  bool scalar_part(json::error_code& ec) {
    if (in_scalar_) return true;
    in_scalar_ = true;
    return element(ec);
  }
  bool scalar_end(json::error_code& ec) {
    const bool begun = in_scalar_;
    in_scalar_ = false;
    return begun || element(ec);
  }
  // Only the top-level object's keys matter, and only whether one is `operations`.
  bool key_part(json::string_view s) {
    if (depth_ != 1) return true;
    if (key_done_) {
      key_.clear();
      key_done_ = false;
    }
    if (key_.size() < 16) key_.append(s.data(), std::min<std::size_t>(s.size(), 16));
    return true;
  }

  std::size_t max_;
  std::size_t depth_ = 0;             // containers open
  std::size_t operations_depth_ = 0;  // the depth inside the `operations` array being counted; 0: none
  std::size_t count_ = 0;
  std::string key_;  // the last key of the top-level object (its first 16 bytes)
  bool key_done_ = true;
  bool in_scalar_ = false;
  bool over_ = false;
};

struct Operation {
  std::string op;
  const json::object* task = nullptr;   // create
  std::string task_id;                  // update, delete
  const json::object* patch = nullptr;  // update
  std::optional<std::string> if_match;
  std::optional<std::int64_t> expected_version;
};

// Checks the shape of one operation, naming each problem `operations[i].<member>`.
Operation parse_operation(const json::value& v, std::size_t i, std::vector<FieldError>& errors) {
  Operation op;
  const std::string at = "operations[" + std::to_string(i) + "]";
  if (!v.is_object()) {
    errors.push_back({at, "must be a JSON object"});
    return op;
  }
  const auto& o = v.get_object();
  const json::value* kind = o.if_contains("op");
  if (!kind || !kind->is_string() ||
      (kind->get_string() != "create" && kind->get_string() != "update" && kind->get_string() != "delete")) {
    errors.push_back({at + ".op", "must be one of create, update, delete"});
    return op;
  }
  op.op = std::string(kind->get_string());
  for (const auto& [key, member] : o) {
    const std::string field = at + "." + std::string(key);
    if (key == "op") continue;
    if (key == "task" && op.op == "create") {
      if (member.is_object())
        op.task = &member.get_object();
      else
        errors.push_back({field, "must be a JSON object"});
    } else if (key == "patch" && op.op == "update") {
      if (member.is_object())
        op.patch = &member.get_object();
      else
        errors.push_back({field, "must be a JSON object"});
    } else if (key == "taskId" && op.op != "create") {
      if (member.is_string() && !member.get_string().empty())
        op.task_id = std::string(member.get_string());
      else
        errors.push_back({field, "must be a task id"});
    } else if (key == "ifMatch" && op.op != "create") {
      if (member.is_string())
        op.if_match = std::string(member.get_string());
      else
        errors.push_back({field, "must be an ETag string"});
    } else if (key == "expectedVersion" && op.op != "create") {
      if (member.is_int64() && member.get_int64() >= 1)
        op.expected_version = member.get_int64();
      else
        errors.push_back({field, "must be an integer of at least 1"});
    } else {
      errors.push_back({field, "is not a member of a " + op.op + " operation"});
    }
  }
  if (op.op == "create" && !o.contains("task")) errors.push_back({at + ".task", "is required"});
  if (op.op != "create" && !o.contains("taskId")) errors.push_back({at + ".taskId", "is required"});
  if (op.op == "update" && !o.contains("patch")) errors.push_back({at + ".patch", "is required"});
  return op;
}

Body body_of(json::object o) {
  Body b;
  b.present = true;
  b.json = json::value(std::move(o));
  return b;
}

BatchOpResult run_operation(Tx& tx, const WriteContext& ctx, const Operation& op) {
  BatchOpResult out;
  ConditionalHeaders headers;
  headers.if_match = op.if_match;
  if (op.op == "create") {
    auto r = create_task(tx, ctx, body_of(*op.task));
    if (!r) return {BatchOpResult::Kind::kFailed, 0, std::nullopt, r.error()};
    return {BatchOpResult::Kind::kApplied, 201, std::move(r->task), std::nullopt};
  }
  if (op.op == "update") {
    json::object patch = *op.patch;
    if (op.expected_version) patch["expectedVersion"] = *op.expected_version;
    auto r = patch_task(tx, ctx, op.task_id, headers, body_of(std::move(patch)));
    if (!r) return {BatchOpResult::Kind::kFailed, 0, std::nullopt, r.error()};
    return {BatchOpResult::Kind::kApplied, 200, std::move(r->task), std::nullopt};
  }
  Body body;
  if (op.expected_version) body = body_of(json::object{{"expectedVersion", *op.expected_version}});
  auto r = delete_task(tx, ctx, op.task_id, headers, body);
  if (!r) return {BatchOpResult::Kind::kFailed, 0, std::nullopt, r.error()};
  return {BatchOpResult::Kind::kApplied, 204, std::nullopt, std::nullopt};
}

}  // namespace

int BatchResult::successful() const {
  int n = 0;
  for (const auto& r : results) n += r.kind == BatchOpResult::Kind::kApplied;
  return n;
}

int BatchResult::failed() const {
  int n = 0;
  for (const auto& r : results) n += r.kind == BatchOpResult::Kind::kFailed;
  return n;
}

Result<Body> read_batch_body(std::string_view text, std::size_t max_operations) {
  json::basic_parser<OperationCounter> counter(json::parse_options{}, max_operations);
  json::error_code ec;
  counter.write_some(false, text.data(), text.size(), ec);
  if (counter.handler().over()) {
    Error invalid = invalid_batch();
    invalid.errors.push_back(too_many_operations(max_operations));
    return invalid;
  }
  // Within the limit, or not JSON before the limit was passed: the body's own parse says which.
  return Body::parse(text);
}

Result<BatchResult> run_batch(Tx& tx, const WriteContext& ctx, const Body& body, std::size_t max_operations) {
  if (!body.present) return Error(Code::kValidationFailed, "The batch needs a JSON body.");
  if (!body.json) return *body.error;
  Error invalid = invalid_batch();
  auto& errors = invalid.errors;
  if (!body.json->is_object()) {
    errors.push_back({"", "must be a JSON object"});
    return invalid;
  }
  BatchResult result;
  const json::array* operations = nullptr;
  for (const auto& [key, v] : body.json->get_object()) {
    if (key == "atomic") {
      if (v.is_bool())
        result.atomic = v.get_bool();
      else
        errors.push_back({"atomic", "must be true or false"});
    } else if (key == "operations") {
      if (v.is_array())
        operations = &v.get_array();
      else
        errors.push_back({"operations", "must be an array"});
    } else {
      errors.push_back({std::string(key), "is not a member of a batch"});
    }
  }
  if (!operations && errors.empty()) errors.push_back({"operations", "is required"});
  if (operations && operations->empty()) errors.push_back({"operations", "must hold at least one operation"});
  if (operations && operations->size() > max_operations) errors.push_back(too_many_operations(max_operations));
  std::vector<Operation> ops;
  if (operations) {
    for (std::size_t i = 0; i < operations->size(); ++i) ops.push_back(parse_operation((*operations)[i], i, errors));
  }
  if (!errors.empty()) return invalid;

  Savepoint whole(tx, "batch");
  for (const auto& op : ops) {
    Savepoint one(tx, "op");
    result.results.push_back(run_operation(tx, ctx, op));
    if (result.results.back().kind == BatchOpResult::Kind::kFailed) one.rollback();
  }
  if (result.atomic && result.failed() > 0) {
    whole.rollback();
    result.aborted = true;
    for (auto& r : result.results) {
      if (r.kind == BatchOpResult::Kind::kApplied) {
        r.kind = BatchOpResult::Kind::kNotApplied;
        r.task.reset();
      }
    }
  }
  return result;
}

}  // namespace lockstep
