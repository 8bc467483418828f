#include "service/batch_service.h"

#include <boost/json.hpp>

namespace json = boost::json;

namespace lockstep {
namespace {

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
      if (member.is_object()) op.task = &member.get_object();
      else errors.push_back({field, "must be a JSON object"});
    } else if (key == "patch" && op.op == "update") {
      if (member.is_object()) op.patch = &member.get_object();
      else errors.push_back({field, "must be a JSON object"});
    } else if (key == "taskId" && op.op != "create") {
      if (member.is_string() && !member.get_string().empty()) op.task_id = std::string(member.get_string());
      else errors.push_back({field, "must be a task id"});
    } else if (key == "ifMatch" && op.op != "create") {
      if (member.is_string()) op.if_match = std::string(member.get_string());
      else errors.push_back({field, "must be an ETag string"});
    } else if (key == "expectedVersion" && op.op != "create") {
      if (member.is_int64() && member.get_int64() >= 1) op.expected_version = member.get_int64();
      else errors.push_back({field, "must be an integer of at least 1"});
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

Result<BatchResult> run_batch(Tx& tx, const WriteContext& ctx, const Body& body, std::size_t max_operations) {
  if (!body.present) return Error(Code::kValidationFailed, "The batch needs a JSON body.");
  if (!body.json) return *body.error;
  Error invalid(Code::kValidationFailed, "The batch is invalid; nothing was run.");
  auto& errors = invalid.errors;
  if (!body.json->is_object()) {
    errors.push_back({"", "must be a JSON object"});
    return invalid;
  }
  BatchResult result;
  const json::array* operations = nullptr;
  for (const auto& [key, v] : body.json->get_object()) {
    if (key == "atomic") {
      if (v.is_bool()) result.atomic = v.get_bool();
      else errors.push_back({"atomic", "must be true or false"});
    } else if (key == "operations") {
      if (v.is_array()) operations = &v.get_array();
      else errors.push_back({"operations", "must be an array"});
    } else {
      errors.push_back({std::string(key), "is not a member of a batch"});
    }
  }
  if (!operations && errors.empty()) errors.push_back({"operations", "is required"});
  if (operations && operations->empty()) errors.push_back({"operations", "must hold at least one operation"});
  if (operations && operations->size() > max_operations) {
    errors.push_back({"operations", "holds " + std::to_string(operations->size()) + " operations; at most " +
                                        std::to_string(max_operations) + " are allowed"});
  }
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
